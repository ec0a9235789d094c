package kms

import "context"

type getPublicKeyResponse struct {
	KeyID                  string   `json:"KeyId"`
	PublicKey              []byte   `json:"PublicKey"`
	CustomerMasterKeySpec  string   `json:"CustomerMasterKeySpec"`
	KeySpec                string   `json:"KeySpec"`
	KeyUsage               string   `json:"KeyUsage"`
	EncryptionAlgorithms   []string `json:"EncryptionAlgorithms,omitempty"`
	SigningAlgorithms      []string `json:"SigningAlgorithms,omitempty"`
	KeyAgreementAlgorithms []string `json:"KeyAgreementAlgorithms,omitempty"`
}

func handleGetPublicKey(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out, err := s.svc.GetPublicKey(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(out.KeyID)
	return getPublicKeyResponse{
		KeyID: c.keyID, PublicKey: out.PublicKey, CustomerMasterKeySpec: out.KeySpec, KeySpec: out.KeySpec,
		KeyUsage: out.KeyUsage, EncryptionAlgorithms: out.Encryption, SigningAlgorithms: out.Signing,
		KeyAgreementAlgorithms: out.KeyAgreement,
	}, nil
}
