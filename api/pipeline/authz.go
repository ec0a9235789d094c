package pipeline

import (
	"strconv"

	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/domain"
)

// Decided fills r's authorization fields from the decisions made for its request (the
// DecisionLog the protocol handler attached with domain.WithDecisionLog): the caller's account
// and the decision that settled the request, the first refusal or else the first allow.
func Decided(r *audit.Record, l *domain.DecisionLog) {
	d, ok := l.Settled()
	if !ok {
		return
	}
	r.Account = d.Account
	r.Decision = "Deny"
	if d.Allowed {
		r.Decision = "Allow"
	}
	r.DecisionReason = d.Reason
	r.DecidingPolicy = d.Policy
	switch {
	case d.Grant != "":
		// A KMS grant allowed it: name the grant, as the statement of no policy did.
		r.DecidingPolicy, r.DecidingStatement = "grant", d.Grant
	case d.Sid != "":
		r.DecidingStatement = d.Sid
	case d.Statement >= 0:
		r.DecidingStatement = "#" + strconv.Itoa(d.Statement)
	}
}
