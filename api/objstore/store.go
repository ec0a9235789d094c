package objstore

import (
	"context"
	"io"
)

// Store is where the S3 endpoint keeps object bytes: opaque blobs named by bucket and key,
// which the endpoint fills with a sealed object and its metadata (package api/s3), so the store
// never sees plaintext or keys. This package owns the interface, so that a backend names it
// without importing the S3 endpoint; Dir and S3 implement it and cmd/keyhold picks one.
// Buckets themselves live in the replicated state; the store only holds their objects.
// Implementations must be safe for concurrent use.
type Store interface {
	// Create starts writing an object. Nothing is visible under the name until Commit returns
	// nil; Abort (or a crash) before that leaves the previous object, if any, untouched.
	Create(ctx context.Context, bucket, key string) (PendingObject, error)
	// Open opens a committed object. A missing object is an error matching fs.ErrNotExist.
	Open(ctx context.Context, bucket, key string) (StoredObject, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, bucket, key string) error
	// List returns up to limit keys of bucket that start with prefix and sort after after
	// (bytewise), in order, and whether more such keys exist.
	List(ctx context.Context, bucket, prefix, after string, limit int) (keys []string, more bool, err error)
	// RemoveBucket releases whatever the store holds for an empty bucket.
	RemoveBucket(ctx context.Context, bucket string) error
}

// PendingObject is an object being written.
type PendingObject interface {
	io.Writer
	// Commit makes the object visible atomically and durably.
	Commit(ctx context.Context) error
	// Abort discards what was written. It is safe to call after Commit (it does nothing then).
	Abort()
}

// StoredObject is a committed object opened for reading.
type StoredObject interface {
	// Size is the stored size in bytes.
	Size() int64
	// ReadRange returns the stored bytes [off, off+n).
	ReadRange(ctx context.Context, off, n int64) (io.ReadCloser, error)
	Close() error
}
