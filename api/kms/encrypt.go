package kms

import "context"

type encryptRequest struct {
	KeyID               string `json:"KeyId"`
	Plaintext           []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
}

type encryptResponse struct {
	CiphertextBlob      []byte
	KeyID               string `json:"KeyId"`
	EncryptionAlgorithm string
}

func handleEncrypt(ctx context.Context, s *Server, c *call) (any, error) {
	var req encryptRequest
	err := c.decode(&req)
	defer clear(req.Plaintext)
	if err != nil {
		return nil, err
	}
	c.use(req.KeyID, req.EncryptionContext)
	if err := checkEncryptionAlgorithm("encryptionAlgorithm", req.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if isAsymmetricAlgorithm(req.EncryptionAlgorithm) {
		ct, id, err := s.svc.EncryptAsymmetric(ctx, req.KeyID, req.EncryptionAlgorithm, req.Plaintext, req.EncryptionContext)
		if err != nil {
			return nil, err
		}
		c.keyID = s.keyARN(id)
		return encryptResponse{ct, c.keyID, req.EncryptionAlgorithm}, nil
	}
	blob, id, err := s.svc.Encrypt(ctx, req.KeyID, req.Plaintext, req.EncryptionContext)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return encryptResponse{blob, c.keyID, "SYMMETRIC_DEFAULT"}, nil
}
