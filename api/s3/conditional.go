package s3

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"sync"

	"github.com/keyhold/keyhold/api/objstore"
)

// Conditional writes. PutObject, CompleteMultipartUpload and CopyObject take If-None-Match: *
// (write only if the key holds no object) and If-Match: <etag> (write only over that object).
// The condition is checked twice, as S3 does: when the request arrives, so that a doomed upload
// fails before its body is read (412 PreconditionFailed), and again under the key's lock at the
// moment of commit, so that of two racing conditional writes only one succeeds; the loser gets
// 409 ConditionalRequestConflict, which tells the client to re-read and retry.
//
// The lock is per node: the objstore.Store interface has no compare-and-swap, so two nodes sharing
// one backend can still both win a race that falls between their commits (see the notes of the
// multi-node deployment in the README).

var (
	errConditionalConflict = errors.New("api: s3: conditional request conflict")
	errACLNotSupported     = errors.New("api: s3: ACLs not supported")
)

// writeCondition is what a conditional write requires of the key it commits to.
type writeCondition struct {
	bucket, key string
	ifNoneMatch bool   // If-None-Match: *
	ifMatch     string // If-Match, as sent
}

type writeConditionKey struct{}

// writeConditions checks a write request's If-None-Match / If-Match against the key's current
// object and returns ctx carrying the condition, which the store's commit checks again.
func (s *Server) writeConditions(ctx context.Context, bucket, key string, h http.Header) (context.Context, error) {
	inm, im := h.Get("If-None-Match"), h.Get("If-Match")
	if inm == "" && im == "" {
		return ctx, nil
	}
	if inm != "" && strings.TrimSpace(inm) != "*" {
		return ctx, s3Err(errNotImplemented, "A header you provided implies functionality that is not implemented")
	}
	cond := &writeCondition{bucket: bucket, key: key, ifNoneMatch: inm != "", ifMatch: im}
	etag, exists, err := currentETag(ctx, s.store, bucket, key)
	if err != nil {
		return ctx, err
	}
	if err := cond.check(etag, exists, false); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, writeConditionKey{}, cond), nil
}

// check applies the condition to the key's current state; atCommit selects the error a
// condition that held at first but fails now gets.
func (c *writeCondition) check(etag string, exists, atCommit bool) error {
	ok := true
	switch {
	case c.ifNoneMatch && exists:
		ok = false
	case c.ifMatch != "" && !exists:
		if !atCommit {
			return s3Err(errNoSuchKey, "The specified key does not exist.")
		}
		ok = false
	case c.ifMatch != "" && !etagMatches(c.ifMatch, etag):
		ok = false
	}
	switch {
	case ok:
		return nil
	case atCommit:
		return s3Err(errConditionalConflict, "A conflicting conditional operation is currently in progress against this resource. Please try again.")
	}
	return s3Err(errPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
}

// currentETag reads the ETag of the key's committed object, if there is one.
func currentETag(ctx context.Context, store objstore.Store, bucket, key string) (string, bool, error) {
	obj, err := store.Open(ctx, bucket, key)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer obj.Close()
	m, err := readMeta(ctx, obj)
	if err != nil {
		return "", false, err
	}
	return m.ETag, true, nil
}

// lockingStore serializes the commits and deletes of each key within this node, and checks a
// write's condition (writeConditions) under that lock just before its commit.
type lockingStore struct {
	objstore.Store
	mu    sync.Mutex
	locks map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	refs int
}

// withKeyLocks wraps store so that conditional writes are atomic within the node.
func withKeyLocks(store objstore.Store) objstore.Store {
	if store == nil {
		return nil
	}
	return &lockingStore{Store: store, locks: map[string]*keyLock{}}
}

func (l *lockingStore) lock(bucket, key string) func() {
	name := bucket + "\x00" + key
	l.mu.Lock()
	k := l.locks[name]
	if k == nil {
		k = &keyLock{}
		l.locks[name] = k
	}
	k.refs++
	l.mu.Unlock()
	k.Lock()
	return func() {
		k.Unlock()
		l.mu.Lock()
		if k.refs--; k.refs == 0 {
			delete(l.locks, name)
		}
		l.mu.Unlock()
	}
}

// Create starts a write whose commit takes the key's lock and checks the request's condition.
func (l *lockingStore) Create(ctx context.Context, bucket, key string) (objstore.PendingObject, error) {
	p, err := l.Store.Create(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	cond, _ := ctx.Value(writeConditionKey{}).(*writeCondition)
	if cond != nil && (cond.bucket != bucket || cond.key != key) {
		cond = nil // another object written on the same request (a multipart part)
	}
	return &lockedPending{PendingObject: p, store: l, bucket: bucket, key: key, cond: cond}, nil
}

// Delete removes the key under its lock.
func (l *lockingStore) Delete(ctx context.Context, bucket, key string) error {
	defer l.lock(bucket, key)()
	return l.Store.Delete(ctx, bucket, key)
}

type lockedPending struct {
	objstore.PendingObject
	store       *lockingStore
	bucket, key string
	cond        *writeCondition
}

func (p *lockedPending) Commit(ctx context.Context) error {
	defer p.store.lock(p.bucket, p.key)()
	if p.cond != nil {
		etag, exists, err := currentETag(ctx, p.store.Store, p.bucket, p.key)
		if err != nil {
			return err
		}
		if err := p.cond.check(etag, exists, true); err != nil {
			p.PendingObject.Abort()
			return err
		}
	}
	return p.PendingObject.Commit(ctx)
}
