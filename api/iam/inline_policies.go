package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
	model "github.com/keyhold/keyhold/domain/iam"
)

// Inline policies of users and groups. The document is stored as the client sent it and
// returned URL-encoded, as IAM returns it.

func (h *handlers) putUserPolicy(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:PutUserPolicy")
	if err != nil {
		return nil, err
	}
	name, doc, err := policyParams(c)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.PutUserPolicyInput{User: user, Name: name, Document: doc})
}

func (h *handlers) putGroupPolicy(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:PutGroupPolicy")
	if err != nil {
		return nil, err
	}
	name, doc, err := policyParams(c)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.PutGroupPolicyInput{Group: group, Name: name, Document: doc})
}

func policyParams(c *query.Call) (name, doc string, err error) {
	if name, err = c.Required("PolicyName"); err != nil {
		return "", "", err
	}
	doc, err = c.Required("PolicyDocument")
	return name, doc, err
}

func (h *handlers) deleteUserPolicy(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:DeleteUserPolicy")
	if err != nil {
		return nil, err
	}
	name, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeleteUserPolicyInput{User: user, Name: name})
}

func (h *handlers) deleteGroupPolicy(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:DeleteGroupPolicy")
	if err != nil {
		return nil, err
	}
	name, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeleteGroupPolicyInput{Group: group, Name: name})
}

func (h *handlers) getUserPolicy(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:GetUserPolicy")
	if err != nil {
		return nil, err
	}
	name, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	type result struct{ UserName, PolicyName, PolicyDocument string }
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, user)
		if u == nil {
			return noSuchEntity("The user with name " + user + " cannot be found.")
		}
		p := model.InlinePolicyNamed(u.Inline, name)
		if p == nil {
			return noSuchEntity("The user policy with name " + name + " cannot be found.")
		}
		r = result{u.Name, p.Name, encodeDocument(p.Document)}
		return nil
	})
	return r, err
}

func (h *handlers) getGroupPolicy(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:GetGroupPolicy")
	if err != nil {
		return nil, err
	}
	name, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	type result struct{ GroupName, PolicyName, PolicyDocument string }
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		g := st.Group(acct, group)
		if g == nil {
			return noSuchEntity("The group with name " + group + " cannot be found.")
		}
		p := model.InlinePolicyNamed(g.Inline, name)
		if p == nil {
			return noSuchEntity("The group policy with name " + name + " cannot be found.")
		}
		r = result{g.Name, p.Name, encodeDocument(p.Document)}
		return nil
	})
	return r, err
}

type policyNames struct {
	PolicyNames members[string]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (r *policyNames) fill(c *query.Call, ps []*model.InlinePolicy) error {
	pg, marker, trunc, err := page(c, ps, func(p *model.InlinePolicy) string { return nameKey(p.Name) })
	if err != nil {
		return err
	}
	for _, p := range pg {
		r.PolicyNames.Member = append(r.PolicyNames.Member, p.Name)
	}
	r.Marker, r.IsTruncated = marker, trunc
	return nil
}

func (h *handlers) listUserPolicies(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:ListUserPolicies")
	if err != nil {
		return nil, err
	}
	var r policyNames
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, user)
		if u == nil {
			return noSuchEntity("The user with name " + user + " cannot be found.")
		}
		return r.fill(c, u.Inline)
	})
	return r, err
}

func (h *handlers) listGroupPolicies(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:ListGroupPolicies")
	if err != nil {
		return nil, err
	}
	var r policyNames
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		g := st.Group(acct, group)
		if g == nil {
			return noSuchEntity("The group with name " + group + " cannot be found.")
		}
		return r.fill(c, g.Inline)
	})
	return r, err
}
