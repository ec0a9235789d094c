package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
	model "github.com/keyhold/keyhold/domain/iam"
)

// Managed policies attached to users and groups. The action is authorized on the user or
// group (AWS's resource for Attach*Policy), naming the policy's ARN in the audit record's
// resource only through the entity.

func (h *handlers) attachUserPolicy(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:AttachUserPolicy")
	if err != nil {
		return nil, err
	}
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.AttachUserPolicyInput{User: user, ARN: arn})
}

func (h *handlers) detachUserPolicy(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:DetachUserPolicy")
	if err != nil {
		return nil, err
	}
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DetachUserPolicyInput{User: user, ARN: arn})
}

func (h *handlers) attachGroupPolicy(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:AttachGroupPolicy")
	if err != nil {
		return nil, err
	}
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.AttachGroupPolicyInput{Group: group, ARN: arn})
}

func (h *handlers) detachGroupPolicy(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:DetachGroupPolicy")
	if err != nil {
		return nil, err
	}
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DetachGroupPolicyInput{Group: group, ARN: arn})
}

type attachedList struct {
	AttachedPolicies members[xAttachedPolicy]
	IsTruncated      bool
	Marker           string `xml:",omitempty"`
}

func (r *attachedList) fill(c *query.Call, st *model.Store, acct string, arns []string) error {
	prefix := c.Param("PathPrefix")
	var ps []*model.ManagedPolicy
	for _, p := range st.AttachedPolicies(acct, arns) {
		if hasPathPrefix(p.Path, prefix) {
			ps = append(ps, p)
		}
	}
	pg, marker, trunc, err := page(c, ps, func(p *model.ManagedPolicy) string { return st.PolicyARN(p) })
	if err != nil {
		return err
	}
	for _, p := range pg {
		r.AttachedPolicies.Member = append(r.AttachedPolicies.Member, xAttachedPolicy{p.Name, st.PolicyARN(p)})
	}
	r.Marker, r.IsTruncated = marker, trunc
	return nil
}

func (h *handlers) listAttachedUserPolicies(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.authorizeUser(ctx, c, "iam:ListAttachedUserPolicies")
	if err != nil {
		return nil, err
	}
	var r attachedList
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, user)
		if u == nil {
			return noSuchEntity("The user with name " + user + " cannot be found.")
		}
		return r.fill(c, st, acct, u.Attached)
	})
	return r, err
}

func (h *handlers) listAttachedGroupPolicies(ctx context.Context, c *query.Call) (any, error) {
	group, err := h.authorizeGroup(ctx, c, "iam:ListAttachedGroupPolicies")
	if err != nil {
		return nil, err
	}
	var r attachedList
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		g := st.Group(acct, group)
		if g == nil {
			return noSuchEntity("The group with name " + group + " cannot be found.")
		}
		return r.fill(c, st, acct, g.Attached)
	})
	return r, err
}
