// Package pipeline is the contract between the root api package, which runs the shared request
// pipeline (request ids, the freshness gate, authorisation, metrics, the audit trail), and the
// protocol packages (api/kms, api/s3, api/admin), which decode, dispatch and answer requests.
//
// The root api implements Pipeline and hands it to each protocol package; the protocol packages
// call into it and never import the root api. That keeps the dependency direction one way (root
// api imports protocols, never the reverse) while every request still passes the same gate and
// leaves the same audit record, whichever protocol serves it.
//
// It also holds the small pieces every protocol shares: the public-error type that carries a
// client message, the errors every protocol maps (ErrUnavailable, ErrTimeout,
// ErrRequestTooLarge), request ids and the caller's source address.
//
// It may import the standard library, api/audit, api/sigv4 and domain (for the sentinels a
// client message is chosen by), and nothing else of keyhold.
package pipeline
