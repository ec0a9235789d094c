package kms

import "context"

type reEncryptRequest struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyID                    string `json:"SourceKeyId"`
	DestinationKeyID               string `json:"DestinationKeyId"`
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
}

func handleReEncrypt(ctx context.Context, s *Server, c *call) (any, error) {
	var req reEncryptRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.use(req.DestinationKeyID, req.DestinationEncryptionContext)
	c.srcKey, c.srcCtx = req.SourceKeyID, req.SourceEncryptionContext
	if err := checkAlgorithm("sourceEncryptionAlgorithm", req.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := checkAlgorithm("destinationEncryptionAlgorithm", req.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	out, err := s.svc.ReEncrypt(ctx, req.SourceKeyID, req.CiphertextBlob, req.SourceEncryptionContext, req.DestinationKeyID, req.DestinationEncryptionContext)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(out.DestKeyID)
	c.srcKey = s.keyARN(out.SourceKeyID)
	return struct {
		CiphertextBlob                 []byte
		SourceKeyID                    string `json:"SourceKeyId"`
		KeyID                          string `json:"KeyId"`
		SourceEncryptionAlgorithm      string
		DestinationEncryptionAlgorithm string
	}{out.Blob, s.keyARN(out.SourceKeyID), c.keyID, "SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"}, nil
}
