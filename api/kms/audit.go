package kms

import (
	"bytes"
	"encoding/json"
)

// requestedKey digs the key reference out of a failed KMS request's body, so that the record
// names the key the caller asked for even when the handler never got to it. Only failures pay
// for the second decode.
func requestedKey(body []byte) string {
	if len(body) == 0 || !bytes.Contains(body, []byte("KeyId")) {
		return ""
	}
	var v struct {
		KeyID            string `json:"KeyId"`
		TargetKeyID      string `json:"TargetKeyId"`
		DestinationKeyID string `json:"DestinationKeyId"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	switch {
	case v.KeyID != "":
		return v.KeyID
	case v.DestinationKeyID != "":
		return v.DestinationKeyID
	}
	return v.TargetKeyID
}

// requestedContext returns the encryption context of the key requestedKey names (ReEncrypt's
// destination context), for a DryRun's authorization; nil if none or the body does not decode.
func requestedContext(body []byte) map[string]string {
	if !bytes.Contains(body, []byte("EncryptionContext")) {
		return nil
	}
	var v struct {
		KeyID                        string `json:"KeyId"`
		EncryptionContext            map[string]string
		DestinationEncryptionContext map[string]string
	}
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	if v.KeyID == "" && v.DestinationEncryptionContext != nil {
		return v.DestinationEncryptionContext
	}
	return v.EncryptionContext
}
