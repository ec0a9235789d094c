package kms

import "context"

type verifyRequest struct {
	KeyID            string `json:"KeyId"`
	Message          []byte
	MessageType      string
	Signature        []byte
	SigningAlgorithm string
	GrantTokens      []string
}

type verifyResponse struct {
	KeyID            string `json:"KeyId"`
	SignatureValid   bool
	SigningAlgorithm string
}

func handleVerify(ctx context.Context, s *Server, c *call) (any, error) {
	var req verifyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	id, err := s.svc.Verify(ctx, req.KeyID, req.Message, req.MessageType, req.SigningAlgorithm, req.Signature)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return verifyResponse{c.keyID, true, req.SigningAlgorithm}, nil
}
