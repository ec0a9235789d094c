package api

import (
	"context"

	"github.com/keyhold/keyhold/api/pipeline"
	"github.com/keyhold/keyhold/api/quota"
	"github.com/keyhold/keyhold/domain"
	"github.com/prometheus/client_golang/prometheus"
)

// quotas charges requests against their account's quotas (package api/quota) and counts the
// refusals.
type quotas struct {
	limiter   *quota.Limiter // nil: quotas off
	throttled *prometheus.CounterVec
}

func newQuotas(cfg quota.Config, m *Metrics) *quotas {
	q := &quotas{limiter: quota.NewLimiter(cfg), throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "keyhold_throttled_requests_total",
		Help: "Requests refused because their account's quota was spent, by account and quota (api/quota names).",
	}, []string{"account", "quota"})}
	m.mustRegisterFunc(q.throttled)
	return q
}

// throttleMessages are the client messages AWS sends with a throttling error, by API.
var throttleMessages = map[string]string{
	"kms": "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.",
	"s3":  "Please reduce your request rate.",
	"iam": "Rate exceeded",
	"sts": "Rate exceeded",
}

// Charge implements pipeline.Pipeline. The account is the authenticated caller's, never one
// the request names, so a caller spends only its own account's quota; keyhold's own work
// carries no caller and is never charged. The quota label is a closed set and the account an
// id the domain created, so the metric's cardinality is bounded.
func (p shared) Charge(ctx context.Context, api, op string) error {
	q := p.s.quotas
	if q.limiter == nil {
		return nil
	}
	c, ok := domain.CallerFrom(ctx)
	if !ok {
		return nil
	}
	acct, name := c.Principal.Account, quota.For(api, op)
	if q.limiter.Take(acct, name) {
		return nil
	}
	q.throttled.WithLabelValues(acct, string(name)).Inc()
	return &pipeline.PublicError{Kind: pipeline.ErrThrottled, Msg: throttleMessages[api]}
}
