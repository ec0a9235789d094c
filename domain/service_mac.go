package domain

import (
	"context"

	"github.com/keyhold/keyhold/wrap"
)

// MaxMacMessage is the largest Message GenerateMac and VerifyMac take (AWS's limit).
const MaxMacMessage = 4096

// GenerateMac returns HMAC(key, msg) under the GENERATE_VERIFY_MAC key ref names and the MAC
// algorithm alg, which must be the key spec's.
func (s *Service) GenerateMac(ctx context.Context, ref string, msg []byte, alg string) ([]byte, wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:GenerateMac", macAlg: alg})
	ks, err := s.keyFor(ctx, ref, KeyUsageGenerateVerify, "GenerateMac")
	if err != nil {
		return nil, wrap.KeyID{}, err
	}
	if err := s.checkMac(ks, alg, msg); err != nil {
		return nil, wrap.KeyID{}, err
	}
	var mac []byte
	err = s.withHMACKey(ctx, ks, func(hk *wrap.HMACKey) error {
		var err error
		mac, err = hk.MAC(macHashes[alg], msg)
		return err
	})
	if err != nil {
		return nil, wrap.KeyID{}, asDomainError("computing the MAC", err)
	}
	return mac, ks.id, nil
}

// VerifyMac checks mac over msg; a MAC that does not match is ErrInvalidMac (AWS's
// KMSInvalidMacException). The comparison is constant-time.
func (s *Service) VerifyMac(ctx context.Context, ref string, msg []byte, alg string, mac []byte) (wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:VerifyMac", macAlg: alg})
	ks, err := s.keyFor(ctx, ref, KeyUsageGenerateVerify, "VerifyMac")
	if err != nil {
		return wrap.KeyID{}, err
	}
	if err := s.checkMac(ks, alg, msg); err != nil {
		return wrap.KeyID{}, err
	}
	if err := checkLen("mac", len(mac), 1, 6144); err != nil {
		return wrap.KeyID{}, err
	}
	var ok bool
	err = s.withHMACKey(ctx, ks, func(hk *wrap.HMACKey) error {
		var err error
		ok, err = hk.VerifyMAC(macHashes[alg], msg, mac)
		return err
	})
	if err != nil {
		return wrap.KeyID{}, asDomainError("verifying the MAC", err)
	}
	if !ok {
		return wrap.KeyID{}, errorf(ErrInvalidMac, "The MAC is not valid for this message, key and MAC algorithm.")
	}
	return ks.id, nil
}

func (s *Service) checkMac(ks keySnapshot, alg string, msg []byte) error {
	if alg == "" {
		return errorf(ErrValidation, "1 validation error detected: Value null at 'macAlgorithm' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := macHashes[alg]; !ok {
		return validationf("macAlgorithm", alg, "Member must satisfy enum value set: [HMAC_SHA_224, HMAC_SHA_256, HMAC_SHA_384, HMAC_SHA_512]")
	}
	if keySpecs[ks.spec].macAlg != alg {
		return errorf(ErrInvalidKeyUsage, "MAC algorithm %s is not compatible with %s, whose key spec is %s.", alg, s.KeyARN(ks.id), ks.spec)
	}
	return checkLen("message", len(msg), 1, MaxMacMessage)
}
