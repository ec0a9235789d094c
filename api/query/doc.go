// Package query serves AWS's Query protocol, the wire format of IAM and STS: a form-encoded
// POST (or a GET with the same parameters in the URL) naming the operation in Action and the
// API version in Version, answered with an XML document named after the operation
// (<ActionResponse><ActionResult>...</ActionResult><ResponseMetadata>...) or an
// <ErrorResponse>. A Service is one such API (its namespace, version, SigV4 name and action
// table); Serve runs every request through the shared pipeline: freshness gate, SigV4
// authentication, the caller attached to the context, the handler, metrics and the audit
// record. The handlers, in api/iam and api/sts, authorize and act.
package query
