package pipeline

import (
	"context"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// WithCaller returns ctx carrying the authenticated caller of r, for the service to authorize
// against: the principal the access key belongs to (sigv4.Identity.Info, set by the credential
// store) with this request's own facts added: the connection's address, whether it came over
// TLS, the region it was signed for and the time. Nothing is read from a header the client
// chooses. An identity without a caller (a credential store that does not know principals)
// leaves ctx without one, which every authorization check refuses.
func WithCaller(ctx context.Context, r *http.Request, who sigv4.Identity, region string, now time.Time) context.Context {
	base, ok := who.Info.(*domain.Caller)
	if !ok || base == nil {
		return ctx
	}
	c := *base
	c.SourceIP = SourceIP(r)
	c.SecureTransport = r.TLS != nil
	c.Region = region
	c.Time = now
	c.NoteUse(sigv4.ScopeService(r))
	return domain.WithCaller(ctx, &c)
}
