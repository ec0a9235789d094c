package kms

import "context"

type verifyMacRequest struct {
	KeyID        string `json:"KeyId"`
	Message      []byte
	Mac          []byte
	MacAlgorithm string
	GrantTokens  []string
}

type verifyMacResponse struct {
	KeyID        string `json:"KeyId"`
	MacValid     bool
	MacAlgorithm string
}

func handleVerifyMac(ctx context.Context, s *Server, c *call) (any, error) {
	var req verifyMacRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	id, err := s.svc.VerifyMac(ctx, req.KeyID, req.Message, req.MacAlgorithm, req.Mac)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return verifyMacResponse{c.keyID, true, req.MacAlgorithm}, nil
}
