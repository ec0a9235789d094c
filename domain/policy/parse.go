package policy

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseOptions says how to read a document.
type ParseOptions struct {
	Kind Kind
	// Name names the policy in decisions and messages: a managed policy's ARN, an inline
	// policy's name, "key policy" and so on. It is not part of the document.
	Name string
	// MaxLength, when positive, is the largest document accepted, in characters. IAM's limits
	// (2,048 characters for a user's inline policies, 5,120 for a group's, 10,240 for a role's,
	// 6,144 for a managed policy, 2,048 for a session policy) are counted this way, without
	// white space (IgnoreWhitespace).
	MaxLength int
	// IgnoreWhitespace counts MaxLength without white space, as IAM does.
	IgnoreWhitespace bool
	// MaxBytes, when positive, is the largest document accepted, in bytes: KMS key policies are
	// limited to 32 KB (32,768 bytes), S3 bucket policies to 20 KB.
	MaxBytes int
}

// Parse parses and compiles a policy document. It is strict: anything AWS would refuse, and
// anything whose meaning could be read two ways (duplicate keys, unknown elements, invalid
// UTF-8), is refused with a *SyntaxError that wraps ErrMalformed and names the problem.
func Parse(doc string, opts ParseOptions) (*Policy, error) {
	if opts.Kind < KindIdentity || opts.Kind > KindTrust {
		return nil, fmt.Errorf("policy: invalid policy kind %d", opts.Kind)
	}
	if opts.MaxBytes > 0 && len(doc) > opts.MaxBytes {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, opts.MaxBytes)
	}
	if opts.MaxLength > 0 && length(doc, opts.IgnoreWhitespace) > opts.MaxLength {
		return nil, fmt.Errorf("%w (%d characters)", ErrTooLarge, opts.MaxLength)
	}
	if !utf8.ValidString(doc) {
		return nil, malformed("document is not valid UTF-8")
	}
	root, err := parseJSON(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != nodeObject {
		return nil, malformed("policy document must be a JSON object, not %s", root.kind)
	}
	p := &Policy{Name: opts.Name, Kind: opts.Kind}
	var stmts *node
	for _, m := range root.obj {
		switch m.key {
		case "Version":
			if m.val.kind != nodeString || m.val.str != Version2012 && m.val.str != Version2008 {
				return nil, malformed("invalid Version %s (must be %q or %q)", describe(m.val), Version2012, Version2008)
			}
			p.Version = m.val.str
		case "Id":
			if m.val.kind != nodeString {
				return nil, malformed("Id must be a string, not %s", m.val.kind)
			}
			p.ID = m.val.str
		case "Statement":
			stmts = m.val
		default:
			return nil, malformed("unknown element %q in the policy document", m.key)
		}
	}
	if stmts == nil {
		return nil, malformed("policy document has no Statement")
	}
	var list []*node
	switch stmts.kind {
	case nodeObject:
		list = []*node{stmts}
	case nodeArray:
		list = stmts.arr
	default:
		return nil, malformed("Statement must be an object or an array, not %s", stmts.kind)
	}
	if len(list) == 0 {
		return nil, malformed("Statement must not be empty")
	}
	sids := map[string]bool{}
	for i, sn := range list {
		where := fmt.Sprintf("Statement[%d]", i)
		if sn.kind != nodeObject {
			return nil, malformed("%s must be an object, not %s", where, sn.kind)
		}
		s, err := parseStatement(sn, p, where)
		if err != nil {
			return nil, err
		}
		// IAM requires unique Sids within a policy; duplicates elsewhere would make "which
		// statement decided" ambiguous, so keyhold requires it of every kind.
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, malformed("%s: duplicate Sid %q", where, s.Sid)
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func length(doc string, ignoreSpace bool) int {
	if !ignoreSpace {
		return utf8.RuneCountInString(doc)
	}
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

func describe(n *node) string {
	if n.kind == nodeString {
		return fmt.Sprintf("%q", n.str)
	}
	return n.kind.String()
}

func parseStatement(sn *node, p *Policy, where string) (Statement, error) {
	var s Statement
	var action, notAction, resource, notResource, principal, notPrincipal, condition *node
	for _, m := range sn.obj {
		switch m.key {
		case "Sid":
			if m.val.kind != nodeString {
				return s, malformed("%s: Sid must be a string, not %s", where, m.val.kind)
			}
			s.Sid = m.val.str
		case "Effect":
			switch {
			case m.val.kind == nodeString && m.val.str == "Allow":
				s.Effect = EffectAllow
			case m.val.kind == nodeString && m.val.str == "Deny":
				s.Effect = EffectDeny
			default:
				return s, malformed("%s: invalid Effect %s (must be \"Allow\" or \"Deny\")", where, describe(m.val))
			}
		case "Action":
			action = m.val
		case "NotAction":
			notAction = m.val
		case "Resource":
			resource = m.val
		case "NotResource":
			notResource = m.val
		case "Principal":
			principal = m.val
		case "NotPrincipal":
			notPrincipal = m.val
		case "Condition":
			condition = m.val
		default:
			return s, malformed("%s: unknown element %q", where, m.key)
		}
	}
	if s.Effect == EffectInvalid {
		return s, malformed("%s: missing required element Effect", where)
	}
	if err := parseActions(&s, action, notAction, where); err != nil {
		return s, err
	}
	if err := parseResources(&s, resource, notResource, p, where); err != nil {
		return s, err
	}
	if err := parsePrincipals(&s, principal, notPrincipal, p.Kind, where); err != nil {
		return s, err
	}
	if condition != nil {
		if err := parseConditions(&s, condition, p.Version == Version2012, where); err != nil {
			return s, err
		}
	}
	return s, nil
}

func parseActions(s *Statement, action, notAction *node, where string) error {
	n := action
	switch {
	case action != nil && notAction != nil:
		return malformed("%s: Action and NotAction cannot both be present", where)
	case action == nil && notAction == nil:
		return malformed("%s: missing required element Action or NotAction", where)
	case notAction != nil:
		n, s.NotAction = notAction, true
	}
	name := "Action"
	if s.NotAction {
		name = "NotAction"
	}
	vals, err := n.strings(where + ": " + name)
	if err != nil {
		return err
	}
	for _, a := range vals {
		if !validAction(a) {
			return malformed("%s: invalid %s %q (an action is \"*\" or \"service:Name\")", where, name, a)
		}
		// Action names are case-insensitive: compile lowercased, match folding ASCII case.
		pat, _ := compilePattern(strings.ToLower(a), withWildcards)
		s.actions = append(s.actions, pat)
	}
	s.Actions = vals
	return nil
}

// validAction: "*", or a service prefix, a colon and a name of letters, digits, '-', '_' and
// wildcards (IAM refuses actions without a service prefix: "Actions/Conditions must be prefaced
// by a vendor").
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" {
		return false
	}
	for _, part := range []string{svc, name} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*' || c == '?') {
				return false
			}
		}
	}
	return !strings.ContainsAny(svc, "*?")
}

func parseResources(s *Statement, resource, notResource *node, p *Policy, where string) error {
	n := resource
	switch {
	case resource != nil && notResource != nil:
		return malformed("%s: Resource and NotResource cannot both be present", where)
	case resource == nil && notResource == nil:
		if p.Kind == KindTrust {
			return nil
		}
		return malformed("%s: missing required element Resource or NotResource", where)
	case notResource != nil:
		n, s.NotResource = notResource, true
	}
	name := "Resource"
	if s.NotResource {
		name = "NotResource"
	}
	vals, err := n.strings(where + ": " + name)
	if err != nil {
		return err
	}
	flags := withWildcards
	if p.Version == Version2012 {
		flags |= withVariables
	}
	for _, r := range vals {
		if r != "*" && !(strings.HasPrefix(r, "arn:") && strings.Count(r, ":") >= 5) {
			return malformed("%s: invalid %s %q (a resource is \"*\" or an ARN)", where, name, r)
		}
		a, err := compileARN(r, flags)
		if err != nil {
			return malformed("%s: %s", where, err.(*SyntaxError).Msg)
		}
		s.resources = append(s.resources, a)
	}
	s.Resources = vals
	return nil
}

func parsePrincipals(s *Statement, principal, notPrincipal *node, kind Kind, where string) error {
	resourceBased := kind == KindResource || kind == KindTrust
	switch {
	case principal != nil && notPrincipal != nil:
		return malformed("%s: Principal and NotPrincipal cannot both be present", where)
	case !resourceBased && (principal != nil || notPrincipal != nil):
		// IAM: "Policy document should not specify a principal."
		return malformed("%s: an identity-based policy must not specify a Principal", where)
	case !resourceBased:
		return nil
	case principal == nil && notPrincipal == nil:
		return malformed("%s: missing required element Principal or NotPrincipal", where)
	}
	n := principal
	name := "Principal"
	if notPrincipal != nil {
		n, s.NotPrincipal, name = notPrincipal, true, "NotPrincipal"
	}
	pe := &PrincipalElement{}
	switch n.kind {
	case nodeString:
		if n.str != "*" {
			return malformed("%s: invalid %s %q (a bare string principal must be \"*\")", where, name, n.str)
		}
		pe.Wildcard = true
		s.principals = []principalMatcher{{kind: pmAny}}
	case nodeObject:
		if len(n.obj) == 0 {
			return malformed("%s: %s must not be empty", where, name)
		}
		// Compile in a fixed order so that a canonical re-marshal compiles identically.
		byType := map[string][]string{}
		for _, m := range n.obj {
			vals, err := m.val.strings(fmt.Sprintf("%s: %s %s", where, name, m.key))
			if err != nil {
				return err
			}
			switch m.key {
			case "AWS", "Service", "Federated":
				byType[m.key] = vals
			case "CanonicalUser":
				return malformed("%s: %s CanonicalUser is not supported: keyhold has no canonical user ids; name the account or IAM principal by ARN", where, name)
			default:
				return malformed("%s: unknown %s type %q", where, name, m.key)
			}
		}
		pe.AWS, pe.Service, pe.Federated = byType["AWS"], byType["Service"], byType["Federated"]
		for _, v := range pe.AWS {
			pm, err := awsPrincipal(v)
			if err != nil {
				return malformed("%s: invalid %s %q: %s", where, name, v, err.Error())
			}
			s.principals = append(s.principals, pm)
		}
		for _, v := range pe.Service {
			if v == "" || strings.ContainsAny(v, "*?:/") {
				return malformed("%s: invalid %s Service %q", where, name, v)
			}
			s.principals = append(s.principals, principalMatcher{kind: pmService, value: v})
		}
		for _, v := range pe.Federated {
			if v == "" || strings.ContainsAny(v, "*?") {
				return malformed("%s: invalid %s Federated %q", where, name, v)
			}
			s.principals = append(s.principals, principalMatcher{kind: pmFederated, value: v})
		}
	default:
		return malformed("%s: %s must be \"*\" or an object, not %s", where, name, n.kind)
	}
	s.Principal = pe
	return nil
}

// awsPrincipal compiles an "AWS" principal: "*", a 12-digit account id, an account root ARN, or
// the ARN of an IAM user or role or an STS session. Wildcards inside an ARN are refused: AWS does
// not allow matching part of a principal's name.
func awsPrincipal(v string) (principalMatcher, error) {
	if v == "*" {
		return principalMatcher{kind: pmAny}, nil
	}
	if isAccountID(v) {
		return principalMatcher{kind: pmAccount, value: v}, nil
	}
	if strings.ContainsAny(v, "*?") {
		return principalMatcher{}, errString("wildcards are allowed only as the whole principal \"*\"")
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[3] != "" || !isAccountID(parts[4]) || parts[5] == "" {
		return principalMatcher{}, errString("not an account id or an IAM/STS principal ARN")
	}
	switch {
	case parts[2] == "iam" && parts[5] == "root":
		return principalMatcher{kind: pmAccount, value: parts[4]}, nil
	case parts[2] == "iam" && (strings.HasPrefix(parts[5], "user/") || strings.HasPrefix(parts[5], "role/")):
	case parts[2] == "sts" && (strings.HasPrefix(parts[5], "assumed-role/") || strings.HasPrefix(parts[5], "federated-user/")):
	default:
		return principalMatcher{}, errString("not an account id or an IAM/STS principal ARN")
	}
	return principalMatcher{kind: pmARN, value: v}, nil
}

type errString string

func (e errString) Error() string { return string(e) }

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseConditions(s *Statement, n *node, vars bool, where string) error {
	if n.kind != nodeObject {
		return malformed("%s: Condition must be an object, not %s", where, n.kind)
	}
	for _, op := range n.obj {
		cw := fmt.Sprintf("%s.Condition.%s", where, op.key)
		if _, _, _, err := parseOperator(op.key); err != nil {
			return malformed("%s: %s", where, err.(*SyntaxError).Msg)
		}
		if op.val.kind != nodeObject || len(op.val.obj) == 0 {
			return malformed("%s must be a non-empty object of condition keys", cw)
		}
		for _, k := range op.val.obj {
			vals, err := conditionValues(k.val, cw+"."+k.key)
			if err != nil {
				return err
			}
			s.Conditions = append(s.Conditions, Condition{Operator: op.key, Key: k.key, Values: vals})
		}
	}
	// Canonical order: operator, then key. The JSON object's order carries no meaning, and a fixed
	// order makes parse(marshal(p)) compile to exactly p.
	sort.SliceStable(s.Conditions, func(i, j int) bool {
		a, b := s.Conditions[i], s.Conditions[j]
		if a.Operator != b.Operator {
			return a.Operator < b.Operator
		}
		return a.Key < b.Key
	})
	for _, c := range s.Conditions {
		cc, err := compileCondition(c, vars, where+".Condition")
		if err != nil {
			return err
		}
		s.conds = append(s.conds, cc)
	}
	return nil
}

// conditionValues reads a condition's value(s): a scalar or a non-empty array of scalars. JSON
// numbers and booleans are accepted (AWS's own examples write `"aws:SecureTransport": false`)
// and kept as their literal text.
func conditionValues(n *node, where string) ([]string, error) {
	scalar := func(v *node) (string, error) {
		switch v.kind {
		case nodeString, nodeNumber, nodeBool:
			return v.str, nil
		}
		return "", malformed("%s: a condition value must be a string, number or boolean, not %s", where, v.kind)
	}
	if n.kind == nodeArray {
		if len(n.arr) == 0 {
			return nil, malformed("%s: a condition must have at least one value", where)
		}
		out := make([]string, 0, len(n.arr))
		for _, v := range n.arr {
			s, err := scalar(v)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := scalar(n)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}
