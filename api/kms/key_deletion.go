package kms

import "context"

func handleScheduleKeyDeletion(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID               string `json:"KeyId"`
		PendingWindowInDays int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	k, err := s.svc.ScheduleKeyDeletion(ctx, req.KeyID, req.PendingWindowInDays)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(k.ID)
	return struct {
		KeyID               string `json:"KeyId"`
		DeletionDate        epoch
		KeyState            string
		PendingWindowInDays int
	}{c.keyID, epoch(k.DeletionDate), k.State.String(), k.PendingWindowDays}, nil
}

func handleCancelKeyDeletion(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	k, err := s.svc.CancelKeyDeletion(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(k.ID)
	return struct {
		KeyID string `json:"KeyId"`
	}{c.keyID}, nil
}
