package query

import (
	"context"
	"net/url"
	"time"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/sigv4"
)

// Service is one Query-protocol API.
type Service struct {
	// Name is the API's name in metrics and audit records ("iam", "sts") and its SigV4
	// service name.
	Name string
	// Namespace is the xmlns of every response ("https://iam.amazonaws.com/doc/2010-05-08/").
	Namespace string
	// Version is the only Version parameter accepted ("2010-05-08").
	Version string
	// Actions is the action table.
	Actions map[string]Action
	// Errors are the service's own failures, matched before the shared table.
	Errors []ErrorRow
	// Anonymous lists the actions that are not signed with SigV4 (STS's
	// AssumeRoleWithWebIdentity, authenticated by the token it carries).
	Anonymous map[string]bool
}

// Action is one operation: its handler and how long it may take. The handler returns the
// value that becomes <ActionResult> (a struct with xml tags; nil for an empty result).
type Action struct {
	Handle  func(ctx context.Context, c *Call) (any, error)
	Timeout time.Duration
}

// Call is one request as the handler sees it.
type Call struct {
	// Action is the operation's name.
	Action string
	// Params are the request's parameters, Action and Version included.
	Params url.Values
	// Who is the authenticated caller (zero for an anonymous action).
	Who sigv4.Identity
	// RequestID is the request's id, in the response and the audit record.
	RequestID string
	// Audit collects what the audit record says beyond the request itself: the resource the
	// call acted on (an ARN).
	Resource string
	p        pipeline.Pipeline
}

// Authorize asks the pipeline whether the caller may perform action on resource (an ARN, or
// "*" for actions on no resource), and notes the resource for the audit record.
func (c *Call) Authorize(ctx context.Context, action, resource string) error {
	c.Resource = resource
	return c.p.Authorize(ctx, c.Who, action)
}

// Param returns a parameter's value ("" when absent).
func (c *Call) Param(name string) string { return c.Params.Get(name) }

// Required returns a parameter that must be present and non-empty.
func (c *Call) Required(name string) (string, error) {
	v := c.Params.Get(name)
	if v == "" {
		return "", Errorf(ErrValidation, "1 validation error detected: Value null at '"+lowerFirst(name)+"' failed to satisfy constraint: Member must not be null")
	}
	return v, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// Actions lists the server's actions, each with whether it is anonymous (authenticated by
// what it carries rather than by SigV4), for the route inventory.
func (s *Server) Actions() map[string]bool {
	out := make(map[string]bool, len(s.svc.Actions))
	for a := range s.svc.Actions {
		out[a] = s.svc.Anonymous[a]
	}
	return out
}

// Name is the API's name ("iam", "sts").
func (s *Server) Name() string { return s.svc.Name }
