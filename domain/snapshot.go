package domain

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"

	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"

	"github.com/keyhold/keyhold/wrap"
)

// snapshotVersion is the first byte of a snapshot. Bump it when the layout changes and keep a
// reader for the old one.
const snapshotVersion = 1

// snapshotImage is what a snapshot holds. Keys are listed in creation order, which ListKeys relies
// on. It is gob-encoded: the snapshot is never signed or compared, so it need not be canonical,
// and gob keeps the million-key case compact and fast.
type snapshotImage struct {
	Domain     *ceremony.Domain
	Keys       []*Key
	Aliases    []*Alias
	Principals []*Principal
	Buckets    []*Bucket
	Proposals  []*ProposalRecord // ceremony proposals in submission order
	// Grants lists every grant, per key in creation order (none in older snapshots).
	Grants []*Grant
	// IAM is the identity model; snapshots written before it existed have none (an empty model).
	IAM *iam.Image
}

// Snapshot is a point-in-time copy of the state, taken cheaply under the read lock and written
// out later by Persist without holding any lock.
type Snapshot struct{ img snapshotImage }

// Snapshot copies the state. Keys are cloned shallowly (token bytes are immutable and shared), so
// the cost is proportional to the number of keys but involves no encoding.
func (s *State) Snapshot() *Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	img := snapshotImage{Keys: make([]*Key, 0, len(s.order))}
	if s.domain != nil {
		d := *s.domain
		img.Domain = &d
	}
	for _, id := range s.order {
		img.Keys = append(img.Keys, s.keys[id].clone())
	}
	for _, a := range s.aliases {
		c := *a
		img.Aliases = append(img.Aliases, &c)
	}
	for _, p := range s.principals {
		c := *p
		img.Principals = append(img.Principals, &c)
	}
	for _, b := range s.buckets {
		img.Buckets = append(img.Buckets, b.clone())
	}
	img.Proposals = s.proposals.list()
	img.IAM = s.iam.Image()
	for _, id := range s.order {
		for _, g := range s.grants.byKey[id] {
			img.Grants = append(img.Grants, g.clone())
		}
	}
	if img.Domain != nil && img.Domain.Rewrap != nil {
		rw := *img.Domain.Rewrap
		img.Domain.Rewrap = &rw
	}
	return &Snapshot{img: img}
}

// WriteTo encodes the snapshot.
func (sn *Snapshot) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := bw.WriteByte(snapshotVersion); err != nil {
		return 0, err
	}
	if err := gob.NewEncoder(bw).Encode(&sn.img); err != nil {
		return 0, fmt.Errorf("domain: encode snapshot: %w", err)
	}
	return 0, bw.Flush()
}

// Restore replaces the whole state with a snapshot written by WriteTo.
func (s *State) Restore(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	v, err := br.ReadByte()
	if err != nil {
		return fmt.Errorf("domain: read snapshot: %w", err)
	}
	if v != snapshotVersion {
		return fmt.Errorf("domain: snapshot version %d is not supported", v)
	}
	var img snapshotImage
	// An empty payload is corrupt too (WriteTo always writes gob's type header): restoring it
	// as an empty state would silently drop every key.
	if err := gob.NewDecoder(br).Decode(&img); err != nil {
		return fmt.Errorf("domain: decode snapshot: %w", err)
	}
	keys := make(map[wrap.KeyID]*Key, len(img.Keys))
	order := make([]wrap.KeyID, 0, len(img.Keys))
	pols := newKeyPolicies()
	for _, k := range img.Keys {
		keys[k.ID] = k
		order = append(order, k.ID)
		pols.set(k)
	}
	aliases := make(map[string]*Alias, len(img.Aliases))
	serviceAliases := make(map[string]struct{})
	for _, a := range img.Aliases {
		aliases[a.Name] = a
		if isServiceAlias(a.Name) {
			serviceAliases[a.Name] = struct{}{}
		}
	}
	principals := make(map[string]*Principal, len(img.Principals))
	for _, p := range img.Principals {
		principals[p.AccessKeyID] = p
	}
	buckets := make(map[string]*Bucket, len(img.Buckets))
	bucketPols := make(map[string]*policy.Policy)
	for _, b := range img.Buckets {
		buckets[b.Name] = b
		if b.Policy != "" {
			// A policy a stricter parser now refuses is kept as text and grants nothing.
			if p, err := parseBucketPolicy(b.Name, b.Policy); err == nil {
				bucketPols[b.Name] = p
			}
		}
	}
	var proposals proposalLog
	for _, r := range img.Proposals {
		proposals.add(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proposals = proposals
	s.domain, s.keys, s.order, s.aliases, s.principals = img.Domain, keys, order, aliases, principals
	s.buckets, s.serviceAliases = buckets, serviceAliases
	s.keyPols = pols
	s.bucketPols = bucketPols
	s.grants = newGrantTable()
	for _, g := range img.Grants {
		s.grants.add(g)
	}
	s.iam.Restore(img.IAM)
	return nil
}
