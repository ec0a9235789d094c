package api

import (
	"net/http"
	"sort"
	"strings"

	"github.com/keyhold/keyhold/api/kms"
	"github.com/keyhold/keyhold/api/query"
)

// Auth is what a route requires of its caller before its handler runs. Every route of every
// listener declares one (Server.Routes); a test in cmd/keyhold probes each route without
// credentials and fails on a route whose declaration is missing or does not hold.
type Auth string

// The authentication kinds of keyhold's listeners.
const (
	// AuthOpen routes need nothing. They return nothing a credential or an operator key
	// protects: health, readiness, metrics, cluster and domain status, public keys.
	AuthOpen Auth = "open"
	// AuthOperator routes need an operator's Ed25519 request signature (package adminauth) by
	// a current operator of the domain, or a configured bootstrap or recovery operator before
	// one exists.
	AuthOperator Auth = "operator"
	// AuthSigV4 routes need an AWS Signature Version 4 by a principal of the domain.
	AuthSigV4 Auth = "sigv4"
	// AuthMember routes need a TLS client certificate of a current member of the domain
	// (the peer API and raft, on the raft port).
	AuthMember Auth = "member"
	// AuthWebIdentity routes need an OIDC token signed by an identity provider configured on
	// the node (STS AssumeRoleWithWebIdentity); they take no SigV4 signature.
	AuthWebIdentity Auth = "web-identity"
)

// Route is one route of one listener, as Server.Routes lists it.
type Route struct {
	Listener string // "api", "ops" or "peer"
	Method   string // an HTTP method, or "*" for any
	// Path is a net/http pattern path; for KMS it is "/" and Target names the operation.
	Path   string
	Target string // the X-Amz-Target of a KMS operation, else ""
	// Action is a Query-protocol operation as "iam:CreateUser" (IAM and STS), else "".
	Action string
	Auth   Auth
}

// String names the route as the listings and test failures show it.
func (r Route) String() string {
	s := r.Listener + " " + r.Method + " " + r.Path
	if r.Target != "" {
		s += " X-Amz-Target:" + r.Target
	}
	if r.Action != "" {
		s += " Action:" + r.Action
	}
	return s
}

// opsRoute is one route of the ops listener that is not part of the admin API.
type opsRoute struct {
	pattern string
	auth    Auth
	h       http.HandlerFunc
}

// Routes lists every route of the API and ops listeners with the authentication it requires,
// sorted. The API listener authenticates every request with SigV4 before it looks at the
// operation (api/kms runKMS, api/s3 runS3), so S3 is one catch-all route.
func (s *Server) Routes() []Route {
	var out []Route
	for _, op := range kms.Operations() {
		out = append(out, Route{Listener: "api", Method: http.MethodPost, Path: "/", Target: kms.TargetPrefix + op, Auth: AuthSigV4})
	}
	out = append(out, Route{Listener: "api", Method: "*", Path: "/", Auth: AuthSigV4})
	for _, q := range []*query.Server{s.iam, s.sts} {
		for action, anonymous := range q.Actions() {
			auth := AuthSigV4
			if anonymous {
				auth = AuthWebIdentity
			}
			out = append(out, Route{Listener: "api", Method: http.MethodPost, Path: "/", Action: q.Name() + ":" + action, Auth: auth})
		}
	}
	for _, rt := range s.opsRoutes() {
		out = append(out, opsRouteInfo(rt.pattern, rt.auth))
	}
	for _, rt := range s.admin.Routes() {
		auth := AuthOpen
		if rt.Operator {
			auth = AuthOperator
		}
		out = append(out, opsRouteInfo(rt.Pattern, auth))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

func opsRouteInfo(pattern string, auth Auth) Route {
	method, path, _ := strings.Cut(pattern, " ")
	return Route{Listener: "ops", Method: method, Path: path, Auth: auth}
}
