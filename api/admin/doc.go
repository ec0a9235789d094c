// Package admin serves the admin API on the ops listener: what keyholdctl talks to. Operators
// authenticate with Ed25519 request signatures (api/adminauth), not SigV4; routes that change
// state or return domain material need an operator of the domain (before a domain exists, a
// configured bootstrap or recovery operator). Every admin request leaves exactly one audit
// record, refused or not. admin.go lists the routes and what each needs; pprof.go adds Go's
// profiles, to operators only, when configured.
//
// Its wire types live in api/adminclient, which the CLI imports without the server.
//
// It may import api/adminauth, api/adminclient, api/audit, api/pipeline and domain, never the
// root api: the root api mounts it on the ops listener and hands it the shared pipeline.
package admin
