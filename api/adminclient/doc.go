// Package adminclient is the admin API's side that callers see: its wire types (ProposalView,
// NodeIdentity) and a Client that signs operator-only requests with an operator's Ed25519 key
// (api/adminauth). keyholdctl uses it, so the CLI and the node share one definition of the JSON
// instead of a copy that could drift.
//
// It may import only api/adminauth and domain (whose status and proposal types are part of the
// wire format): importing it must not pull the server (S3, metrics, storage backends) into an
// operator's CLI.
package adminclient
