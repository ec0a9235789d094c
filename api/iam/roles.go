package iam

import (
	"context"
	"strconv"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/iam"
)

// RoleService is what the role handlers need of the domain.
type RoleService interface {
	CreateRole(ctx context.Context, account string, in iam.CreateRoleInput) (*iam.Role, error)
	RoleCommand(ctx context.Context, op, account string, body any) error
	Role(account, name string) (*iam.Role, error)
	Roles(account, pathPrefix string) []*iam.Role
	RoleARN(r *iam.Role) string
	ManagedPolicyName(account, arn string) string
}

// roleActions are the role half of IAM's action table.
func (h *handlers) roleActions(a map[string]query.Action) {
	a["CreateRole"] = query.Action{Handle: h.createRole}
	a["GetRole"] = query.Action{Handle: h.getRole}
	a["ListRoles"] = query.Action{Handle: h.listRoles}
	a["DeleteRole"] = query.Action{Handle: h.deleteRole}
	a["UpdateRole"] = query.Action{Handle: h.updateRole}
	a["UpdateRoleDescription"] = query.Action{Handle: h.updateRoleDescription}
	a["UpdateAssumeRolePolicy"] = query.Action{Handle: h.updateAssumeRolePolicy}
	a["PutRolePolicy"] = query.Action{Handle: h.putRolePolicy}
	a["GetRolePolicy"] = query.Action{Handle: h.getRolePolicy}
	a["ListRolePolicies"] = query.Action{Handle: h.listRolePolicies}
	a["DeleteRolePolicy"] = query.Action{Handle: h.deleteRolePolicy}
	a["AttachRolePolicy"] = query.Action{Handle: h.attachRolePolicy}
	a["DetachRolePolicy"] = query.Action{Handle: h.detachRolePolicy}
	a["ListAttachedRolePolicies"] = query.Action{Handle: h.listAttachedRolePolicies}
	a["TagRole"] = query.Action{Handle: h.tagRole}
	a["UntagRole"] = query.Action{Handle: h.untagRole}
	a["ListRoleTags"] = query.Action{Handle: h.listRoleTags}
}

// roleAccount is the account the caller acts in: its own.
func roleAccount(ctx context.Context) (string, error) {
	c, ok := domain.CallerFrom(ctx)
	if !ok || c.Principal.Account == "" {
		return "", &domain.Error{Kind: domain.ErrAccessDenied, Msg: "The request has no authenticated caller."}
	}
	return c.Principal.Account, nil
}

// roleTarget checks RoleName, resolves the caller's account and authorizes action on the
// role's ARN.
func (h *handlers) roleTarget(ctx context.Context, c *query.Call, action string) (account, name string, err error) {
	name, err = c.Required("RoleName")
	if err != nil {
		return "", "", err
	}
	if err := iam.CheckRoleName("roleName", name); err != nil {
		return "", "", roleCheck(err)
	}
	account, err = roleAccount(ctx)
	if err != nil {
		return "", "", err
	}
	arn := "arn:" + h.svc.ARNs().Partition + ":iam::" + account + ":role/" + name
	if r, err := h.svc.Role(account, name); err == nil {
		arn = h.svc.RoleARN(r)
	}
	return account, name, c.Authorize(ctx, "iam:"+action, arn)
}

func (h *handlers) createRole(ctx context.Context, c *query.Call) (any, error) {
	name, err := c.Required("RoleName")
	if err != nil {
		return nil, err
	}
	doc, err := c.Required("AssumeRolePolicyDocument")
	if err != nil {
		return nil, err
	}
	in := iam.CreateRoleInput{Name: name, Path: c.Param("Path"), Description: c.Param("Description"), TrustPolicy: doc}
	if in.Path == "" {
		in.Path = "/"
	}
	if err := roleFirstErr(iam.CheckRoleName("roleName", name), iam.CheckRolePath(in.Path), iam.CheckRoleDescription(in.Description)); err != nil {
		return nil, roleCheck(err)
	}
	if v := c.Param("MaxSessionDuration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, query.Errorf(query.ErrInvalidParameter, "MaxSessionDuration must be a number.")
		}
		in.MaxSessionDuration = n
	}
	if c.Param("PermissionsBoundary") != "" {
		return nil, &domain.Error{Kind: domain.ErrUnsupported, Msg: "Permissions boundaries are not supported."}
	}
	if in.Tags, err = roleTags(c); err != nil {
		return nil, err
	}
	account, err := roleAccount(ctx)
	if err != nil {
		return nil, err
	}
	arn := "arn:" + h.svc.ARNs().Partition + ":iam::" + account + ":role" + in.Path + name
	if err := c.Authorize(ctx, "iam:CreateRole", arn); err != nil {
		return nil, err
	}
	r, err := h.svc.CreateRole(ctx, account, in)
	if err != nil {
		return nil, err
	}
	type result struct{ Role roleXML }
	return result{h.roleXML(r, true)}, nil
}

func (h *handlers) getRole(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "GetRole")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	type result struct{ Role roleXML }
	return result{h.roleXML(r, true)}, nil
}

func (h *handlers) listRoles(ctx context.Context, c *query.Call) (any, error) {
	account, err := roleAccount(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.Authorize(ctx, "iam:ListRoles", "*"); err != nil {
		return nil, err
	}
	prefix := c.Param("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	roles := h.svc.Roles(account, prefix)
	pg, marker, trunc, err := page(c, roles, func(r *iam.Role) string { return nameKey(r.Name) })
	if err != nil {
		return nil, err
	}
	type result struct {
		Roles       members[roleXML]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	res := result{IsTruncated: trunc, Marker: marker}
	for _, r := range pg {
		res.Roles.Member = append(res.Roles.Member, h.roleXML(r, false))
	}
	return res, nil
}

func (h *handlers) deleteRole(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "DeleteRole")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.RoleCommand(ctx, "DeleteRole", account, iam.RoleNameInput{Name: name})
}

func (h *handlers) updateRole(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "UpdateRole")
	if err != nil {
		return nil, err
	}
	in := iam.UpdateRoleInput{Name: name}
	if _, ok := c.Params["Description"]; ok {
		d := c.Param("Description")
		in.Description = &d
	}
	if v := c.Param("MaxSessionDuration"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, query.Errorf(query.ErrInvalidParameter, "MaxSessionDuration must be a number.")
		}
		in.MaxSessionDuration = &n
	}
	return nil, h.svc.RoleCommand(ctx, "UpdateRole", account, in)
}

// updateRoleDescription is UpdateRole's older form, which answers with the role.
func (h *handlers) updateRoleDescription(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "UpdateRoleDescription")
	if err != nil {
		return nil, err
	}
	d, err := c.Required("Description")
	if err != nil {
		return nil, err
	}
	if err := h.svc.RoleCommand(ctx, "UpdateRole", account, iam.UpdateRoleInput{Name: name, Description: &d}); err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	type result struct{ Role roleXML }
	return result{h.roleXML(r, true)}, nil
}

func (h *handlers) updateAssumeRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "UpdateAssumeRolePolicy")
	if err != nil {
		return nil, err
	}
	doc, err := c.Required("PolicyDocument")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.RoleCommand(ctx, "UpdateAssumeRolePolicy", account, iam.UpdateTrustInput{Name: name, TrustPolicy: doc})
}

func (h *handlers) putRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "PutRolePolicy")
	if err != nil {
		return nil, err
	}
	pn, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	doc, err := c.Required("PolicyDocument")
	if err != nil {
		return nil, err
	}
	if err := iam.CheckRoleName("policyName", pn); err != nil {
		return nil, roleCheck(err)
	}
	return nil, h.svc.RoleCommand(ctx, "PutRolePolicy", account, iam.RolePolicyInput{Role: name, PolicyName: pn, Document: doc})
}

func (h *handlers) getRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "GetRolePolicy")
	if err != nil {
		return nil, err
	}
	pn, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	for _, p := range r.Inline {
		if p.Name == pn {
			type result struct{ RoleName, PolicyName, PolicyDocument string }
			return result{RoleName: r.Name, PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document)}, nil
		}
	}
	return nil, &domain.Error{Kind: domain.ErrNotFound, Msg: "The role policy with name " + pn + " cannot be found."}
}

func (h *handlers) listRolePolicies(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "ListRolePolicies")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	var res policyNames
	if err := res.fill(c, r.Inline); err != nil {
		return nil, err
	}
	return res, nil
}

func (h *handlers) deleteRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "DeleteRolePolicy")
	if err != nil {
		return nil, err
	}
	pn, err := c.Required("PolicyName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.RoleCommand(ctx, "DeleteRolePolicy", account, iam.RolePolicyInput{Role: name, PolicyName: pn})
}

func (h *handlers) attachRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	return h.roleAttachment(ctx, c, "AttachRolePolicy")
}

func (h *handlers) detachRolePolicy(ctx context.Context, c *query.Call) (any, error) {
	return h.roleAttachment(ctx, c, "DetachRolePolicy")
}

func (h *handlers) roleAttachment(ctx context.Context, c *query.Call, op string) (any, error) {
	account, name, err := h.roleTarget(ctx, c, op)
	if err != nil {
		return nil, err
	}
	arn, err := c.Required("PolicyArn")
	if err != nil {
		return nil, err
	}
	if len(arn) < 20 || len(arn) > 2048 {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'policyArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	return nil, h.svc.RoleCommand(ctx, op, account, iam.RoleAttachInput{Role: name, PolicyARN: arn})
}

func (h *handlers) listAttachedRolePolicies(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "ListAttachedRolePolicies")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	var res attachedList
	err = h.svc.IAMRead(ctx, func(_ string, st *iam.Store) error { return res.fill(c, st, account, r.Attached) })
	if err != nil {
		return nil, err
	}
	return res, nil
}

func (h *handlers) tagRole(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "TagRole")
	if err != nil {
		return nil, err
	}
	tags, err := roleTags(c)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	return nil, h.svc.RoleCommand(ctx, "TagRole", account, iam.RoleTagsInput{Role: name, Tags: tags})
}

func (h *handlers) untagRole(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "UntagRole")
	if err != nil {
		return nil, err
	}
	keys, err := listParam(c, "TagKeys")
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	return nil, h.svc.RoleCommand(ctx, "UntagRole", account, iam.RoleTagsInput{Role: name, Keys: keys})
}

func (h *handlers) listRoleTags(ctx context.Context, c *query.Call) (any, error) {
	account, name, err := h.roleTarget(ctx, c, "ListRoleTags")
	if err != nil {
		return nil, err
	}
	r, err := h.svc.Role(account, name)
	if err != nil {
		return nil, err
	}
	pg, marker, trunc, err := page(c, r.Tags, func(t iam.Tag) string { return t.Key })
	if err != nil {
		return nil, err
	}
	type result struct {
		Tags        members[xTag]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	res := result{IsTruncated: trunc, Marker: marker}
	for _, t := range pg {
		res.Tags.Member = append(res.Tags.Member, xTag{t.Key, t.Value})
	}
	return res, nil
}

func roleFirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
