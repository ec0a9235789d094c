package kms

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
	SigningAlgorithms           []string `json:"SigningAlgorithms,omitempty"`
	MacAlgorithms               []string `json:"MacAlgorithms,omitempty"`
	KeyAgreementAlgorithms      []string `json:"KeyAgreementAlgorithms,omitempty"`
	MultiRegion                 bool     `json:"MultiRegion"`
}

func (s *Server) metadata(k *domain.Key) keyMetadata {
	arns := s.svc.ARNs().In(k.Account) // the owning account ("" is the domain's first)
	algs := domain.KeyAlgorithms(k.KeySpec, k.KeyUsage)
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
		KeyManager:                  k.KeyManager(),
		CustomerMasterKeySpec:       k.KeySpec,
		KeySpec:                     k.KeySpec,
		EncryptionAlgorithms:        algs.Encryption,
		SigningAlgorithms:           algs.Signing,
		MacAlgorithms:               algs.MAC,
		KeyAgreementAlgorithms:      algs.KeyAgreement,
	}
}

func (s *Server) keyARN(id wrap.KeyID) string { return s.svc.KeyARN(id) }

// tag is AWS's Tag structure.
type tag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

// checkAlgorithm accepts the only encryption algorithm symmetric keys have (ReEncrypt).
func checkAlgorithm(field, alg string) error {
	if alg == "" || alg == domain.AlgorithmSymmetric {
		return nil
	}
	if isAsymmetricAlgorithm(alg) {
		return &domain.Error{Kind: domain.ErrUnsupported, Msg: "ReEncrypt with " + alg + " is not supported by this key service; Decrypt and Encrypt instead."}
	}
	return checkEncryptionAlgorithm(field, alg)
}

// isAsymmetricAlgorithm reports whether alg is an RSAES encryption algorithm.
func isAsymmetricAlgorithm(alg string) bool {
	return alg == domain.AlgorithmRSAESOAEPSHA1 || alg == domain.AlgorithmRSAESOAEPSHA256
}

// checkEncryptionAlgorithm validates EncryptionAlgorithm against AWS's enum (SM2PKE exists only
// in China Regions, and keyhold has no SM2 keys, so it is refused as unsupported).
func checkEncryptionAlgorithm(field, alg string) error {
	if alg == "" || alg == domain.AlgorithmSymmetric || isAsymmetricAlgorithm(alg) {
		return nil
	}
	if alg == "SM2PKE" {
		return &domain.Error{Kind: domain.ErrUnsupported, Msg: "SM2PKE is not supported by this key service."}
	}
	return &domain.Error{Kind: domain.ErrValidation, Msg: "1 validation error detected: Value '" + alg + "' at '" + field + "' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]"}
}
