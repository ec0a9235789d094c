package kms

import (
	"context"

	"github.com/keyhold/keyhold/domain"
)

type generateDataKeyRequest struct {
	KeyID             string `json:"KeyId"`
	EncryptionContext map[string]string
	NumberOfBytes     *int
	KeySpec           string
	GrantTokens       []string
}

// length resolves KeySpec / NumberOfBytes: exactly one must be given.
func (r *generateDataKeyRequest) length() (int, error) {
	switch {
	case r.KeySpec != "" && r.NumberOfBytes != nil:
		return 0, &domain.Error{Kind: domain.ErrValidation, Msg: "Please specify either number of bytes or key spec, not both."}
	case r.KeySpec == "AES_256":
		return 32, nil
	case r.KeySpec == "AES_128":
		return 16, nil
	case r.KeySpec != "":
		return 0, &domain.Error{Kind: domain.ErrValidation, Msg: "1 validation error detected: Value '" + r.KeySpec + "' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"}
	case r.NumberOfBytes != nil:
		return *r.NumberOfBytes, nil
	}
	return 0, &domain.Error{Kind: domain.ErrValidation, Msg: "Please specify either number of bytes or key spec."}
}

type generateDataKeyResponse struct {
	CiphertextBlob []byte
	Plaintext      []byte `json:",omitempty"`
	KeyID          string `json:"KeyId"`
}

func (r *generateDataKeyResponse) clear() { clear(r.Plaintext) }

func handleGenerateDataKey(ctx context.Context, s *Server, c *call) (any, error) {
	return generateDataKey(ctx, s, c, true)
}

func handleGenerateDataKeyWithoutPlaintext(ctx context.Context, s *Server, c *call) (any, error) {
	return generateDataKey(domain.WithAction(ctx, "kms:GenerateDataKeyWithoutPlaintext"), s, c, false)
}

func generateDataKey(ctx context.Context, s *Server, c *call, withPlaintext bool) (any, error) {
	var req generateDataKeyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.use(req.KeyID, req.EncryptionContext)
	n, err := req.length()
	if err != nil {
		return nil, err
	}
	pt, blob, id, err := s.svc.GenerateDataKey(ctx, req.KeyID, n, req.EncryptionContext)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	if !withPlaintext {
		clear(pt)
		pt = nil
	}
	return &generateDataKeyResponse{blob, pt, c.keyID}, nil
}
