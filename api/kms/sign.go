package kms

import "context"

type signRequest struct {
	KeyID            string `json:"KeyId"`
	Message          []byte
	MessageType      string
	SigningAlgorithm string
	GrantTokens      []string
}

type signResponse struct {
	KeyID            string `json:"KeyId"`
	Signature        []byte
	SigningAlgorithm string
}

func handleSign(ctx context.Context, s *Server, c *call) (any, error) {
	var req signRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out, err := s.svc.Sign(ctx, req.KeyID, req.Message, req.MessageType, req.SigningAlgorithm)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(out.KeyID)
	return signResponse{c.keyID, out.Signature, req.SigningAlgorithm}, nil
}
