package domain

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// Proposer commits an encoded command to the replicated log and returns the error Apply gave
// for it. When Propose returns, the command has been applied to the local State. A Proposer that
// loses leadership mid-call reports an error although the command may still commit: every command
// is therefore built so that proposing it twice has the effect of proposing it once.
type Proposer interface {
	Propose(ctx context.Context, cmd []byte) error
}

// Keyring opens domain key versions held in this node's HSM. DomainKey must be safe for
// concurrent use and cheap after the first call for a version (the HSM object handle is kept).
// ctx is the request's: a first call for a version may look the key up in the HSM, or install
// it there, and should give up when the caller does.
type Keyring interface {
	DomainKey(ctx context.Context, version uint32) (wrap.AEAD, error)
}

// Config configures a Service.
type Config struct {
	ARNs ARNs
	// Cache keeps unwrapped backing keys so that the data plane makes no HSM call per request.
	// Its size and TTL bound how much key material sits in memory (DESIGN invariant 5).
	Cache *wrap.Cache
	// Now is the clock; nil means time.Now. Tests move it to expire deletion windows and
	// rotation periods.
	Now func() time.Time
	// Random fills GenerateRandom responses; nil means crypto/rand. Production wires the HSM's
	// generator, as AWS KMS draws GenerateRandom from its HSMs.
	Random func(ctx context.Context, n int) ([]byte, error)
	Logger *slog.Logger
	// CatchUp, when set, returns once this replica has applied every write the cluster had
	// acknowledged when it was called (a read index from the leader). The service calls it only
	// before answering that a key or alias does not exist.
	CatchUp func(ctx context.Context) error
	// NodeID names this node among the domain's members; HSM does this node's ceremony work
	// (service_ceremony.go). Both may be empty on nodes that never run ceremonies (tests).
	NodeID   string
	NodeAddr string
	HSM      CeremonyHSM
	// BootstrapOperators and RecoveryOperators are the operator keys this node trusts before
	// it has a domain (service_trust.go): the only keys that may propose the domain's init, and
	// the only ones whose approvals make a domain token importable. Both come from local
	// configuration, never from a request.
	BootstrapOperators []ed25519.PublicKey
	RecoveryOperators  []ed25519.PublicKey
	// TLSPin is the SHA-256 of this node's peer TLS certificate's SubjectPublicKeyInfo, recorded
	// as the first member's pin at init and shown to operators for admission (Member.TLSPin).
	// Empty without peer TLS.
	TLSPin []byte
}

// Service implements the KMS operations over a State. It is safe for concurrent use.
type Service struct {
	st    *State
	prop  Proposer
	ring  Keyring
	cfg   Config
	cache *wrap.Cache
	creds *credCache
	// sessions caches verified STS role sessions (service_sts_auth.go).
	sessions *sessionCache
	// managedMu serialises the lazy creation of managed keys (ManagedKey).
	managedMu sync.Mutex
	log       *slog.Logger
	execFail  execFailures  // the last ceremony execution failure (service_ceremony_failure.go)
	idents    identityCache // IAM users' callers and access keys' last use (service_iam_auth.go)
}

// NewService returns a Service over st. Writes go through prop; keys are opened with ring.
func NewService(st *State, prop Proposer, ring Keyring, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Cache == nil {
		cfg.Cache = wrap.NewCache(0, 0)
	}
	s := &Service{st: st, prop: prop, ring: ring, cfg: cfg, cache: cfg.Cache, creds: newCredCache(1024, 10*time.Minute), log: cfg.Logger}
	s.sessions = newSessionCache()
	// Purge cached key material the moment any replica applies a change that makes a key
	// unusable, instead of waiting for the TTL.
	st.setKeyChanged(func(id wrap.KeyID) { s.cache.Purge(id) })
	return s
}

// State returns the state the service reads.
func (s *Service) State() *State { return s.st }

// ARNs returns the ARN builder.
func (s *Service) ARNs() ARNs { return s.cfg.ARNs }

// now returns the service clock, truncated to milliseconds: timestamps go into commands and
// onto the wire, where AWS uses millisecond precision.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Millisecond) }

// proposeSealed proposes a command that carries material sealed under the current domain key,
// building it afresh for each attempt. If a domain key rotation commits between sealing and
// applying, Apply refuses the command (ErrStaleDomainKey); the service then catches up with the
// cluster, so that build sees the new current version, and tries again.
func (s *Service) proposeSealed(ctx context.Context, build func() ([]byte, error)) error {
	const attempts = 3
	for i := 1; ; i++ {
		cmd, err := build()
		if err != nil {
			return err
		}
		err = s.propose(ctx, cmd)
		if !errors.Is(err, ErrStaleDomainKey) || i == attempts {
			return err
		}
		if s.cfg.CatchUp != nil {
			if err := s.cfg.CatchUp(ctx); err != nil {
				return dependencyError("catching up with the cluster", err)
			}
		}
	}
}

func (s *Service) propose(ctx context.Context, cmd []byte) error {
	err := s.prop.Propose(ctx, cmd)
	var de *Error
	if err == nil || errors.As(err, &de) {
		return err
	}
	return dependencyError("writing to the cluster", err)
}

// keySnapshot is what a data-plane call needs of a key, copied out of the state lock.
type keySnapshot struct {
	id       wrap.KeyID
	state    KeyState
	spec     string
	usage    string
	current  KeyVersion
	versions []KeyVersion // only filled when asked for
}

// resolve finds the key ref names in the caller's account and authorizes the operation in
// progress on it (authz_keys.go). Aliases are accepted only where AWS accepts them. A bare key
// id or alias is looked up in the caller's account only; a key or alias ARN of another account
// is refused (AccessDeniedException) before anything is looked up.
func (s *Service) resolve(ctx context.Context, ref string, allowAlias bool) (wrap.KeyID, error) {
	r, err := s.cfg.ARNs.parseKeyRef(ref)
	if err != nil {
		return wrap.KeyID{}, err
	}
	if r.alias != "" && !allowAlias {
		return wrap.KeyID{}, errorf(ErrNotFound, "Alias is not allowed here: specify the key with its key ID or key ARN, not '%s'", ref)
	}
	account := s.CallerAccount(ctx)
	if other := keyRefAccount(ref); other != "" {
		account = other // the caller's own, or any for keyhold's own work
	}
	// keyhold's own work without a caller may name any account's key by its bare id; with a
	// caller (work done for it, such as SSE-S3) it stays within the caller's account.
	_, hasCaller := CallerFrom(ctx)
	anyAccount := IsSystem(ctx) && !hasCaller && keyRefAccount(ref) == ""
	var id wrap.KeyID
	found := s.lookup(ctx, func(v *View) bool {
		if r.alias != "" {
			if a := v.AliasIn(account, r.alias); a != nil {
				id = a.KeyID
				return true
			}
			return false
		}
		id = r.id
		k := v.Key(r.id)
		// Another account's key is not found by its bare id, as in AWS.
		return k != nil && (anyAccount || v.KeyAccount(k) == account)
	})
	arns := s.cfg.ARNs.In(account)
	if !found {
		// A key or alias ARN of another account that names nothing is refused as a key that
		// exists but is not shared would be: whether another account has a key is not
		// disclosed.
		a, _ := ctx.Value(accessKey{}).(keyAccess)
		if err := s.refuseForeignRef(ctx, a, ref, s.CallerAccount(ctx)); err != nil {
			return wrap.KeyID{}, err
		}
		if r.alias != "" {
			return wrap.KeyID{}, errorf(ErrNotFound, "Alias %s is not found.", arns.Alias(r.alias))
		}
		return wrap.KeyID{}, errorf(ErrNotFound, "Key '%s' does not exist", arns.Key(r.id))
	}
	if err := s.authorizeKey(ctx, id, r.alias); err != nil {
		return wrap.KeyID{}, err
	}
	return id, nil
}

// catchUpTimeout bounds how long a lookup that found nothing waits for this replica to catch up.
const catchUpTimeout = 4 * time.Second

// lookup runs find against the local replica. When it finds nothing and the service has a
// CatchUp, it brings the replica up to date with everything the cluster acknowledged and looks
// once more: a key created through another node is then usable here as soon as CreateKey
// returned there. Only the not-found path pays for the round trip to the leader. The wait is
// bounded by catchUpTimeout and by ctx: a client that gives up stops the catch-up too.
func (s *Service) lookup(ctx context.Context, find func(v *View) bool) bool {
	var found bool
	s.st.View(func(v *View) { found = find(v) })
	if found || s.cfg.CatchUp == nil {
		return found
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	if err := s.cfg.CatchUp(ctx); err != nil {
		s.log.Debug("catching up before answering not found", "err", err)
		return false
	}
	s.st.View(func(v *View) { found = find(v) })
	return found
}

// snapshotKey copies the fields of key id the data plane needs.
func (s *Service) snapshotKey(ctx context.Context, id wrap.KeyID, withVersions bool) (keySnapshot, bool) {
	var ks keySnapshot
	ok := s.lookup(ctx, func(v *View) bool { return v.Key(id) != nil })
	if !ok {
		return ks, false
	}
	s.st.View(func(v *View) {
		k := v.Key(id)
		if k == nil {
			ok = false
			return
		}
		ks = keySnapshot{id: k.ID, state: k.State, spec: k.KeySpec, usage: k.KeyUsage, current: k.Current()}
		if withVersions {
			ks.versions = append([]KeyVersion(nil), k.Versions...)
		}
	})
	return ks, ok
}

// describe returns a deep copy of key id for a control-plane response.
func (s *Service) describe(id wrap.KeyID) (*Key, error) {
	var out *Key
	s.st.View(func(v *View) {
		if k := v.Key(id); k != nil {
			out = k.clone()
			// A managed key an earlier version made reads as one before it is marked.
			out.AWSManaged = v.awsManaged(k)
		}
	})
	if out == nil {
		return nil, errorf(ErrNotFound, "Key '%s' does not exist", s.KeyARN(id))
	}
	return out, nil
}

// usable checks that a key may be used for a symmetric cryptographic operation now.
func (s *Service) usable(ks keySnapshot) error {
	if err := s.usableState(ks); err != nil {
		return err
	}
	if ks.usage != KeyUsageEncryptDecrypt || ks.spec != KeySpecSymmetricDefault {
		return errorf(ErrInvalidKeyUsage, "%s key usage is %s, spec %s: it cannot be used for this operation.", s.KeyARN(ks.id), ks.usage, ks.spec)
	}
	return nil
}

// usableState checks that a key's state allows cryptographic use now.
func (s *Service) usableState(ks keySnapshot) error {
	switch ks.state {
	case KeyStateEnabled:
	case KeyStateDisabled:
		return errorf(ErrDisabled, "%s is disabled.", s.KeyARN(ks.id))
	case KeyStatePendingDeletion:
		return errorf(ErrInvalidState, "%s is pending deletion.", s.KeyARN(ks.id))
	default:
		return errorf(ErrInvalidState, "%s is not usable in state %s.", s.KeyARN(ks.id), ks.state)
	}
	return nil
}

// withBackingKey runs fn with the unwrapped backing key of version ver of key id, from the cache
// or, on a miss, unwrapped by this node's HSM.
func (s *Service) withBackingKey(ctx context.Context, id wrap.KeyID, ver KeyVersion, fn func(*wrap.BackingKey) error) error {
	load := func() (*wrap.BackingKey, error) {
		bk, err := wrap.OpenBackingKey(s.domainKeys(ctx), id, ver.Version, ver.Token)
		if err != nil {
			return nil, dependencyError("unwrapping the key", err)
		}
		return bk, nil
	}
	return s.cache.With(wrap.CacheKey{ID: id, Version: ver.Version}, load, fn)
}

// domainKeys returns the keyring's DomainKey bound to ctx, in the shape package wrap takes.
func (s *Service) domainKeys(ctx context.Context) func(uint32) (wrap.AEAD, error) {
	return func(v uint32) (wrap.AEAD, error) { return s.ring.DomainKey(ctx, v) }
}

// random returns n random bytes from the configured source.
func (s *Service) random(ctx context.Context, n int) ([]byte, error) {
	if s.cfg.Random != nil {
		b, err := s.cfg.Random(ctx, n)
		if err != nil {
			return nil, dependencyError("generating random bytes", err)
		}
		return b, nil
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, dependencyError("generating random bytes", err)
	}
	return b, nil
}

// sealNewVersion makes a fresh backing key and seals it under the current domain key: the one HSM
// call a key version costs, made before proposing so that Apply stays free of HSM calls.
func (s *Service) sealNewVersion(ctx context.Context, id wrap.KeyID, version uint32, at time.Time, rot RotationType) (KeyVersion, error) {
	var dkv uint32
	s.st.View(func(v *View) {
		if d := v.Domain(); d != nil {
			dkv = d.CurrentDK
		}
	})
	if dkv == 0 {
		return KeyVersion{}, errorf(ErrNoDomain, "the key domain is not initialised: run the domain init ceremony first")
	}
	dk, err := s.ring.DomainKey(ctx, dkv)
	if err != nil {
		return KeyVersion{}, dependencyError("opening the domain key", err)
	}
	bk, err := wrap.NewBackingKey()
	if err != nil {
		return KeyVersion{}, dependencyError("generating key material", err)
	}
	defer bk.Destroy()
	tok, err := wrap.SealBackingKey(dk, dkv, id, version, bk)
	if err != nil {
		return KeyVersion{}, dependencyError("wrapping the key", err)
	}
	return KeyVersion{Version: version, DKVersion: dkv, Token: tok, CreatedAt: at, Rotation: rot}, nil
}
