package domain

import (
	"context"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// sealNewMaterial makes the first version of a key of any spec: a backing key for
// SYMMETRIC_DEFAULT, a key pair for an asymmetric spec (private key sealed, public key in
// clear), an HMAC key for an HMAC spec. As with backing keys, the secret exists in plaintext
// only here and in the data-plane cache, and the HSM call happens before proposing.
func (s *Service) sealNewMaterial(ctx context.Context, id wrap.KeyID, spec string, at time.Time) (KeyVersion, error) {
	if spec == KeySpecSymmetricDefault {
		return s.sealNewVersion(ctx, id, 1, at, RotationInvalid)
	}
	info := keySpecs[spec]
	dkv, dk, err := s.currentDomainKey(ctx)
	if err != nil {
		return KeyVersion{}, err
	}
	ver := KeyVersion{Version: 1, DKVersion: dkv, CreatedAt: at}
	if info.alg != wrap.KeyAlgInvalid {
		pk, err := wrap.GeneratePrivateKey(info.alg)
		if err != nil {
			return KeyVersion{}, dependencyError("generating key material", err)
		}
		defer pk.Destroy()
		if ver.Token, err = wrap.SealPrivateKey(dk, dkv, id, 1, pk); err != nil {
			return KeyVersion{}, dependencyError("wrapping the key", err)
		}
		ver.PublicKey = pk.PublicKeyDER()
		return ver, nil
	}
	hk, err := wrap.NewHMACKey(info.hmacSize)
	if err != nil {
		return KeyVersion{}, dependencyError("generating key material", err)
	}
	defer hk.Destroy()
	if ver.Token, err = wrap.SealHMACKey(dk, dkv, id, 1, hk); err != nil {
		return KeyVersion{}, dependencyError("wrapping the key", err)
	}
	return ver, nil
}

// currentDomainKey returns the current domain key version and its AEAD.
func (s *Service) currentDomainKey(ctx context.Context) (uint32, wrap.AEAD, error) {
	var dkv uint32
	s.st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			dkv = d.CurrentDK
		}
	})
	if dkv == 0 {
		return 0, nil, errorf(ErrNoDomain, "the key domain is not initialised: run the domain init ceremony first")
	}
	dk, err := s.ring.DomainKey(ctx, dkv)
	if err != nil {
		return 0, nil, dependencyError("opening the domain key", err)
	}
	return dkv, dk, nil
}

// withPrivateKey runs fn with the unwrapped private key of an asymmetric key's current
// version, from the cache or, on a miss, unwrapped by this node's HSM.
func (s *Service) withPrivateKey(ctx context.Context, ks keySnapshot, fn func(*wrap.PrivateKey) error) error {
	alg := keySpecs[ks.spec].alg
	ver := ks.current
	load := func() (*wrap.PrivateKey, error) {
		pk, err := wrap.OpenPrivateKey(s.domainKeys(ctx), alg, ks.id, ver.Version, ver.Token)
		if err != nil {
			return nil, dependencyError("unwrapping the key", err)
		}
		return pk, nil
	}
	return s.cache.WithPrivateKey(wrap.CacheKey{ID: ks.id, Version: ver.Version}, load, fn)
}

// withHMACKey runs fn with the unwrapped key of an HMAC key's current version.
func (s *Service) withHMACKey(ctx context.Context, ks keySnapshot, fn func(*wrap.HMACKey) error) error {
	size := keySpecs[ks.spec].hmacSize
	ver := ks.current
	load := func() (*wrap.HMACKey, error) {
		hk, err := wrap.OpenHMACKey(s.domainKeys(ctx), ks.id, ver.Version, size, ver.Token)
		if err != nil {
			return nil, dependencyError("unwrapping the key", err)
		}
		return hk, nil
	}
	return s.cache.WithHMACKey(wrap.CacheKey{ID: ks.id, Version: ver.Version}, load, fn)
}

// keyFor resolves ref (aliases allowed) to a usable key whose usage is usage: the checks every
// asymmetric and HMAC operation starts with. op names the operation in messages.
func (s *Service) keyFor(ctx context.Context, ref, usage, op string) (keySnapshot, error) {
	ks, err := s.usableRef(ctx, ref)
	if err != nil {
		return keySnapshot{}, err
	}
	if ks.usage != usage {
		return keySnapshot{}, errorf(ErrInvalidKeyUsage, "%s key usage is %s which is not valid for %s.", s.KeyARN(ks.id), ks.usage, op)
	}
	return ks, nil
}
