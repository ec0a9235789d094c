package policy

// Outcome is what one policy says about a request. The zero value is invalid.
type Outcome uint8

const (
	// OutcomeInvalid is the zero value.
	OutcomeInvalid Outcome = iota
	// NotApplicable: no statement applies (an implicit deny, as far as this policy goes).
	NotApplicable
	// Allow: an Allow statement applies and no Deny statement does.
	Allow
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

func (o Outcome) String() string {
	switch o {
	case NotApplicable:
		return "NotApplicable"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Invalid"
}

// PrincipalMatch says how a resource-based statement's Principal matched the caller; the
// evaluation logic treats the ways differently.
type PrincipalMatch uint8

const (
	// MatchNone: no principal matched (identity policies always report MatchNone).
	MatchNone PrincipalMatch = iota
	// MatchAccount: the statement names the caller's account ("111122223333" or
	// "arn:aws:iam::111122223333:root"). For anyone but the root user this delegates to the
	// account: its identity policies must allow too.
	MatchAccount
	// MatchRole: the statement names the role behind the caller's role session; a session policy
	// still limits it.
	MatchRole
	// MatchDirect: the statement names the caller itself, "*", the caller's service or provider,
	// or (NotPrincipal) excludes it not.
	MatchDirect
)

// StatementRef identifies the statement behind an outcome, for SimulatePrincipalPolicy results,
// audit records and AccessDenied messages.
type StatementRef struct {
	Policy   string // ParseOptions.Name of the policy
	PolicyID string // the document's Id element
	Sid      string
	Index    int // position in the Statement array, from 0
}

// Result is the outcome of evaluating one policy.
type Result struct {
	Outcome   Outcome
	Statement StatementRef   // the deciding statement, unless NotApplicable
	Match     PrincipalMatch // for an Allow from a resource-based policy: the strongest match
}

// Evaluate evaluates the policy against r: an applicable Deny statement wins; otherwise an
// applicable Allow statement allows. For a resource-based policy, when several Allow statements
// apply, the one whose principal match is strongest is reported. Evaluate does no JSON work and
// allocates nothing unless a policy holds patterns with more than 16 pieces.
func (p *Policy) Evaluate(r *Request) Result {
	res := Result{Outcome: NotApplicable}
	for i := range p.Statements {
		s := &p.Statements[i]
		applies, match := s.applies(r, p.Kind)
		if !applies {
			continue
		}
		ref := StatementRef{Policy: p.Name, PolicyID: p.ID, Sid: s.Sid, Index: i}
		if s.Effect == EffectDeny {
			return Result{Outcome: ExplicitDeny, Statement: ref, Match: match}
		}
		if res.Outcome != Allow || match > res.Match {
			res = Result{Outcome: Allow, Statement: ref, Match: match}
		}
	}
	return res
}

// applies reports whether the statement applies to the request: its principal, action, resource
// and every condition match. An unresolvable policy variable makes the statement not apply.
func (s *Statement) applies(r *Request, kind Kind) (bool, PrincipalMatch) {
	match := MatchNone
	if kind == KindResource || kind == KindTrust {
		match = s.matchPrincipal(&r.Principal)
		if match == MatchNone {
			return false, MatchNone
		}
	}
	if !s.matchAction(r.Action) {
		return false, MatchNone
	}
	if s.resources != nil && !s.matchResource(r) {
		return false, MatchNone
	}
	for i := range s.conds {
		if s.conds[i].eval(r.Context) != matched {
			return false, MatchNone
		}
	}
	return true, match
}

func (s *Statement) matchAction(action string) bool {
	found := false
	for i := range s.actions {
		if s.actions[i].match(action, true, nil) == matched {
			found = true
			break
		}
	}
	return found != s.NotAction
}

func (s *Statement) matchResource(r *Request) bool {
	found := false
	for i := range s.resources {
		switch s.resources[i].match(r.Resource, r.Context) {
		case unresolved:
			return false
		case matched:
			found = true
		}
	}
	return found != s.NotResource
}

// matchPrincipal matches the caller against Principal or NotPrincipal. The caller is seen, as AWS
// sees it, as a set of identities: its account, itself, and for a role session its role. A
// Principal applies when it names any of them (reporting the strongest); a NotPrincipal applies
// unless it names all of them — which is why AWS tells you to list the account as well as the
// user in a Deny with NotPrincipal.
func (s *Statement) matchPrincipal(p *Principal) PrincipalMatch {
	best := MatchNone
	var accountListed, selfListed, roleListed bool
	for _, pm := range s.principals {
		m := MatchNone
		switch pm.kind {
		case pmAny:
			m = MatchDirect
			accountListed, selfListed, roleListed = true, true, true
		case pmAccount:
			if p.Account != "" && pm.value == p.Account && p.Type != PrincipalService && p.Type != PrincipalAnonymous {
				accountListed = true
				m = MatchAccount
				if p.Type == PrincipalRoot {
					m = MatchDirect
				}
			}
		case pmARN:
			if p.ARN != "" && pm.value == p.ARN {
				selfListed, m = true, MatchDirect
			} else if p.Type == PrincipalAssumedRole && p.RoleARN != "" && pm.value == p.RoleARN {
				roleListed, m = true, MatchRole
			}
		case pmService:
			if p.Type == PrincipalService && pm.value == p.Service {
				selfListed, accountListed, m = true, true, MatchDirect
			}
		case pmFederated:
			if p.Federated != "" && pm.value == p.Federated {
				selfListed, m = true, MatchDirect
			}
		}
		if m > best {
			best = m
		}
	}
	if !s.NotPrincipal {
		return best
	}
	if p.Type == PrincipalInvalid {
		return MatchNone
	}
	all := selfListed
	switch p.Type {
	case PrincipalRoot:
		all = accountListed
	case PrincipalAssumedRole:
		all = selfListed && roleListed && accountListed
	case PrincipalUser, PrincipalFederatedUser:
		all = selfListed && accountListed
	}
	if all {
		return MatchNone
	}
	return MatchDirect
}
