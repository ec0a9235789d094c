package domain

import (
	"encoding/json"
	"fmt"
	"time"
)

// Apply applies one encoded command and returns its outcome: nil, or an error for the proposer.
// It is deterministic: the same commands in the same order give the same state on every node.
// A command that fails its checks changes nothing. Apply panics on an undecodable command or an
// unknown type byte, because committed bytes that a node cannot interpret mean it is running
// code older than its peers, and continuing would diverge.
func (s *State) Apply(cmd []byte) error {
	if len(cmd) == 0 {
		panic("domain: apply: empty command")
	}
	t, body := CommandType(cmd[0]), cmd[1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	switch t {
	case cmdInitDomain:
		return applyJSON(body, s.applyInitDomain)
	case cmdCreateKey:
		return applyJSON(body, s.applyCreateKey)
	case cmdUpdateDescription:
		return applyJSON(body, s.applyUpdateDescription)
	case cmdSetEnabled:
		return applyJSON(body, s.applySetEnabled)
	case cmdScheduleDeletion:
		return applyJSON(body, s.applyScheduleDeletion)
	case cmdCancelDeletion:
		return applyJSON(body, s.applyCancelDeletion)
	case cmdDeleteKey:
		return applyJSON(body, s.applyDeleteKey)
	case cmdCreateAlias:
		return applyJSON(body, s.applyCreateAlias)
	case cmdUpdateAlias:
		return applyJSON(body, s.applyUpdateAlias)
	case cmdDeleteAlias:
		return applyJSON(body, s.applyDeleteAlias)
	case cmdSetRotation:
		return applyJSON(body, s.applySetRotation)
	case cmdRotateKey:
		return applyJSON(body, s.applyRotateKey)
	case cmdTagKey:
		return applyJSON(body, s.applyTagKey)
	case cmdUntagKey:
		return applyJSON(body, s.applyUntagKey)
	case cmdCreatePrincipal:
		return applyJSON(body, s.applyCreatePrincipal)
	case cmdCreateBucket:
		return applyJSON(body, s.applyCreateBucket)
	case cmdDeleteBucket:
		return applyJSON(body, s.applyDeleteBucket)
	case cmdPutBucketEncryption:
		return applyJSON(body, s.applyPutBucketEncryption)
	case cmdSubmitProposal:
		return applyJSON(body, s.applySubmitProposal)
	case cmdApproveProposal:
		return applyJSON(body, s.applyApproveProposal)
	case cmdExecuteProposal:
		return applyJSON(body, s.applyExecuteProposal)
	case cmdExpireProposals:
		return applyJSON(body, s.applyExpireProposals)
	case cmdRewrap:
		return applyJSON(body, s.applyRewrap)
	case cmdImportDomain:
		return applyJSON(body, s.applyImportDomain)
	default:
		panic(fmt.Sprintf("domain: apply: unknown command type %d", t))
	}
}

func applyJSON[T any](body []byte, fn func(*T) error) error {
	var c T
	if err := json.Unmarshal(body, &c); err != nil {
		panic(fmt.Sprintf("domain: apply: undecodable %T: %v", c, err))
	}
	return fn(&c)
}

func (s *State) applyInitDomain(c *initDomainCmd) error {
	if s.domain != nil {
		if s.domain.ID == c.ID {
			return nil // a retried proposal
		}
		return errorf(ErrAlreadyExists, "the domain is already initialised")
	}
	s.domain = &Domain{
		ID:         c.ID,
		CreatedAt:  c.At,
		DKVersions: []DomainKeyVersion{c.DK},
		CurrentDK:  c.DK.Version,
		Operators:  c.Operators,
		Quorum:     c.Quorum,
		Members:    []Member{c.Member},
		Epoch:      1,
		Rules:      c.Rules,
	}
	return nil
}

func (s *State) applyCreatePrincipal(c *createPrincipalCmd) error {
	p := c.Principal
	if old, ok := s.principals[p.AccessKeyID]; ok {
		if old.CreatedAt.Equal(p.CreatedAt) {
			return nil
		}
		return errorf(ErrAlreadyExists, "access key %s already exists", p.AccessKeyID)
	}
	if err := s.checkCurrentDK(p.DKVersion); err != nil {
		return err
	}
	s.principals[p.AccessKeyID] = &p
	return nil
}

// checkCurrentDK refuses material sealed under any domain key version but the current one. A
// write sealed before a rotation and applied after it would otherwise land behind the re-wrap's
// cursor, or after the old version retired, and keep a retired key in use.
func (s *State) checkCurrentDK(dkv uint32) error {
	if s.domain == nil {
		return errorf(ErrNoDomain, "the key domain is not initialised")
	}
	if dkv != s.domain.CurrentDK {
		return errorf(ErrStaleDomainKey, "the domain key was rotated while this request was in flight; retry")
	}
	return nil
}

// liveKey returns the key for a command that needs it to exist.
func (s *State) liveKey(id [16]byte) (*Key, error) {
	k := s.keys[id]
	if k == nil {
		return nil, errorf(ErrNotFound, "Key '%s' does not exist", s.arn.Key(id))
	}
	return k, nil
}

// notPendingDeletion is the check most writes share: a key scheduled for deletion accepts only
// CancelKeyDeletion (and reads).
func (s *State) notPendingDeletion(k *Key) error {
	if k.State == KeyStatePendingDeletion {
		return errorf(ErrInvalidState, "%s is pending deletion.", s.arn.Key(k.ID))
	}
	return nil
}

func sameInstant(a, b time.Time) bool { return a.Equal(b) }
