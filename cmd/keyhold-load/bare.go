package main

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// serveBare answers KMS-shaped requests with responses of the same shape and size as keyhold's,
// without authentication or cryptography: the floor an HTTP+JSON server costs on this machine.
func serveBare(addr string) error {
	// keyhold blobs are 65 bytes plus the plaintext: 81 for the 16-byte plaintexts the load tool
	// encrypts, 97 for a 32-byte data key.
	blob := make([]byte, 97)
	_, _ = rand.Read(blob)
	arn := "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000000"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		var resp any
		switch strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService.") {
		case "Encrypt":
			resp = map[string]any{"CiphertextBlob": blob[:81], "KeyId": arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
		case "Decrypt":
			resp = map[string]any{"Plaintext": blob[:16], "KeyId": arn, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
		case "GenerateDataKey":
			resp = map[string]any{"Plaintext": blob[:32], "CiphertextBlob": blob, "KeyId": arn}
		case "Sign":
			// An ECDSA P-256 DER signature is 70-72 bytes.
			resp = map[string]any{"Signature": blob[:71], "KeyId": arn, "SigningAlgorithm": "ECDSA_SHA_256"}
		case "GenerateMac":
			resp = map[string]any{"Mac": blob[:32], "KeyId": arn, "MacAlgorithm": "HMAC_SHA_256"}
		case "CreateKey":
			resp = map[string]any{"KeyMetadata": map[string]any{"KeyId": "00000000-0000-4000-8000-000000000000", "Arn": arn}}
		default:
			resp = map[string]any{}
		}
		b, _ := json.Marshal(resp)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write(b)
	})
	return http.ListenAndServe(addr, h)
}
