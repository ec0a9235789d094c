package kms

import "context"

// EnableKey, DisableKey and UpdateKeyDescription change a key's settings and answer with an
// empty body.

func handleEnableKey(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.EnableKey(ctx, req.KeyID)
}

func handleDisableKey(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.DisableKey(ctx, req.KeyID)
}

func handleUpdateKeyDescription(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID       string `json:"KeyId"`
		Description string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.UpdateKeyDescription(ctx, req.KeyID, req.Description)
}
