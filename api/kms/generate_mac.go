package kms

import "context"

type generateMacRequest struct {
	KeyID        string `json:"KeyId"`
	Message      []byte
	MacAlgorithm string
	GrantTokens  []string
}

type generateMacResponse struct {
	KeyID        string `json:"KeyId"`
	Mac          []byte
	MacAlgorithm string
}

func handleGenerateMac(ctx context.Context, s *Server, c *call) (any, error) {
	var req generateMacRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	mac, id, err := s.svc.GenerateMac(ctx, req.KeyID, req.Message, req.MacAlgorithm)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return generateMacResponse{c.keyID, mac, req.MacAlgorithm}, nil
}
