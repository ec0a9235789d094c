package kms

import "context"

type decryptRequest struct {
	KeyID               string `json:"KeyId"`
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	EncryptionAlgorithm string
	GrantTokens         []string
}

type decryptResponse struct {
	KeyID               string `json:"KeyId"`
	Plaintext           []byte
	EncryptionAlgorithm string
}

func (r *decryptResponse) clear() { clear(r.Plaintext) }

func handleDecrypt(ctx context.Context, s *Server, c *call) (any, error) {
	var req decryptRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.use(req.KeyID, req.EncryptionContext)
	if err := checkEncryptionAlgorithm("encryptionAlgorithm", req.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	if isAsymmetricAlgorithm(req.EncryptionAlgorithm) {
		pt, id, err := s.svc.DecryptAsymmetric(ctx, req.KeyID, req.EncryptionAlgorithm, req.CiphertextBlob, req.EncryptionContext)
		if err != nil {
			return nil, err
		}
		c.keyID = s.keyARN(id)
		return &decryptResponse{c.keyID, pt, req.EncryptionAlgorithm}, nil
	}
	pt, id, err := s.svc.Decrypt(ctx, req.KeyID, req.CiphertextBlob, req.EncryptionContext)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return &decryptResponse{c.keyID, pt, "SYMMETRIC_DEFAULT"}, nil
}
