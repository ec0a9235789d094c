package kms

import (
	"context"
)

type keyPolicyRequest struct {
	KeyID                          string `json:"KeyId"`
	PolicyName                     string
	Policy                         string
	BypassPolicyLockoutSafetyCheck bool
}

func handleGetKeyPolicy(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyPolicyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	text, err := s.svc.GetKeyPolicy(ctx, req.KeyID, req.PolicyName)
	if err != nil {
		return nil, err
	}
	return struct{ Policy, PolicyName string }{text, "default"}, nil
}

func handlePutKeyPolicy(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyPolicyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.PutKeyPolicy(ctx, req.KeyID, req.PolicyName, req.Policy, req.BypassPolicyLockoutSafetyCheck)
}

func handleListKeyPolicies(ctx context.Context, s *Server, c *call) (any, error) {
	var req listRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	names, err := s.svc.ListKeyPolicies(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string
		Truncated   bool
	}{names, false}, nil
}
