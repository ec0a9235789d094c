package kms

import "context"

type keyIDRequest struct {
	KeyID       string `json:"KeyId"`
	GrantTokens []string
}

func handleDescribeKey(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	k, err := s.svc.DescribeKey(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(k.ID)
	return struct{ KeyMetadata keyMetadata }{s.metadata(k)}, nil
}
