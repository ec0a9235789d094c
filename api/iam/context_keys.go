package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
)

// GetContextKeysForPrincipalPolicy and GetContextKeysForCustomPolicy: which condition keys a
// principal's policies (or given documents) test, so that a caller knows what context entries
// a simulation needs. Authorized like the simulations: the principal variant discloses another
// principal's policies, so it needs iam:GetContextKeysForPrincipalPolicy on that principal.

type xContextKeysResult struct {
	ContextKeyNames members[string]
}

func (h *handlers) contextKeysForPrincipalPolicy(ctx context.Context, c *query.Call) (any, error) {
	src, err := c.Required("PolicySourceArn")
	if err != nil {
		return nil, err
	}
	docs, err := listParam(c, "PolicyInputList")
	if err != nil {
		return nil, err
	}
	if err := c.Authorize(ctx, "iam:GetContextKeysForPrincipalPolicy", src); err != nil {
		return nil, err
	}
	return h.contextKeys(ctx, src, docs)
}

func (h *handlers) contextKeysForCustomPolicy(ctx context.Context, c *query.Call) (any, error) {
	docs, err := listParam(c, "PolicyInputList")
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if err := c.Authorize(ctx, "iam:GetContextKeysForCustomPolicy", "*"); err != nil {
		return nil, err
	}
	return h.contextKeys(ctx, "", docs)
}

func (h *handlers) contextKeys(ctx context.Context, src string, docs []string) (any, error) {
	keys, err := h.svc.ContextKeysForPolicies(ctx, src, docs)
	if err != nil {
		return nil, err
	}
	return xContextKeysResult{ContextKeyNames: members[string]{Member: keys}}, nil
}
