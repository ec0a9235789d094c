package domain

import (
	"context"

	"github.com/keyhold/keyhold/wrap"
)

// DefaultRewrapBatch is how many key tokens one re-wrap command carries: large enough to keep
// raft round trips few, small enough to keep a command well under a megabyte.
const DefaultRewrapBatch = 256

// RewrapProgress is the state of the re-wrap after the last domain key rotation.
type RewrapProgress struct {
	Target    uint32 // the domain key version tokens move to; 0 when no rotation ever ran
	Rewrapped int    // key tokens and credentials re-wrapped so far
	Remaining int    // key tokens and credentials still sealed under older versions
	Finished  bool
}

// RewrapStatus reports re-wrap progress. Remaining is counted over the whole state.
func (s *Service) RewrapStatus() RewrapProgress {
	var p RewrapProgress
	s.st.View(func(v *View) {
		d := v.Domain()
		if d == nil || d.Rewrap == nil {
			return
		}
		p.Target, p.Rewrapped, p.Finished = d.Rewrap.Target, d.Rewrap.Rewraps, d.Rewrap.Finished
		for _, k := range v.s.keys {
			for _, kv := range k.Versions {
				if kv.DKVersion != d.CurrentDK {
					p.Remaining++
				}
			}
		}
		for _, pr := range v.s.principals {
			if pr.DKVersion != d.CurrentDK {
				p.Remaining++
			}
		}
	})
	return p
}

// RewrapStep re-wraps one batch of key tokens (and, at the end of the scan, credentials) under
// the current domain key and proposes it with the new cursor. It returns done when nothing is
// left to do. The leader calls it in a loop; it resumes from the replicated cursor, so a crash
// or a change of leader loses at most one batch of HSM work, never progress.
func (s *Service) RewrapStep(ctx context.Context, batch int) (done bool, err error) {
	if batch <= 0 {
		batch = DefaultRewrapBatch
	}
	var (
		target uint32
		cursor wrap.KeyID
		keys   []rewrapKey
		next   wrap.KeyID
		end    = true
		prins  []rewrapPrincipal
	)
	s.st.View(func(v *View) {
		d := v.Domain()
		if d == nil || d.Rewrap == nil || d.Rewrap.Finished {
			return
		}
		target, cursor, next = d.Rewrap.Target, d.Rewrap.Cursor, d.Rewrap.Cursor
		n := 0
		v.KeysAfter(cursor, func(k *Key) bool {
			if n >= batch {
				end = false
				return false
			}
			n++
			next = k.ID
			for _, kv := range k.Versions {
				if kv.DKVersion != target {
					keys = append(keys, rewrapKey{ID: k.ID, Version: kv.Version, From: kv.DKVersion, Token: kv.Token})
				}
			}
			return true
		})
		if end {
			for _, p := range v.Principals() {
				if p.DKVersion != target {
					prins = append(prins, rewrapPrincipal{AccessKeyID: p.AccessKeyID, From: p.DKVersion, Token: p.Token})
				}
			}
		}
	})
	if target == 0 {
		return true, nil
	}
	dk, err := s.ring.DomainKey(ctx, target)
	if err != nil {
		return false, dependencyError("opening the new domain key", err)
	}
	for i := range keys {
		it := &keys[i]
		tok, err := s.reseal(ctx, dk, target, wrap.KeyBinding(it.ID, it.Version), it.Token)
		if err != nil {
			return false, err
		}
		it.Token = tok
	}
	for i := range prins {
		it := &prins[i]
		tok, err := s.reseal(ctx, dk, target, []byte(it.AccessKeyID), it.Token)
		if err != nil {
			return false, err
		}
		it.Token = tok
	}
	cmd := rewrapCmd{Target: target, Keys: keys, Principals: prins, Cursor: next, Finished: end}
	if err := s.propose(ctx, encode(cmdRewrap, cmd)); err != nil {
		return false, err
	}
	if len(keys)+len(prins) > 0 {
		s.log.Info("domain key re-wrap batch", "dk_version", target, "tokens", len(keys)+len(prins))
	}
	if end {
		// The apply may have found a late write under an old key and restarted the scan.
		return s.RewrapStatus().Finished, nil
	}
	return false, nil
}

// reseal opens a key token of any kind under whichever domain key sealed it and seals the
// secret again under dk (version target), with the same kind and binding.
func (s *Service) reseal(ctx context.Context, dk wrap.AEAD, target uint32, binding, token []byte) ([]byte, error) {
	kind, err := wrap.KeyTokenKind(token)
	if err != nil {
		return nil, dependencyError("reading a key token", err)
	}
	secret, err := wrap.OpenKeyToken(s.domainKeys(ctx), kind, binding, token)
	if err != nil {
		return nil, dependencyError("unwrapping a key token for re-wrap", err)
	}
	defer clear(secret)
	tok, err := wrap.SealKeyToken(dk, target, kind, binding, secret)
	if err != nil {
		return nil, dependencyError("re-wrapping a key token", err)
	}
	return tok, nil
}
