package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
)

// PostPolicyAuth is the SigV4 authentication of a browser upload form (POST Object): the
// x-amz-algorithm, x-amz-credential, x-amz-date and x-amz-signature fields and the base64 policy
// they sign.
type PostPolicyAuth struct {
	Algorithm, Credential, Date, Signature, Policy string
	// SecurityToken is the x-amz-security-token field: temporary credentials need it. The
	// policy should also name it (AWS requires the field in the policy's conditions); the
	// form handler checks every field against the policy.
	SecurityToken string
}

// VerifyPostPolicy authenticates a POST Object form: the signature is HMAC-SHA256 of the base64
// policy under the SigV4 signing key of the credential's scope, which must name service s3 and
// (when the verifier has one) its region. The policy's own expiration bounds its validity, so
// the signing time is not held to the clock-skew window.
func (v *Verifier) VerifyPostPolicy(ctx context.Context, p PostPolicyAuth) (Identity, error) {
	if p.Algorithm != sigv4Algorithm {
		return Identity{}, errMalformed("unsupported x-amz-algorithm")
	}
	a := &requestAuth{}
	if err := a.parseCredential(p.Credential); err != nil {
		return Identity{}, err
	}
	if err := a.parseAmzDate(p.Date); err != nil {
		return Identity{}, err
	}
	if err := a.parseSignature(p.Signature); err != nil {
		return Identity{}, err
	}
	if a.service != "s3" {
		return Identity{}, errMalformed("credential scope names another service")
	}
	if v.Region != "" && a.region != v.Region {
		return Identity{}, ErrWrongRegion
	}
	cred, err := v.Store.Credential(ctx, a.accessKeyID, p.SecurityToken)
	if err != nil {
		clear(cred.Secret)
		return Identity{}, err
	}
	key := v.keys.signingKey(a.accessKeyID, cred.Secret, a.date, a.region, a.service)
	clear(cred.Secret)
	defer clear(key[:])
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(p.Policy))
	var want [32]byte
	mac.Sum(want[:0])
	if !hmac.Equal(want[:], a.signature[:]) {
		return Identity{}, ErrSignatureMismatch
	}
	return Identity{AccessKeyID: a.accessKeyID, Principal: cred.Principal, Info: cred.Info}, nil
}
