package domain

import (
	"slices"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/wrap"
)

// Re-wrap after a domain key rotation. The leader re-seals key tokens in batches and proposes
// each batch with the cursor it reached; the cursor in the replicated state is how a new leader
// (or the same one after a crash) resumes. Each item names the domain key version it replaces,
// so a batch applied twice, or racing with a CMK change, changes nothing it should not.
type (
	rewrapCmd struct {
		Target     uint32
		Keys       []rewrapKey
		Principals []rewrapPrincipal
		// Cursor is the last key id the batch covered; Finished says the scan reached the end.
		Cursor   wrap.KeyID
		Finished bool
	}
	rewrapKey struct {
		ID      wrap.KeyID
		Version uint32
		From    uint32
		Token   []byte
	}
	rewrapPrincipal struct {
		AccessKeyID string
		From        uint32
		Token       []byte
	}
)

func (s *State) applyRewrap(c *rewrapCmd) error {
	d := s.domain
	if d == nil || d.Rewrap == nil || d.Rewrap.Target != c.Target || c.Target != d.CurrentDK {
		return errorf(ErrInvalidState, "no re-wrap to domain key version %d is running", c.Target)
	}
	rw := *d.Rewrap
	if rw.Finished {
		return nil
	}
	for _, it := range c.Keys {
		k := s.keys[it.ID]
		if k == nil {
			continue // deleted meanwhile
		}
		for i := range k.Versions {
			v := &k.Versions[i]
			if v.Version == it.Version && v.DKVersion == it.From {
				// The key is shared with snapshots taken earlier: copy before changing.
				k = s.editKey(k)
				k.Versions[i].DKVersion, k.Versions[i].Token = c.Target, it.Token
				rw.Rewraps++
				break
			}
		}
	}
	for _, it := range c.Principals {
		p := s.principals[it.AccessKeyID]
		if p == nil || p.DKVersion != it.From {
			continue
		}
		np := *p
		np.DKVersion, np.Token = c.Target, it.Token
		s.putPrincipal(&np)
		rw.Rewraps++
	}
	rw.Cursor = c.Cursor
	if c.Finished {
		// Retire only what nothing depends on any more: a CMK version sealed under an old key
		// after the scan passed it (a write racing the rotation) keeps that key alive, and the
		// scan starts over.
		used := s.dkInUse()
		versions := slices.Clone(d.DKVersions)
		rest := false
		for i := range versions {
			if versions[i].State != ceremony.DKStateDecryptOnly {
				continue
			}
			if used[versions[i].Version] {
				rest = true
				continue
			}
			versions[i].State = ceremony.DKStateRetired
		}
		d.DKVersions = versions
		if rest {
			rw.Cursor = wrap.KeyID{}
		} else {
			rw.Finished = true
		}
	}
	d.Rewrap = &rw
	return nil
}

// dkInUse returns the domain key versions some key version or credential is sealed under.
func (s *State) dkInUse() map[uint32]bool {
	used := map[uint32]bool{}
	for _, k := range s.keys {
		for _, v := range k.Versions {
			used[v.DKVersion] = true
		}
	}
	for _, p := range s.principals {
		used[p.DKVersion] = true
	}
	return used
}
