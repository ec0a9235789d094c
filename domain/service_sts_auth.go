package domain

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/domain/ststoken"
)

// isSessionKeyID reports whether an access key id is a session's (ASIA...).
func isSessionKeyID(id string) bool { return strings.HasPrefix(id, "ASIA") }

// errInvalidToken is AWS's answer to a credential it does not recognise; the API layer maps
// ErrAccessDenied from Authenticate to InvalidClientTokenId.
func errInvalidToken() error {
	return errorf(ErrAccessDenied, "The security token included in the request is invalid.")
}

// authenticateSession verifies a role session's access key: its token must open under the
// session key for this access key id, be unexpired, and name a role that still exists with
// the same id. A verified session is cached (by access key id and token digest, valid while
// the identity model is unchanged), so a request of a known session costs no decryption, no
// parsing and no HSM call; expiry is checked on every request.
func (s *Service) authenticateSession(ctx context.Context, accessKeyID, token string) ([]byte, *Caller, error) {
	if token == "" || len(token) > ststoken.MaxTokenLen {
		return nil, nil, errInvalidToken()
	}
	sum := sha256.Sum256([]byte(token))
	var gen uint64
	s.st.View(func(v *View) { gen = v.IAM().Generation() })
	now := s.cfg.Now()
	if e, ok := s.sessions.get(accessKeyID, sum, gen); ok {
		if !now.Before(e.expires) {
			clear(e.secret)
			return nil, nil, errorf(ErrExpiredToken, "The security token included in the request is expired")
		}
		return e.secret, e.caller, nil
	}
	kv, ok := ststoken.KeyVersion(token)
	if !ok {
		return nil, nil, errInvalidToken()
	}
	key, retiredAfter, err := s.stsVerifyKey(ctx, kv)
	if err != nil {
		return nil, nil, err
	}
	c, err := ststoken.Open(key, accessKeyID, token)
	clear(key)
	if err != nil {
		return nil, nil, errInvalidToken()
	}
	// What AssumeRole never writes: a session longer than the longest, one issued in the
	// future, or one of a retired sealing key outliving the retirement (a stolen old key mints
	// nothing usable).
	if c.Expires.Sub(c.Issued) > time.Duration(iam.MaxRoleSession)*time.Second || c.Issued.After(now.Add(stsClockSkew)) ||
		!retiredAfter.IsZero() && c.Expires.After(retiredAfter) {
		return nil, nil, errInvalidToken()
	}
	if !now.Before(c.Expires) {
		return nil, nil, errorf(ErrExpiredToken, "The security token included in the request is expired")
	}
	caller, gen, err := s.sessionCaller(c)
	if err != nil && s.cfg.CatchUp != nil && now.Sub(c.Issued) < sessionCatchUpWindow {
		// A session minted through another node moments ago, for a role created there just
		// before: catch up once. Older sessions of a missing role are simply dead, and cost no
		// round trip however often they are replayed.
		if cerr := s.cfg.CatchUp(ctx); cerr == nil {
			caller, gen, err = s.sessionCaller(c)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	secret := []byte(c.Secret)
	s.sessions.put(accessKeyID, sum, gen, c.Expires, secret, caller)
	return secret, caller, nil
}

// sessionCaller resolves a session's role and builds its caller: the role's policies as its
// identity policies, the session policies, and the role's tags overridden by the session's.
func (s *Service) sessionCaller(c *ststoken.Claims) (*Caller, uint64, error) {
	var role *iam.Role
	var identity, session []*policy.Policy
	var gen uint64
	missing := false
	s.st.View(func(v *View) {
		st := v.IAM()
		gen = st.Generation()
		role = st.Role(c.Account, c.RoleName)
		if role == nil || subtle.ConstantTimeCompare([]byte(role.ID), []byte(c.RoleID)) != 1 {
			role = nil
			return
		}
		identity = st.RolePolicies(role)
		for _, arn := range c.PolicyARNs {
			mp := st.ManagedPolicyByARN(role.Account, arn)
			if mp == nil || mp.Default() == nil || mp.Default().Compiled() == nil {
				missing = true
				continue
			}
			session = append(session, mp.Default().Compiled())
		}
	})
	if role == nil {
		// Deleted (or deleted and created again, with a new id): its sessions end with it.
		return nil, 0, errInvalidToken()
	}
	if c.Policy != "" {
		p, err := iam.Compile(c.Policy, iam.KindSession, "session policy")
		if err != nil {
			missing = true
		} else {
			session = append(session, p)
		}
	}
	if missing {
		// A session policy that no longer resolves must not widen the session: it allows
		// nothing, so the session keeps only what its other session policies allow — here,
		// nothing at all.
		session = append(session, denyAllSessionPolicy)
	}
	tags := make(map[string]string, len(role.Tags)+len(c.Tags))
	for _, t := range role.Tags {
		tags[t.Key] = t.Value
	}
	for _, t := range c.Tags {
		for k := range tags {
			if strings.EqualFold(k, t.Key) {
				delete(tags, k)
			}
		}
		tags[t.Key] = t.Value
	}
	var transitive []iam.Tag
	for _, t := range c.Tags {
		for _, k := range c.Transitive {
			if strings.EqualFold(k, t.Key) {
				transitive = append(transitive, iam.Tag{Key: t.Key, Value: t.Value})
				break
			}
		}
	}
	caller := &Caller{
		Principal: policy.Principal{Type: policy.PrincipalAssumedRole, ARN: s.sessionARN(c.Account, c.RoleName, c.SessionName),
			Account: c.Account, UserID: c.RoleID + ":" + c.SessionName, RoleARN: s.RoleARN(role), Tags: tags},
		AccessKeyID: c.AccessKeyID,
		Identity:    identity,
		Session:     session,
		Transitive:  transitive,
	}
	return caller, gen, nil
}

// denyAllSessionPolicy stands in for a session policy that no longer resolves.
var denyAllSessionPolicy = func() *policy.Policy {
	p, err := policy.Parse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`,
		policy.ParseOptions{Kind: policy.KindSession, MaxLength: 2048, Name: "unresolved session policy"})
	if err != nil {
		panic(err)
	}
	return p
}()

// sessionCache keeps verified sessions. Bounded; zeroes the secrets it drops.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]*sessionEntry
	// caughtUp is when a missing sealing key last made this node catch up.
	caughtUp time.Time
}

// mayCatchUp allows one catch-up per second for a missing sealing key.
func (c *sessionCache) mayCatchUp(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.caughtUp) < time.Second && !now.Before(c.caughtUp) {
		return false
	}
	c.caughtUp = now
	return true
}

type sessionEntry struct {
	sum     [32]byte
	gen     uint64
	expires time.Time
	secret  []byte
	caller  *Caller
}

const sessionCacheMax = 4096

// sessionCatchUpWindow is how young a session must be for a missing role to make this node
// catch up with the cluster before refusing it.
const sessionCatchUpWindow = 2 * time.Minute

func newSessionCache() *sessionCache { return &sessionCache{entries: make(map[string]*sessionEntry)} }

// get returns a copy of the secret and the caller of a session verified under the same
// identity model generation with the same token.
func (c *sessionCache) get(id string, sum [32]byte, gen uint64) (sessionEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.gen != gen || subtle.ConstantTimeCompare(e.sum[:], sum[:]) != 1 {
		return sessionEntry{}, false
	}
	out := *e
	out.secret = append([]byte(nil), e.secret...)
	return out, true
}

func (c *sessionCache) put(id string, sum [32]byte, gen uint64, expires time.Time, secret []byte, caller *Caller) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[id]; ok {
		clear(old.secret)
	} else if len(c.entries) >= sessionCacheMax {
		for k, e := range c.entries {
			clear(e.secret)
			delete(c.entries, k)
			break
		}
	}
	c.entries[id] = &sessionEntry{sum: sum, gen: gen, expires: expires, secret: append([]byte(nil), secret...), caller: caller}
}
