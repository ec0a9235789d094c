package domain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// Apply applies one encoded command and returns its outcome: nil, or an error for the proposer.
// It is deterministic: the same commands in the same order give the same state on every node.
// A command that fails its checks changes nothing.
//
// Apply never panics on committed bytes. A command that cannot be decoded (empty, a type byte
// keyhold never assigns, a body that is not its type's JSON object) is rejected the same way on
// every replica: an *Error of kind ErrValidation whose cause is ErrRejectedCommand, and no state
// change (RejectedCommand reports it). A type in the assigned range that this version does not
// know is ErrNewerCommand (NewerCommand reports it): the caller must halt the node, which cannot
// follow a log written by a newer keyhold (see CommandType).
func (s *State) Apply(cmd []byte) (err error) {
	if len(cmd) == 0 {
		return rejected("an empty command")
	}
	t, body := CommandType(cmd[0]), cmd[1:]
	switch {
	case t == cmdInvalid || t > cmdReservedMax:
		return rejected(fmt.Sprintf("type byte 0x%02x is never assigned", byte(t)))
	case t > cmdLast:
		return fmt.Errorf("%w: type %d (this version knows types 1 to %d)", ErrNewerCommand, t, cmdLast)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		// Defence in depth: fuzzing finds no panic, but a bug that panics on some committed
		// command must not crash-loop every replica replaying it. A runtime panic is as
		// deterministic as the code that raised it, so every replica rejects the same entry.
		if r := recover(); r != nil {
			err = rejected(fmt.Sprintf("applying type %d panicked: %v", t, r))
		}
	}()
	c, ok := commands[t]
	if !ok {
		// Unreachable while every type up to cmdLast has an entry; kept so a gap is a rejection.
		return rejected(fmt.Sprintf("type %d has no handler", t))
	}
	return c.apply(s, body)
}

// applyJSON decodes body as a T and applies it. Decoding is lenient about unknown fields (a
// newer proposer may add optional ones) but the body must be one JSON object: anything else
// is rejected before fn sees it.
func applyJSON[T any](body []byte, fn func(*T) error) error {
	var c T
	if !isJSONObject(body) {
		return rejected(fmt.Sprintf("the %T body is not a JSON object", c))
	}
	if err := json.Unmarshal(body, &c); err != nil {
		return rejected(fmt.Sprintf("undecodable %T: %v", c, err))
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
	if c.Member.TLSPin != nil && len(c.Member.TLSPin) != ceremony.TLSPinSize {
		return errorf(ErrValidation, "the first member's TLS pin is %d bytes, want %d", len(c.Member.TLSPin), ceremony.TLSPinSize)
	}
	s.domain = &ceremony.Domain{
		ID:         c.ID,
		CreatedAt:  c.At,
		DKVersions: []ceremony.DomainKeyVersion{c.DK},
		CurrentDK:  c.DK.Version,
		Operators:  c.Operators,
		Quorum:     c.Quorum,
		Members:    []ceremony.Member{c.Member},
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
	s.putPrincipal(&p)
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
