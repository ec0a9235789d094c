package domain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/wrap"
)

// STS sealing keys seal session tokens. Each is 32 random bytes kept in the principal registry
// as one more credential record (sealed under the domain key with wrap.KindCredential, bound to
// its reserved id), so it is replicated, snapshotted, re-wrapped on domain-key rotation and
// opened through the credential cache exactly as access keys are, and never leaves the process
// unsealed. Their ids are reserved: Authenticate refuses them as access keys before any lookup.
//
// There is one sealing key per domain key version, made by the first AssumeRole under that
// version, and a token names the version it was sealed with. Rotating the domain key therefore
// rotates the sealing key too, and the old one is retired on a schedule: once a newer key
// exists, an old-key token is accepted only if it expires within the longest session (12 hours,
// plus skew) of the newer key's creation. Sessions made before the rotation run out normally; a
// stolen old key mints nothing usable after that.
const (
	stsKeyPrefix = "KHSTS"
	stsKeyName   = "keyhold STS session sealing key"
	// stsKeyOverlap is how long after a newer key exists an old key's sessions may still run.
	stsKeyOverlap = time.Duration(iam.MaxRoleSession)*time.Second + stsClockSkew
	// stsClockSkew tolerates clocks of nodes that minted a token slightly ahead of this one.
	stsClockSkew = 5 * time.Minute
)

// isSTSKeyRecord reports whether a registry record is a sealing key rather than an access key:
// such a record has no user, and the access-key API, which reads "no user" as "the root's",
// must neither list, count, change nor delete it.
func isSTSKeyRecord(p *Principal) bool { return strings.HasPrefix(p.AccessKeyID, stsKeyPrefix) }

// stsKeyID is the reserved registry id of the sealing key of domain key version v.
func stsKeyID(v uint32) string { return fmt.Sprintf("KHSTSSESSIONKEY%05d", v) }

// stsMintKey returns the sealing key new sessions use (the current domain key version's),
// making it if this is the first session under that version. The caller clears the key.
func (s *Service) stsMintKey(ctx context.Context) ([]byte, uint32, error) {
	for attempt := 0; ; attempt++ {
		var dkv uint32
		exists := false
		s.st.View(func(v *View) {
			if d := v.Domain(); d != nil {
				dkv = d.CurrentDK
				exists = v.Principal(stsKeyID(dkv)) != nil
			}
		})
		if dkv == 0 {
			return nil, 0, errorf(ErrNoDomain, "the key domain is not initialised")
		}
		if exists {
			// A record made concurrently by another node wins: every node reads the key back
			// from the replicated state rather than trusting what it generated.
			key, err := s.openSTSKey(ctx, dkv)
			return key, dkv, err
		}
		if attempt == 2 {
			return nil, 0, dependencyError("making the STS session key", errors.New("the domain key kept rotating"))
		}
		if err := s.createSTSKey(ctx); err != nil && !errors.Is(err, ErrAlreadyExists) {
			return nil, 0, err
		}
	}
}

// stsVerifyKey returns the sealing key of version kv and, when a newer key exists, the time
// after which no token of kv may expire (zero otherwise); an invalid-token error when there is
// no such key.
func (s *Service) stsVerifyKey(ctx context.Context, kv uint32) ([]byte, time.Time, error) {
	look := func() (exists bool, retiredAfter time.Time) {
		s.st.View(func(v *View) {
			exists = v.Principal(stsKeyID(kv)) != nil
			d := v.Domain()
			if !exists || d == nil {
				return
			}
			for n := kv + 1; n > kv && n <= d.CurrentDK; n++ {
				if p := v.Principal(stsKeyID(n)); p != nil {
					retiredAfter = p.CreatedAt.Add(stsKeyOverlap)
					return
				}
			}
		})
		return exists, retiredAfter
	}
	exists, retiredAfter := look()
	if !exists && s.cfg.CatchUp != nil && s.sessions.mayCatchUp(s.cfg.Now()) {
		// A session minted through another node just after that node made a sealing key may
		// arrive before this node applied the key's record. Rate-limited: without the key
		// nothing can verify the token, so anyone could ask for this round trip.
		if err := s.cfg.CatchUp(ctx); err == nil {
			exists, retiredAfter = look()
		}
	}
	if !exists {
		return nil, time.Time{}, errInvalidToken()
	}
	key, err := s.openSTSKey(ctx, kv)
	return key, retiredAfter, err
}

func (s *Service) openSTSKey(ctx context.Context, v uint32) ([]byte, error) {
	sec, _, err := s.SecretKey(ctx, stsKeyID(v))
	if err != nil {
		return nil, err
	}
	if len(sec) != 32 {
		clear(sec)
		return nil, dependencyError("opening the STS session key", errors.New("sealed key has the wrong length"))
	}
	return sec, nil
}

// createSTSKey makes the sealing key of the current domain key version.
func (s *Service) createSTSKey(ctx context.Context) error {
	key := make([]byte, 32)
	defer clear(key)
	if _, err := rand.Read(key); err != nil {
		return dependencyError("generating the STS session key", err)
	}
	created := s.now()
	return s.proposeSealed(ctx, func() ([]byte, error) {
		dkv, dk, err := s.currentDomainKey(ctx)
		if err != nil {
			return nil, err
		}
		id := stsKeyID(dkv)
		tok, err := wrap.SealKeyToken(dk, dkv, wrap.KindCredential, []byte(id), key)
		if err != nil {
			return nil, dependencyError("wrapping the STS session key", err)
		}
		p := Principal{AccessKeyID: id, Name: stsKeyName, DKVersion: dkv, Token: tok, CreatedAt: created}
		return encode(cmdCreatePrincipal, createPrincipalCmd{Principal: p}), nil
	})
}
