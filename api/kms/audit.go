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
