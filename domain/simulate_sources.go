package domain

import (
	"strconv"
	"strings"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// simSource is one policy a simulation evaluates, with what a matched statement reports of it.
type simSource struct {
	pol   *policy.Policy // compiled, renamed so that a StatementRef names this source alone
	id    string         // MatchedStatement.PolicyID
	typ   string         // MatchedStatement.PolicyType
	doc   string         // the document as written, for statement positions
	spans []policy.Span  // computed on first use
	done  bool
}

// simulation is a simulation request resolved against the identity model: the simulated
// principal, its identity policies, the resource policy. Everything in it is immutable or
// owned by it, so it is evaluated after the state's lock is released.
type simulation struct {
	principal policy.Principal
	identity  []*simSource
	resource  *simSource
	owner     string // the resource policy's and ARN-less resources' account
	ctx       *policy.Context
	byName    map[string]*simSource
}

// newSimulation resolves in in account; st must only be read.
func (s *Service) newSimulation(account string, st *iam.Store, in SimulationInput) (*simulation, error) {
	sim := &simulation{byName: map[string]*simSource{}, owner: account}
	userSource := false
	if in.PolicySourceARN != "" {
		kind, path, name, other, ok := s.parseEntityARN(account, in.PolicySourceARN)
		if !ok {
			return nil, errorf(ErrInvalidInput, "PolicySourceArn %s is not the ARN of a user, group or role.", in.PolicySourceARN)
		}
		notFound := errorf(ErrNotFound, "The entity %s cannot be found.", in.PolicySourceARN)
		if other {
			return nil, notFound
		}
		switch kind {
		case "user":
			u := st.User(account, name)
			if u == nil || u.Path != path {
				return nil, notFound
			}
			userSource = true
			sim.principal = newUserCaller(st, u).Principal
			sim.addEntity(st, account, u.Inline, u.Attached, SourceUser)
			for _, g := range st.GroupsForUser(account, u) {
				sim.addEntity(st, account, g.Inline, g.Attached, SourceGroup)
			}
		case "group":
			g := st.Group(account, name)
			if g == nil || g.Path != path {
				return nil, notFound
			}
			// A group is no principal: the simulated caller is an unnamed user of the account
			// unless CallerArn names one.
			sim.principal = policy.Principal{Type: policy.PrincipalUser, Account: account}
			sim.addEntity(st, account, g.Inline, g.Attached, SourceGroup)
		case "role":
			r := st.Role(account, name)
			if r == nil || r.Path != path {
				return nil, notFound
			}
			arn := st.ARN(account, "role", r.Path, r.Name)
			sim.principal = policy.Principal{Type: policy.PrincipalAssumedRole, ARN: arn, RoleARN: arn, Account: account,
				UserID: r.ID, Tags: iamTagMap(r.Tags)}
			sim.addEntity(st, account, r.Inline, r.Attached, SourceRole)
		}
	} else {
		sim.principal = policy.Principal{Type: policy.PrincipalUser, Account: account}
	}
	for i, doc := range in.PolicyInputList {
		id := "PolicyInputList." + strconv.Itoa(i+1)
		p, err := policy.Parse(doc, policy.ParseOptions{Kind: policy.KindIdentity, Name: id, MaxBytes: maxSimDocument})
		if err != nil {
			return nil, errorf(ErrInvalidInput, "%s: %s", id, strings.TrimPrefix(err.Error(), "policy: "))
		}
		sim.identity = append(sim.identity, sim.add(p, id, SourceInput, doc))
	}
	if in.CallerARN != "" {
		kind, path, name, other, ok := s.parseEntityARN(account, in.CallerARN)
		if !ok || kind != "user" {
			return nil, errorf(ErrInvalidInput, "CallerArn %s is not the ARN of an IAM user.", in.CallerARN)
		}
		u := st.User(account, name)
		if other || u == nil || u.Path != path {
			return nil, errorf(ErrNotFound, "The user %s cannot be found.", in.CallerARN)
		}
		sim.principal = newUserCaller(st, u).Principal
		userSource = true
	}
	if in.ResourceOwner != "" {
		owner, ok := s.parseOwner(in.ResourceOwner)
		if !ok {
			return nil, errorf(ErrInvalidInput, "ResourceOwner %s is not an account id or an account's root ARN.", in.ResourceOwner)
		}
		sim.owner = owner
	}
	if in.ResourcePolicy != "" {
		if !userSource {
			return nil, errorf(ErrInvalidInput, "CallerArn is required to simulate a resource policy when PolicySourceArn is not an IAM user.")
		}
		p, err := policy.Parse(in.ResourcePolicy, policy.ParseOptions{Kind: policy.KindResource, Name: "ResourcePolicy", MaxBytes: maxSimDocument})
		if err != nil {
			return nil, errorf(ErrInvalidInput, "ResourcePolicy: %s", strings.TrimPrefix(err.Error(), "policy: "))
		}
		sim.resource = sim.add(p, "ResourcePolicy", SourceResource, in.ResourcePolicy)
	}
	sim.ctx = policy.NewContext()
	sim.ctx.SetPrincipal(sim.principal)
	for _, e := range in.Context {
		sim.ctx.Set(e.Key, e.Values...)
	}
	return sim, nil
}

// addEntity adds an entity's inline policies (of type typ) and attached managed policies. A
// document that no longer compiles grants nothing in a real request and is left out here too.
func (sim *simulation) addEntity(st *iam.Store, account string, inline []*iam.InlinePolicy, attached []string, typ string) {
	for _, p := range inline {
		if c := p.Compiled(); c != nil {
			sim.identity = append(sim.identity, sim.add(c, p.Name, typ, p.Document))
		}
	}
	for _, mp := range st.AttachedPolicies(account, attached) {
		if v := mp.Default(); v != nil && v.Compiled() != nil {
			sim.identity = append(sim.identity, sim.add(v.Compiled(), st.PolicyARN(mp), SourceUserManaged, v.Document))
		}
	}
}

// add registers a source under a name of its own: two policies may share a name (a user's and
// its group's inline policy), and a decision's StatementRef must name exactly one of them.
func (sim *simulation) add(p *policy.Policy, id, typ, doc string) *simSource {
	cp := *p // the compiled statements are immutable and shared; only the name differs
	cp.Name = "#" + strconv.Itoa(len(sim.byName))
	src := &simSource{pol: &cp, id: id, typ: typ, doc: doc}
	sim.byName[cp.Name] = src
	return src
}

// parseEntityARN splits arn:PARTITION:iam::ACCOUNT:KIND/path/NAME, KIND being user, group or
// role. other is true for an entity of another account than account: nothing of it is looked
// at or disclosed.
func (s *Service) parseEntityARN(account, arn string) (kind, path, name string, other, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:"+s.cfg.ARNs.Partition+":iam::")
	if !ok {
		return "", "", "", false, false
	}
	acct, rest, ok := strings.Cut(rest, ":")
	if !ok || !validAccountID(acct) {
		return "", "", "", false, false
	}
	kind, rest, ok = strings.Cut(rest, "/")
	if !ok || kind != "user" && kind != "group" && kind != "role" {
		return "", "", "", false, false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	return kind, path, name, acct != account, name != ""
}

// parseOwner reads ResourceOwner: an account id or arn:PARTITION:iam::ACCOUNT:root.
func (s *Service) parseOwner(v string) (string, bool) {
	if rest, ok := strings.CutPrefix(v, "arn:"+s.cfg.ARNs.Partition+":iam::"); ok {
		v, ok = strings.CutSuffix(rest, ":root")
		if !ok {
			return "", false
		}
	}
	return v, validAccountID(v)
}

func iamTagMap(tags []iam.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
