package api

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/wrap"
)

// epoch is a timestamp as AWS JSON 1.1 sends it: seconds since the Unix epoch, as a number with
// a fractional part.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*t = epoch(time.UnixMilli(int64(f * 1000)).UTC())
	return nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// keyMetadata is AWS's KeyMetadata structure.
type keyMetadata struct {
	AWSAccountID                string   `json:"AWSAccountId"`
	KeyID                       string   `json:"KeyId"`
	Arn                         string   `json:"Arn"`
	CreationDate                epoch    `json:"CreationDate"`
	Enabled                     bool     `json:"Enabled"`
	Description                 string   `json:"Description"`
	KeyUsage                    string   `json:"KeyUsage"`
	KeyState                    string   `json:"KeyState"`
	DeletionDate                *epoch   `json:"DeletionDate,omitempty"`
	PendingDeletionWindowInDays int      `json:"PendingDeletionWindowInDays,omitempty"`
	Origin                      string   `json:"Origin"`
	KeyManager                  string   `json:"KeyManager"`
	CustomerMasterKeySpec       string   `json:"CustomerMasterKeySpec"`
	KeySpec                     string   `json:"KeySpec"`
	EncryptionAlgorithms        []string `json:"EncryptionAlgorithms,omitempty"`
	MultiRegion                 bool     `json:"MultiRegion"`
}

func (s *Server) metadata(k *domain.Key) keyMetadata {
	arns := s.svc.ARNs()
	return keyMetadata{
		AWSAccountID:                arns.Account,
		KeyID:                       k.ID.String(),
		Arn:                         arns.Key(k.ID),
		CreationDate:                epoch(k.CreatedAt),
		Enabled:                     k.State == domain.KeyStateEnabled,
		Description:                 k.Description,
		KeyUsage:                    k.KeyUsage,
		KeyState:                    k.State.String(),
		DeletionDate:                epochPtr(k.DeletionDate),
		PendingDeletionWindowInDays: k.PendingWindowDays,
		Origin:                      k.Origin,
		KeyManager:                  "CUSTOMER",
		CustomerMasterKeySpec:       k.KeySpec,
		KeySpec:                     k.KeySpec,
		EncryptionAlgorithms:        []string{domain.AlgorithmSymmetric},
	}
}

func (s *Server) keyARN(id wrap.KeyID) string { return s.svc.ARNs().Key(id) }

// tag is AWS's Tag structure.
type tag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

// checkAlgorithm accepts the only encryption algorithm symmetric keys have.
func checkAlgorithm(field, alg string) error {
	if alg == "" || alg == domain.AlgorithmSymmetric {
		return nil
	}
	return &domain.Error{Kind: domain.ErrValidation, Msg: "1 validation error detected: Value '" + alg + "' at '" + field + "' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]"}
}
