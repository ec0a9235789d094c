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

// Snapshot versions: the first byte of a snapshot. Bump it when the layout changes and keep a
// reader for the old one.
//
// Version 1 is one gob value holding everything. Gob encodes a value in memory before writing
// it, so a million keys briefly needed a second copy of the state; version 2 is a stream: a
// header with everything but the keys and the key count, then the keys in chunks of
// snapshotChunk, each its own gob value, so encoding and decoding hold one chunk at a time.
const (
	snapshotV1      = 1
	snapshotVersion = 2
	snapshotChunk   = 4096
	// maxSnapshotKeys bounds a header's key count: Key.pos is 32 bits.
	maxSnapshotKeys = 1<<31 - 1
	// maxSnapshotPresize is how many keys Restore makes room for before it has decoded them.
	maxSnapshotPresize = 1 << 21
)

// snapshotImage is what a version 1 snapshot holds. Keys are listed in creation order, which
// ListKeys relies on.
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

// snapshotHeader starts a version 2 snapshot: the image without its keys, and how many keys
// follow (in creation order, in chunks).
type snapshotHeader struct {
	Domain     *ceremony.Domain
	Aliases    []*Alias
	Principals []*Principal
	Buckets    []*Bucket
	Proposals  []*ProposalRecord
	IAM        *iam.Image
	// Grants are every key's grants, in key creation order.
	Grants   []*Grant
	KeyCount int
}

// Snapshot is a point-in-time copy of the state, taken cheaply under the read lock and written
// out later by WriteTo without holding any lock.
type Snapshot struct {
	hdr  snapshotHeader
	keys []*Key // shared with the state, which never changes a stored Key in place (state_keys.go)
}

// Snapshot captures the state. Keys and aliases are not copied: the snapshot keeps the state's
// *Key and *Alias values, which Apply replaces rather than changes (copy-on-write), so the
// capture costs one pointer per key and alias. The smaller collections are copied.
func (s *State) Snapshot() *Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var h snapshotHeader
	if s.domain != nil {
		d := *s.domain
		h.Domain = &d
	}
	keys := s.liveKeys()
	h.KeyCount = len(keys)
	// Aliases are copy-on-write too (retargetAlias): the pointers are enough.
	h.Aliases = make([]*Alias, 0, len(s.aliases))
	for _, a := range s.aliases {
		h.Aliases = append(h.Aliases, a)
	}
	for _, p := range s.principals {
		c := *p
		h.Principals = append(h.Principals, &c)
	}
	for _, b := range s.buckets {
		h.Buckets = append(h.Buckets, b.clone())
	}
	h.Proposals = s.proposals.list()
	h.IAM = s.iam.Image()
	for _, k := range keys {
		for _, g := range s.grants.byKey[k.ID] {
			h.Grants = append(h.Grants, g.clone())
		}
	}
	if h.Domain != nil && h.Domain.Rewrap != nil {
		rw := *h.Domain.Rewrap
		h.Domain.Rewrap = &rw
	}
	return &Snapshot{hdr: h, keys: keys}
}

// WriteTo encodes the snapshot (version 2). It returns 0 for the count: raft only needs errors.
func (sn *Snapshot) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := bw.WriteByte(snapshotVersion); err != nil {
		return 0, err
	}
	enc := gob.NewEncoder(bw)
	if err := enc.Encode(&sn.hdr); err != nil {
		return 0, fmt.Errorf("domain: encode snapshot: %w", err)
	}
	for rest := sn.keys; len(rest) > 0; {
		n := min(len(rest), snapshotChunk)
		if err := enc.Encode(rest[:n]); err != nil {
			return 0, fmt.Errorf("domain: encode snapshot keys: %w", err)
		}
		rest = rest[n:]
	}
	return 0, bw.Flush()
}

// Restore replaces the whole state with a snapshot written by WriteTo (either version). The
// state is built aside and swapped in only once the whole snapshot decoded.
func (s *State) Restore(r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<16)
	v, err := br.ReadByte()
	if err != nil {
		return fmt.Errorf("domain: read snapshot: %w", err)
	}
	var (
		h    snapshotHeader
		keys map[wrap.KeyID]*Key
	)
	order := []*Key{}
	pols := newKeyPolicies()
	add := func(ks []*Key) error {
		for _, k := range ks {
			if k == nil {
				return fmt.Errorf("domain: decode snapshot: a nil key")
			}
			if _, dup := keys[k.ID]; dup {
				return fmt.Errorf("domain: decode snapshot: key %s twice", k.ID)
			}
			internKeyStrings(k)
			k.pos = uint32(len(order))
			keys[k.ID] = k
			order = append(order, k)
			pols.set(k)
		}
		return nil
	}
	dec := gob.NewDecoder(br)
	switch v {
	case snapshotV1:
		var img snapshotImage
		// An empty payload is corrupt too (WriteTo always writes gob's type header): restoring
		// it as an empty state would silently drop every key.
		if err := dec.Decode(&img); err != nil {
			return fmt.Errorf("domain: decode snapshot: %w", err)
		}
		h = snapshotHeader{Domain: img.Domain, Aliases: img.Aliases, Principals: img.Principals,
			Buckets: img.Buckets, Proposals: img.Proposals, IAM: img.IAM, Grants: img.Grants}
		keys = make(map[wrap.KeyID]*Key, len(img.Keys))
		order = make([]*Key, 0, len(img.Keys))
		if err := add(img.Keys); err != nil {
			return err
		}
	case snapshotVersion:
		if err := dec.Decode(&h); err != nil {
			return fmt.Errorf("domain: decode snapshot: %w", err)
		}
		if h.KeyCount < 0 || h.KeyCount > maxSnapshotKeys {
			return fmt.Errorf("domain: decode snapshot: %d keys", h.KeyCount)
		}
		// Sized from the header, which saves growing the map step by step; capped, so that a
		// corrupt count cannot make Restore allocate for millions of keys that are not there.
		keys = make(map[wrap.KeyID]*Key, min(h.KeyCount, maxSnapshotPresize))
		order = make([]*Key, 0, min(h.KeyCount, maxSnapshotPresize))
		for len(order) < h.KeyCount {
			var chunk []*Key
			if err := dec.Decode(&chunk); err != nil {
				return fmt.Errorf("domain: decode snapshot keys: %w", err)
			}
			if len(chunk) == 0 || len(chunk) > h.KeyCount-len(order) {
				return fmt.Errorf("domain: decode snapshot: a chunk of %d keys after %d of %d", len(chunk), len(order), h.KeyCount)
			}
			if err := add(chunk); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("domain: snapshot version %d is not supported", v)
	}
	aliases := make(map[aliasID]*Alias, len(h.Aliases))
	serviceAliases := make(map[aliasID]struct{})
	for _, a := range h.Aliases {
		k := s.aliasKey(a) // an alias of a snapshot without accounts is the first account's
		aliases[k] = a
		if isServiceAlias(a.Name) {
			serviceAliases[k] = struct{}{}
		}
	}
	principals := make(map[string]*Principal, len(h.Principals))
	for _, p := range h.Principals {
		principals[p.AccessKeyID] = p
	}
	buckets := make(map[string]*Bucket, len(h.Buckets))
	bucketPols := make(map[string]*policy.Policy)
	for _, b := range h.Buckets {
		buckets[b.Name] = b
		if b.Policy != "" {
			// A policy a stricter parser now refuses is kept as text and grants nothing.
			if p, err := parseBucketPolicy(b.Name, b.Policy); err == nil {
				bucketPols[b.Name] = p
			}
		}
	}
	var proposals proposalLog
	for _, r := range h.Proposals {
		proposals.add(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.proposals = proposals
	s.domain, s.keys, s.order, s.dead, s.aliases, s.principals = h.Domain, keys, order, 0, aliases, principals
	s.principalIdx = nil // rebuilt from the restored registry when first needed
	s.buckets, s.serviceAliases = buckets, serviceAliases
	s.aliasesByKey = indexAliases(aliases)
	s.keyPols = pols
	s.bucketPols = bucketPols
	s.grants = newGrantTable()
	for _, g := range h.Grants {
		s.grants.add(g)
	}
	s.iam.Restore(h.IAM)
	return nil
}
