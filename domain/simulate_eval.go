package domain

import (
	"strings"

	"github.com/keyhold/keyhold/domain/policy"
)

// action simulates one action on each resource (or on "*" when none is named) and aggregates.
func (sim *simulation) action(action string, resources []string) SimulationResult {
	if len(resources) == 0 || len(resources) == 1 && resources[0] == "*" {
		return SimulationResult{Action: action, ResourceResult: sim.decide(action, "*")}
	}
	out := SimulationResult{Action: action, PerResource: make([]ResourceResult, 0, len(resources))}
	for _, r := range resources {
		out.PerResource = append(out.PerResource, sim.decide(action, r))
	}
	// The top level is the most restrictive of the resources' decisions, with the statements
	// of the first resource that has it and every missing key of any resource.
	worst := out.PerResource[0]
	seen := map[string]bool{}
	var missing []string
	for _, rr := range out.PerResource {
		if severity(rr.Decision) > severity(worst.Decision) {
			worst = rr
		}
		for _, k := range rr.Missing {
			if lk := strings.ToLower(k); !seen[lk] {
				seen[lk] = true
				missing = append(missing, k)
			}
		}
	}
	out.ResourceResult = ResourceResult{Resource: "*", Decision: worst.Decision, Matched: worst.Matched, Missing: missing}
	if len(resources) == 1 {
		out.Resource = resources[0]
	}
	return out
}

func severity(decision string) int {
	switch decision {
	case SimExplicitDeny:
		return 2
	case SimImplicitDeny:
		return 1
	}
	return 0
}

// decide simulates action on resource with policy.Decide, as Service.decide does for a real
// request: the resource policy with its service's combination rule (KMS's for kms: actions,
// the general same-account-or-both rule otherwise), and without one, identity policies alone
// for a resource of the caller's account and a refusal across accounts.
func (sim *simulation) decide(action, resource string) ResourceResult {
	r := &policy.Request{Principal: sim.principal, Action: action, Resource: resource, Context: sim.ctx}
	in := policy.Input{Model: policy.ModelIdentityOnly, Request: r, Identity: make([]*policy.Policy, len(sim.identity))}
	for i, src := range sim.identity {
		in.Identity[i] = src.pol
	}
	account := resourceAccount(resource, sim.owner)
	switch {
	case sim.resource != nil:
		in.Model, in.Resource, in.ResourceAccount = policy.ModelS3, sim.resource.pol, account
		if strings.HasPrefix(strings.ToLower(action), "kms:") {
			in.Model = policy.ModelKMS
		}
	case account != sim.principal.Account:
		in.Model, in.ResourceAccount = policy.ModelS3, account
	}
	d := policy.Decide(in)

	res := ResourceResult{Resource: resource, Decision: SimImplicitDeny}
	switch {
	case d.Allowed:
		res.Decision = SimAllowed
		res.Matched = sim.allowing(r, d.Statement)
	case d.Reason == policy.DeniedExplicit:
		res.Decision = SimExplicitDeny
		if m, ok := sim.matched(d.Statement); ok {
			res.Matched = []MatchedStatement{m}
		}
	}
	res.Missing = sim.missing(r)
	return res
}

// resourceAccount is the account a resource ARN names, or owner for an ARN that names none
// (S3's) and for "*".
func resourceAccount(arn, owner string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return owner
}

// allowing lists the statements that allowed r: the deciding one first, then every other
// applicable Allow statement of the identity and resource policies.
func (sim *simulation) allowing(r *policy.Request, deciding policy.StatementRef) []MatchedStatement {
	var out []MatchedStatement
	if m, ok := sim.matched(deciding); ok {
		out = append(out, m)
	}
	add := func(src *simSource) {
		for _, ref := range src.pol.Applicable(r) {
			if ref == deciding || src.pol.EffectOf(ref) != policy.EffectAllow {
				continue
			}
			if m, ok := sim.matched(ref); ok {
				out = append(out, m)
			}
		}
	}
	for _, src := range sim.identity {
		add(src)
	}
	if sim.resource != nil {
		add(sim.resource)
	}
	return out
}

// matched describes ref; ok is false when no statement is named (the root user, a grant).
func (sim *simulation) matched(ref policy.StatementRef) (MatchedStatement, bool) {
	src := sim.byName[ref.Policy]
	if src == nil {
		return MatchedStatement{}, false
	}
	m := MatchedStatement{PolicyID: src.id, PolicyType: src.typ, Sid: ref.Sid, Index: ref.Index}
	if !src.done {
		src.spans, src.done = policy.StatementSpans(src.doc), true
	}
	if ref.Index < len(src.spans) && len(src.spans) == len(src.pol.Statements) {
		sp := src.spans[ref.Index]
		m.Span = &sp
	}
	return m, true
}

// missing lists the condition keys of the statements that apply to r's principal, action and
// resource that r's context does not supply, each once.
func (sim *simulation) missing(r *policy.Request) []string {
	var out []string
	seen := map[string]bool{}
	check := func(p *policy.Policy) {
		for _, k := range p.ConditionKeys(r) {
			lk := strings.ToLower(k)
			if seen[lk] || sim.ctx.Get(k) != nil {
				continue
			}
			seen[lk] = true
			out = append(out, k)
		}
	}
	for _, src := range sim.identity {
		check(src.pol)
	}
	if sim.resource != nil {
		check(sim.resource.pol)
	}
	return out
}
