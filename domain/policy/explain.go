package policy

import (
	"encoding/base64"
	"net/netip"
	"strings"
)

// Helpers for explaining a decision (IAM's SimulatePrincipalPolicy and SimulateCustomPolicy):
// they reuse the matching Evaluate runs, so an explanation can never disagree with a decision.

// Applicable returns the statements of p that apply to r (principal, action, resource and every
// condition match), in document order, with their effects. Decide reports only the statement
// that decided; a simulation lists every statement that allowed as well.
func (p *Policy) Applicable(r *Request) []StatementRef {
	var out []StatementRef
	for i := range p.Statements {
		s := &p.Statements[i]
		if ok, _ := s.applies(r, p.Kind); ok {
			out = append(out, StatementRef{Policy: p.Name, PolicyID: p.ID, Sid: s.Sid, Index: i})
		}
	}
	return out
}

// ConditionKeys returns the condition keys of the statements of p whose principal, action and
// resource match r, whatever their conditions say: the keys whose values can change what p
// says about r. Each key is given once, as first written, in document order. Keys named only
// inside policy variables (${aws:username}) are not listed.
func (p *Policy) ConditionKeys(r *Request) []string {
	var out []string
	seen := map[string]bool{}
	for i := range p.Statements {
		s := &p.Statements[i]
		if len(s.Conditions) == 0 {
			continue
		}
		if (p.Kind == KindResource || p.Kind == KindTrust) && s.matchPrincipal(&r.Principal) == MatchNone {
			continue
		}
		if !s.matchAction(r.Action) || s.resources != nil && !s.matchResource(r) {
			continue
		}
		out = appendConditionKeys(out, seen, s.Conditions)
	}
	return out
}

// AppendConditionKeys appends to dst every condition key p's statements test, whatever they
// apply to, statement by statement, skipping the keys seen already holds (lowercased) and adding
// the ones it appends: one seen set over several policies lists each key once, as first written
// (IAM's GetContextKeysFor*Policy). Keys named only inside policy variables (${aws:username})
// are not listed, as in ConditionKeys.
func (p *Policy) AppendConditionKeys(dst []string, seen map[string]bool) []string {
	for i := range p.Statements {
		dst = appendConditionKeys(dst, seen, p.Statements[i].Conditions)
	}
	return dst
}

// appendConditionKeys appends the keys of conds that seen does not hold, and records them.
func appendConditionKeys(dst []string, seen map[string]bool, conds []Condition) []string {
	for _, c := range conds {
		if k := strings.ToLower(c.Key); !seen[k] {
			seen[k] = true
			dst = append(dst, c.Key)
		}
	}
	return dst
}

// EffectOf returns the Effect of the statement ref names in p (EffectInvalid when ref is not
// one of p's statements).
func (p *Policy) EffectOf(ref StatementRef) Effect {
	if ref.Policy != p.Name || ref.Index < 0 || ref.Index >= len(p.Statements) {
		return EffectInvalid
	}
	return p.Statements[ref.Index].Effect
}

// ValidContextValue reports whether v reads as a request value of kind, as the condition
// operators of that kind parse it: "string", "numeric", "boolean", "ip" (an address, not a
// range), "binary" (base64) or "date" (ISO 8601 or seconds since the Unix epoch). A simulation
// refuses a value its operators could never read rather than let every condition on it fail.
func ValidContextValue(kind, v string) bool {
	switch kind {
	case "string":
		return true
	case "numeric":
		_, ok := parseNumber(v)
		return ok
	case "boolean":
		_, ok := parseBool(v)
		return ok
	case "ip":
		a, err := netip.ParseAddr(v)
		return err == nil && a.Zone() == ""
	case "binary":
		_, err := base64.StdEncoding.DecodeString(v)
		return err == nil
	case "date":
		_, ok := parseDate(v)
		return ok
	}
	return false
}
