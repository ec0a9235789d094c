package domain

import (
	"strings"
	"sync"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// identityCache keeps, per IAM user, the Caller its access keys authenticate as: the user's
// ARN, id and tags and its effective identity policies, compiled. Deriving them walks the
// user's groups and attached policies; doing it once per model generation (iam.Store.Generation
// changes with every applied identity command) rather than per request keeps authorization
// free of that work. It also remembers when each access key was last used on this node.
type identityCache struct {
	mu    sync.RWMutex // guards gen and users: read on every request, written once per change
	gen   uint64
	users map[string]*Caller
	// usedMu guards used, apart from mu so that noting a use never waits for a derivation.
	usedMu sync.Mutex
	used   map[string]KeyUse
}

// KeyUse is the last use of an access key seen by this node: when, which service, which
// region. The zero value means no use seen.
type KeyUse struct {
	At      time.Time
	Service string
	Region  string
}

// maxKeyUses bounds the last-use memory: one entry per access key ever used on this node,
// which the registry's size already bounds; the cap is a backstop.
const maxKeyUses = 100000

func (c *identityCache) noteUse(accessKeyID, service, region string, at time.Time) {
	c.usedMu.Lock()
	defer c.usedMu.Unlock()
	if c.used == nil {
		c.used = make(map[string]KeyUse)
	}
	if _, ok := c.used[accessKeyID]; !ok && len(c.used) >= maxKeyUses {
		return
	}
	if old := c.used[accessKeyID]; at.After(old.At) {
		c.used[accessKeyID] = KeyUse{At: at.UTC(), Service: service, Region: region}
	}
}

func (c *identityCache) lastUse(accessKeyID string) KeyUse {
	c.usedMu.Lock()
	defer c.usedMu.Unlock()
	return c.used[accessKeyID]
}

// userCaller returns the caller template of user of account (nil when there is no such user:
// its key is refused). The template is shared and immutable; Authenticate copies it.
func (s *Service) userCaller(account, user string) *Caller {
	var c *Caller
	key := account + "/" + strings.ToLower(user)
	s.st.View(func(v *View) {
		st := v.IAM()
		gen := st.Generation()
		// Fast path: derived already for this generation (a shared lock: requests do not
		// serialise here).
		s.idents.mu.RLock()
		if s.idents.gen == gen && s.idents.users != nil {
			c = s.idents.users[key]
		}
		s.idents.mu.RUnlock()
		if c != nil {
			return
		}
		u := st.User(account, user)
		if u == nil {
			return
		}
		c = newUserCaller(st, u)
		s.idents.mu.Lock()
		defer s.idents.mu.Unlock()
		// The state's read lock is held, so no command applied since gen was read: the
		// derivation belongs to gen.
		if s.idents.users == nil || s.idents.gen != gen {
			s.idents.users, s.idents.gen = make(map[string]*Caller), gen
		}
		s.idents.users[key] = c
	})
	return c
}

func newUserCaller(st *iam.Store, u *iam.User) *Caller {
	var tags map[string]string
	if len(u.Tags) > 0 {
		tags = make(map[string]string, len(u.Tags))
		for _, t := range u.Tags {
			tags[t.Key] = t.Value
		}
	}
	return &Caller{
		Principal: policy.Principal{Type: policy.PrincipalUser, ARN: st.UserARN(u), Account: u.Account, UserID: u.ID, Tags: tags},
		Identity:  st.UserPolicies(u),
	}
}

// NoteUse records that the request this caller made was authenticated, for
// GetAccessKeyLastUsed: service is the SigV4 scope's service ("kms", "s3", "iam"). The API
// layer calls it once the signature verified (an unverified request never counts as a use).
func (c *Caller) NoteUse(service string) {
	if c.onUse != nil {
		c.onUse(service, c.Region, c.Time)
	}
}

// drop forgets a deleted key's secret at once rather than at its TTL.
func (c *credCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[id]; ok {
		clear(e.secret)
		delete(c.entries, id)
	}
}
