package kms

import (
	"context"
	"encoding/json"

	"github.com/keyhold/keyhold/domain"
)

type deriveSharedSecretRequest struct {
	KeyID                 string `json:"KeyId"`
	KeyAgreementAlgorithm string
	PublicKey             []byte
	Recipient             json.RawMessage
	GrantTokens           []string
}

type deriveSharedSecretResponse struct {
	KeyID                 string `json:"KeyId"`
	SharedSecret          []byte
	KeyAgreementAlgorithm string
	KeyOrigin             string
}

func (r *deriveSharedSecretResponse) clear() { clear(r.SharedSecret) }

func handleDeriveSharedSecret(ctx context.Context, s *Server, c *call) (any, error) {
	var req deriveSharedSecretRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Recipient) > 0 && string(req.Recipient) != "null" {
		// Recipient carries a Nitro Enclaves attestation document; keyhold runs no enclaves.
		return nil, &domain.Error{Kind: domain.ErrUnsupported, Msg: "Recipient (Nitro Enclaves attestation) is not supported by this key service."}
	}
	z, id, err := s.svc.DeriveSharedSecret(ctx, req.KeyID, req.KeyAgreementAlgorithm, req.PublicKey)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return &deriveSharedSecretResponse{c.keyID, z, domain.KeyAgreementECDH, domain.OriginAWSKMS}, nil
}
