package kms

import "context"

type generateDataKeyPairRequest struct {
	KeyID             string `json:"KeyId"`
	KeyPairSpec       string
	EncryptionContext map[string]string
	GrantTokens       []string
}

type generateDataKeyPairResponse struct {
	KeyID                    string `json:"KeyId"`
	KeyPairSpec              string
	PrivateKeyCiphertextBlob []byte
	PrivateKeyPlaintext      []byte `json:",omitempty"`
	PublicKey                []byte
}

func (r *generateDataKeyPairResponse) clear() { clear(r.PrivateKeyPlaintext) }

func handleGenerateDataKeyPair(ctx context.Context, s *Server, c *call) (any, error) {
	return generateDataKeyPair(ctx, s, c, true)
}

func handleGenerateDataKeyPairWithoutPlaintext(ctx context.Context, s *Server, c *call) (any, error) {
	return generateDataKeyPair(ctx, s, c, false)
}

func generateDataKeyPair(ctx context.Context, s *Server, c *call, withPlaintext bool) (any, error) {
	var req generateDataKeyPairRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.use(req.KeyID, req.EncryptionContext)
	out, err := s.svc.GenerateDataKeyPair(ctx, req.KeyID, req.KeyPairSpec, req.EncryptionContext, withPlaintext)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(out.KeyID)
	return &generateDataKeyPairResponse{c.keyID, req.KeyPairSpec, out.PrivateKeyBlob, out.PrivateKey, out.PublicKey}, nil
}
