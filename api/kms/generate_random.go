package kms

import "context"

type generateRandomResponse struct{ Plaintext []byte }

func (r *generateRandomResponse) clear() { clear(r.Plaintext) }

func handleGenerateRandom(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		NumberOfBytes    int
		CustomKeyStoreID string `json:"CustomKeyStoreId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	b, err := s.svc.GenerateRandom(ctx, req.NumberOfBytes)
	if err != nil {
		return nil, err
	}
	return &generateRandomResponse{b}, nil
}
