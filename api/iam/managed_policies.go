package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
	model "github.com/keyhold/keyhold/domain/iam"
)

// Customer managed policies. keyhold has no AWS managed policies (arn:aws:iam::aws:policy/...):
// ListPolicies with Scope=AWS lists nothing, and attaching one answers NoSuchEntity.

// authorizePolicy authorizes action on the policy named by the PolicyArn parameter.
func (h *handlers) authorizePolicy(ctx context.Context, c *query.Call, action string) (string, error) {
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return "", err
	}
	return arn, c.Authorize(ctx, action, arn)
}

func (h *handlers) createPolicy(ctx context.Context, c *query.Call) (any, error) {
	name, doc, err := policyParams(c)
	if err != nil {
		return nil, err
	}
	tags, err := tagsParam(c)
	if err != nil {
		return nil, err
	}
	path := c.Param("Path")
	if path == "" {
		path = "/"
	}
	if err := h.authorizeNew(ctx, c, "iam:CreatePolicy", "policy", path, name); err != nil {
		return nil, err
	}
	p, err := h.svc.IAMCreatePolicy(ctx, model.CreatePolicyInput{Name: name, Path: path, Description: c.Param("Description"), Document: doc, Tags: tags})
	if err != nil {
		return nil, err
	}
	var x xPolicy
	err = h.svc.IAMRead(ctx, func(_ string, st *model.Store) error { x = policyOf(st, p, true); return nil })
	return struct{ Policy xPolicy }{x}, err
}

func (h *handlers) getPolicy(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:GetPolicy")
	if err != nil {
		return nil, err
	}
	var x xPolicy
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		p, err := st.PolicyByARN(acct, arn)
		if err == nil {
			x = policyOf(st, p, true)
		}
		return err
	})
	return struct{ Policy xPolicy }{x}, err
}

func (h *handlers) getPolicyVersion(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:GetPolicyVersion")
	if err != nil {
		return nil, err
	}
	id, err := c.Required("VersionId")
	if err != nil {
		return nil, err
	}
	var x xPolicyVersion
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		p, err := st.PolicyByARN(acct, arn)
		if err != nil {
			return err
		}
		v := p.Version(id)
		if v == nil {
			return noSuchEntity("Policy " + arn + " version " + id + " does not exist or is not attachable.")
		}
		x = versionOf(p, v, true)
		return nil
	})
	return struct{ PolicyVersion xPolicyVersion }{x}, err
}

func (h *handlers) createPolicyVersion(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:CreatePolicyVersion")
	if err != nil {
		return nil, err
	}
	doc, err := c.Required("PolicyDocument")
	if err != nil {
		return nil, err
	}
	in := model.CreatePolicyVersionInput{ARN: arn, Document: doc, SetAsDefault: c.Param("SetAsDefault") == "true"}
	if err := h.svc.IAMChange(ctx, in); err != nil {
		return nil, err
	}
	var x xPolicyVersion
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		p, err := st.PolicyByARN(acct, arn)
		if err != nil {
			return err
		}
		// The version just created is the newest: ids are never reused.
		v := p.Versions[len(p.Versions)-1]
		x = versionOf(p, v, false)
		return nil
	})
	return struct{ PolicyVersion xPolicyVersion }{x}, err
}

func (h *handlers) listPolicyVersions(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:ListPolicyVersions")
	if err != nil {
		return nil, err
	}
	type result struct {
		Versions    members[xPolicyVersion]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		p, err := st.PolicyByARN(acct, arn)
		if err != nil {
			return err
		}
		// Newest first, as IAM lists them; the key sorts v10 after v9 in that order.
		vs := make([]*model.PolicyVersion, 0, len(p.Versions))
		for i := len(p.Versions) - 1; i >= 0; i-- {
			vs = append(vs, p.Versions[i])
		}
		pg, marker, trunc, err := page(c, vs, func(v *model.PolicyVersion) string { return versionKey(v.ID) })
		if err != nil {
			return err
		}
		for _, v := range pg {
			r.Versions.Member = append(r.Versions.Member, versionOf(p, v, false))
		}
		r.Marker, r.IsTruncated = marker, trunc
		return nil
	})
	return r, err
}

// versionKey orders version ids newest first as strings compare: the complement of the
// number, zero-padded.
func versionKey(id string) string {
	n := 0
	for _, ch := range id[1:] {
		if ch < '0' || ch > '9' || n > 1e8 {
			break
		}
		n = n*10 + int(ch-'0')
	}
	k := 999999999 - n
	b := []byte("000000000")
	for i := len(b) - 1; i >= 0 && k > 0; i-- {
		b[i] = byte('0' + k%10)
		k /= 10
	}
	return string(b)
}

func (h *handlers) deletePolicyVersion(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:DeletePolicyVersion")
	if err != nil {
		return nil, err
	}
	id, err := c.Required("VersionId")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeletePolicyVersionInput{ARN: arn, Version: id})
}

func (h *handlers) setDefaultPolicyVersion(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:SetDefaultPolicyVersion")
	if err != nil {
		return nil, err
	}
	id, err := c.Required("VersionId")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.SetDefaultPolicyVersionInput{ARN: arn, Version: id})
}

func (h *handlers) deletePolicy(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:DeletePolicy")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeletePolicyInput{ARN: arn})
}

func (h *handlers) listPolicies(ctx context.Context, c *query.Call) (any, error) {
	if err := c.Authorize(ctx, "iam:ListPolicies", "*"); err != nil {
		return nil, err
	}
	scope := c.Param("Scope")
	switch scope {
	case "", "All", "Local", "AWS":
	default:
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value '"+scope+"' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]")
	}
	onlyAttached := c.Param("OnlyAttached") == "true"
	prefix := c.Param("PathPrefix")
	type result struct {
		Policies    members[xPolicy]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	var r result
	err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		var all []*model.ManagedPolicy
		if scope != "AWS" {
			for _, p := range st.Policies(acct) {
				if hasPathPrefix(p.Path, prefix) && (!onlyAttached || st.AttachmentCount(p) > 0) {
					all = append(all, p)
				}
			}
		}
		pg, marker, trunc, err := page(c, all, func(p *model.ManagedPolicy) string { return nameKey(p.Name) })
		if err != nil {
			return err
		}
		for _, p := range pg {
			r.Policies.Member = append(r.Policies.Member, policyOf(st, p, false))
		}
		r.Marker, r.IsTruncated = marker, trunc
		return nil
	})
	return r, err
}

func (h *handlers) listEntitiesForPolicy(ctx context.Context, c *query.Call) (any, error) {
	arn, err := h.authorizePolicy(ctx, c, "iam:ListEntitiesForPolicy")
	if err != nil {
		return nil, err
	}
	filter := c.Param("EntityFilter")
	type xu struct{ UserName, UserId string }
	type xg struct{ GroupName, GroupId string }
	type xr struct{ RoleName, RoleId string }
	type result struct {
		PolicyGroups members[xg]
		PolicyUsers  members[xu]
		PolicyRoles  members[xr]
		IsTruncated  bool
	}
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		p, err := st.PolicyByARN(acct, arn)
		if err != nil {
			return err
		}
		users, groups, roles := st.EntitiesForPolicy(p)
		if filter == "" || filter == "User" {
			for _, u := range users {
				r.PolicyUsers.Member = append(r.PolicyUsers.Member, xu{u.Name, u.ID})
			}
		}
		if filter == "" || filter == "Group" {
			for _, g := range groups {
				r.PolicyGroups.Member = append(r.PolicyGroups.Member, xg{g.Name, g.ID})
			}
		}
		if filter == "" || filter == "Role" {
			for _, ro := range roles {
				r.PolicyRoles.Member = append(r.PolicyRoles.Member, xr{ro.Name, ro.ID})
			}
		}
		return nil
	})
	return r, err
}
