package domain

import (
	"context"
	"slices"

	"github.com/keyhold/keyhold/wrap"
)

// MaxSignMessage is the largest Message Sign and Verify take (AWS's limit); larger messages are
// signed as a digest with MessageType DIGEST.
const MaxSignMessage = 4096

// MaxSignature bounds Verify's Signature (AWS's limit; an ML-DSA-87 signature is 4627 bytes).
const MaxSignature = 6144

// SignOutput is Sign's result.
type SignOutput struct {
	KeyID     wrap.KeyID
	Signature []byte
}

// Sign signs msg (a message, or a digest when msgType is DIGEST) with the private key of the
// SIGN_VERIFY key ref names, under the AWS signing algorithm alg.
func (s *Service) Sign(ctx context.Context, ref string, msg []byte, msgType, alg string) (SignOutput, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:Sign", signingAlg: alg, messageType: msgTypeOrRaw(msgType)})
	ks, err := s.keyFor(ctx, ref, KeyUsageSignVerify, "Sign")
	if err != nil {
		return SignOutput{}, err
	}
	sa, in, err := s.signInput(ks, alg, msgType, msg)
	if err != nil {
		return SignOutput{}, err
	}
	var sig []byte
	err = s.withPrivateKey(ctx, ks, func(pk *wrap.PrivateKey) error {
		var err error
		sig, err = pk.Sign(sa.scheme, sa.hash, in)
		return err
	})
	if err != nil {
		return SignOutput{}, asDomainError("signing", err)
	}
	return SignOutput{KeyID: ks.id, Signature: sig}, nil
}

// Verify checks sig over msg with the public key of the SIGN_VERIFY key ref names. A signature
// that does not verify is ErrInvalidSignature (AWS's KMSInvalidSignatureException); it needs
// no HSM call, as the public key is in the replicated state.
func (s *Service) Verify(ctx context.Context, ref string, msg []byte, msgType, alg string, sig []byte) (wrap.KeyID, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:Verify", signingAlg: alg, messageType: msgTypeOrRaw(msgType)})
	ks, err := s.keyFor(ctx, ref, KeyUsageSignVerify, "Verify")
	if err != nil {
		return wrap.KeyID{}, err
	}
	sa, in, err := s.signInput(ks, alg, msgType, msg)
	if err != nil {
		return wrap.KeyID{}, err
	}
	if err := checkLen("signature", len(sig), 1, MaxSignature); err != nil {
		return wrap.KeyID{}, err
	}
	pub, err := wrap.ParsePublicKey(keySpecs[ks.spec].alg, ks.current.PublicKey)
	if err != nil {
		return wrap.KeyID{}, dependencyError("reading the public key", err)
	}
	if !pub.Verify(sa.scheme, sa.hash, in, sig) {
		return wrap.KeyID{}, errorf(ErrInvalidSignature, "The signature is not valid for this message, key and signing algorithm.")
	}
	return ks.id, nil
}

// signInput checks alg and msgType against the key and AWS's rules and returns what the
// scheme signs: the digest (hashing a RAW message), or the message for pure EdDSA and ML-DSA.
func (s *Service) signInput(ks keySnapshot, alg, msgType string, msg []byte) (sigAlg, []byte, error) {
	if alg == "" {
		return sigAlg{}, nil, errorf(ErrValidation, "1 validation error detected: Value null at 'signingAlgorithm' failed to satisfy constraint: Member must not be null")
	}
	sa, ok := signingAlgorithms[alg]
	if !ok {
		return sigAlg{}, nil, validationf("signingAlgorithm", alg, "Member must satisfy enum value set: "+signingAlgorithmNames)
	}
	if !slices.Contains(keySpecs[ks.spec].signing, alg) {
		return sigAlg{}, nil, errorf(ErrInvalidKeyUsage, "Signing algorithm %s is not compatible with %s, whose key spec is %s.", alg, s.KeyARN(ks.id), ks.spec)
	}
	if msgType == "" {
		msgType = MessageTypeRaw
	}
	switch msgType {
	case MessageTypeRaw, MessageTypeDigest, MessageTypeExternalMu:
	default:
		return sigAlg{}, nil, validationf("messageType", msgType, "Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]")
	}
	if err := checkLen("message", len(msg), 1, MaxSignMessage); err != nil {
		return sigAlg{}, nil, err
	}
	switch sa.scheme {
	case wrap.SchemeEd25519:
		if msgType != MessageTypeRaw {
			return sigAlg{}, nil, errorf(ErrValidation, "ED25519_SHA_512 signing algorithm requires KMS MessageType:RAW")
		}
		return sa, msg, nil
	case wrap.SchemeEd25519ph:
		if msgType != MessageTypeDigest {
			return sigAlg{}, nil, errorf(ErrValidation, "ED25519_PH_SHA_512 signing algorithm requires KMS MessageType:DIGEST")
		}
	case wrap.SchemeMLDSA:
		switch msgType {
		case MessageTypeRaw:
			return sa, msg, nil
		case MessageTypeExternalMu:
			// μ is FIPS 204's 64-byte message representative, computed by the caller.
			if len(msg) != 64 {
				return sigAlg{}, nil, errorf(ErrValidation, "An EXTERNAL_MU message must be the 64-byte mu of FIPS 204 section 6.2; got %d bytes.", len(msg))
			}
			sa.scheme = wrap.SchemeMLDSAMu
			return sa, msg, nil
		}
		return sigAlg{}, nil, errorf(ErrValidation, "ML_DSA_SHAKE_256 signing algorithm requires KMS MessageType:RAW or EXTERNAL_MU")
	default:
		if msgType == MessageTypeExternalMu {
			return sigAlg{}, nil, errorf(ErrValidation, "MessageType EXTERNAL_MU is valid only with ML-DSA signing algorithms")
		}
	}
	if msgType == MessageTypeDigest {
		if len(msg) != sa.hash.Size() {
			return sigAlg{}, nil, errorf(ErrValidation, "Digest is invalid length for algorithm %s.", alg)
		}
		return sa, msg, nil
	}
	h := sa.hash.New()
	h.Write(msg)
	return sa, h.Sum(nil), nil
}

// PublicKeyOutput is GetPublicKey's result.
type PublicKeyOutput struct {
	KeyID     wrap.KeyID
	PublicKey []byte // DER SubjectPublicKeyInfo
	KeySpec   string
	KeyUsage  string
	Algorithms
}

// GetPublicKey returns the public key of the asymmetric key ref names, with what it may be used
// for. Symmetric and HMAC keys have none: UnsupportedOperation, as in AWS.
func (s *Service) GetPublicKey(ctx context.Context, ref string) (PublicKeyOutput, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:GetPublicKey"})
	id, err := s.resolve(ctx, ref, true)
	if err != nil {
		return PublicKeyOutput{}, err
	}
	ks, ok := s.snapshotKey(ctx, id, false)
	if !ok {
		return PublicKeyOutput{}, errorf(ErrNotFound, "Key '%s' does not exist", s.KeyARN(id))
	}
	if err := s.usableState(ks); err != nil {
		return PublicKeyOutput{}, err
	}
	if !IsAsymmetric(ks.spec) {
		return PublicKeyOutput{}, errorf(ErrUnsupported, "%s is not an asymmetric key: it has no public key.", s.KeyARN(id))
	}
	return PublicKeyOutput{
		KeyID: id, PublicKey: append([]byte(nil), ks.current.PublicKey...), KeySpec: ks.spec,
		KeyUsage: ks.usage, Algorithms: KeyAlgorithms(ks.spec, ks.usage),
	}, nil
}
