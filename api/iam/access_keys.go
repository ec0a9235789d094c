package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
)

// keyOwner resolves the UserName parameter of the access-key actions: absent, it is the
// caller (an IAM user acts on its own keys, an account's root on the root's), and the action
// is authorized on the caller's own ARN.
func (h *handlers) keyOwner(ctx context.Context, c *query.Call, action string) (string, error) {
	if c.Param("UserName") != "" {
		return h.authorizeUser(ctx, c, action)
	}
	who, err := caller(ctx)
	if err != nil {
		return "", err
	}
	if err := c.Authorize(ctx, action, who.Principal.ARN); err != nil {
		return "", err
	}
	return h.callerUserName(ctx)
}

func status(active bool) string {
	if active {
		return "Active"
	}
	return "Inactive"
}

func (h *handlers) createAccessKey(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.keyOwner(ctx, c, "iam:CreateAccessKey")
	if err != nil {
		return nil, err
	}
	k, secret, err := h.svc.CreateAccessKey(ctx, user)
	if err != nil {
		return nil, err
	}
	// The secret leaves only in this response; the string copy lives as long as the response
	// is being encoded (Go strings cannot be cleared).
	x := xAccessKey{UserName: k.User, AccessKeyId: k.AccessKeyID, Status: status(k.Active), SecretAccessKey: string(secret), CreateDate: date(k.CreatedAt)}
	clear(secret)
	return struct{ AccessKey xAccessKey }{x}, nil
}

func (h *handlers) listAccessKeys(ctx context.Context, c *query.Call) (any, error) {
	user, err := h.keyOwner(ctx, c, "iam:ListAccessKeys")
	if err != nil {
		return nil, err
	}
	keys, err := h.svc.AccessKeys(ctx, user)
	if err != nil {
		return nil, err
	}
	type result struct {
		UserName          string `xml:",omitempty"`
		AccessKeyMetadata members[xAccessKeyMetadata]
		IsTruncated       bool
	}
	r := result{UserName: user}
	for _, k := range keys {
		if k.User != "" {
			r.UserName = k.User
		}
		r.AccessKeyMetadata.Member = append(r.AccessKeyMetadata.Member,
			xAccessKeyMetadata{UserName: k.User, AccessKeyId: k.AccessKeyID, Status: status(k.Active), CreateDate: date(k.CreatedAt)})
	}
	return r, nil
}

func (h *handlers) updateAccessKey(ctx context.Context, c *query.Call) (any, error) {
	id, err := c.Required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	st, err := c.Required("Status")
	if err != nil {
		return nil, err
	}
	if st != "Active" && st != "Inactive" {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value '"+st+"' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]")
	}
	user, err := h.keyOwner(ctx, c, "iam:UpdateAccessKey")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.UpdateAccessKey(ctx, user, id, st == "Active")
}

func (h *handlers) deleteAccessKey(ctx context.Context, c *query.Call) (any, error) {
	id, err := c.Required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	user, err := h.keyOwner(ctx, c, "iam:DeleteAccessKey")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteAccessKey(ctx, user, id)
}

// getAccessKeyLastUsed answers from this node's memory of the key's last authenticated use
// (not replicated: another node may have seen a later use). A key never seen answers AWS's
// "N/A" service and region and no date.
func (h *handlers) getAccessKeyLastUsed(ctx context.Context, c *query.Call) (any, error) {
	id, err := c.Required("AccessKeyId")
	if err != nil {
		return nil, err
	}
	user, used, err := h.svc.AccessKeyOwner(ctx, id)
	if err != nil {
		return nil, err
	}
	resource := ""
	if user != "" {
		if resource, err = h.entityARN(ctx, "user", user); err != nil {
			return nil, err
		}
	} else {
		who, err := caller(ctx)
		if err != nil {
			return nil, err
		}
		resource = "arn:" + h.svc.ARNs().Partition + ":iam::" + who.Principal.Account + ":root"
	}
	if err := c.Authorize(ctx, "iam:GetAccessKeyLastUsed", resource); err != nil {
		return nil, err
	}
	type lastUsed struct {
		LastUsedDate string `xml:",omitempty"`
		ServiceName  string
		Region       string
	}
	type result struct {
		UserName          string `xml:",omitempty"`
		AccessKeyLastUsed lastUsed
	}
	r := result{UserName: user, AccessKeyLastUsed: lastUsed{ServiceName: "N/A", Region: "N/A"}}
	if !used.At.IsZero() {
		r.AccessKeyLastUsed = lastUsed{LastUsedDate: date(used.At), ServiceName: used.Service, Region: used.Region}
	}
	return r, nil
}
