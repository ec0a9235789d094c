package node

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/domain"
)

// openObjectStore opens the S3 object store the config names. A directory of this node's own
// is refused once the domain has more than one member (per-node stores split a cluster's objects
// between nodes: a PUT through one node is NoSuchKey through another, and DeleteBucket through
// one node orphans the objects held by the others). sweep removes the temporary files of
// interrupted writes; the caller runs it in the background.
func (n *Node) openObjectStore() (_ api.ObjectStore, sweep func(context.Context), _ error) {
	cfg := n.cfg
	if cfg.ObjectStore == "s3" {
		creds, err := upstreamCredentials()
		if err != nil {
			return nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := objstore.NewS3(ctx, objstore.S3Options{
			Endpoint:    cfg.UpstreamS3Endpoint,
			Region:      cfg.UpstreamS3Region,
			Bucket:      cfg.UpstreamS3Bucket,
			Prefix:      cfg.UpstreamS3Prefix,
			PathStyle:   cfg.UpstreamS3PathStyle,
			Credentials: creds,
		})
		// An interrupted upstream write is an unfinished multipart upload, which the upstream
		// bucket's lifecycle rule (AbortIncompleteMultipartUpload) cleans.
		return st, func(context.Context) {}, err
	}
	dir := cfg.ObjectStoreDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "objects")
	}
	d, err := objstore.OpenDir(dir, objstore.DirOptions{Shared: cfg.ObjectStoreShared})
	if err != nil {
		return nil, nil, err
	}
	opened := time.Now()
	if cfg.ObjectStoreShared {
		// Other nodes may be writing now: only files idle for sharedTmpAge are orphans.
		return d, n.sweepTemp(d, opened.Add(-sharedTmpAge)), nil
	}
	// The state restored from the snapshot already names the members; a member admitted later
	// is caught by perNodeStore on the first request.
	if m := n.domainMembers(); m > 1 {
		return nil, nil, perNodeStoreError(m, dir)
	}
	// Only this process writes here, and it has not started to: every temporary file is an orphan.
	return &perNodeStore{ObjectStore: d, n: n, dir: dir}, n.sweepTemp(d, opened), nil
}

// sharedTmpAge is how long a temporary file on shared storage must have been idle before a
// starting node removes it: far longer than a live write pauses between two body chunks, and
// than the clock skew between the nodes and the file server.
const sharedTmpAge = time.Hour

// perNodeStoreAdvice is what every refusal of a per-node store tells the operator to do.
const perNodeStoreAdvice = "use object_store s3 (an upstream S3-compatible bucket, keyhold as its encrypting gateway), " +
	"or put object_store_dir on storage every node mounts (NFS, CephFS) and set object_store_shared " +
	"(the storage must give what api/objstore/doc.go lists)"

// validateDirStore is Config.Validate for object_store dir: a node configured to join a cluster
// must name shared storage.
func validateDirStore(c Config, bad func(field, why string)) {
	if c.ObjectStoreShared && c.ObjectStoreDir == "" {
		bad("object_store_dir", "must name the directory every node mounts when object_store_shared is set (the default, <data_dir>/objects, is this node's own)")
	}
	if c.Join != "" && !c.ObjectStoreShared {
		bad("object_store", "a directory of this node's own cannot serve a cluster (join is set): objects PUT through one node would be missing on the others; "+perNodeStoreAdvice)
	}
}

func perNodeStoreError(members int, dir string) error {
	return fmt.Errorf("keyhold: object store: the domain has %d members but object_store_dir %s is this node's own (object_store_shared is not set), so objects PUT through one node would be missing on the others: %s", members, dir, perNodeStoreAdvice)
}

// domainMembers is the number of members in this node's replica of the domain record.
func (n *Node) domainMembers() int {
	if d := n.svc.Domain(); d != nil {
		return len(d.Members)
	}
	return 0
}

// perNodeStore is a directory store of this node's own. It serves while the domain has one
// member and refuses every request (503 ServiceUnavailable) once an admission made it a
// cluster, since objects would then be split between the nodes.
type perNodeStore struct {
	api.ObjectStore
	n      *Node
	dir    string
	warned atomic.Bool
}

func (s *perNodeStore) check() error {
	m := s.n.domainMembers()
	if m <= 1 {
		return nil
	}
	err := perNodeStoreError(m, s.dir)
	if !s.warned.Swap(true) {
		s.n.log.Error("refusing S3 requests", "err", err)
	}
	return &domain.Error{Kind: domain.ErrDependency, Msg: "S3 is unavailable on this node: its object store is not shared with the other members of the cluster", Cause: err}
}

func (s *perNodeStore) Create(ctx context.Context, bucket, key string) (api.PendingObject, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.ObjectStore.Create(ctx, bucket, key)
}

func (s *perNodeStore) Open(ctx context.Context, bucket, key string) (api.StoredObject, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.ObjectStore.Open(ctx, bucket, key)
}

func (s *perNodeStore) Delete(ctx context.Context, bucket, key string) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.ObjectStore.Delete(ctx, bucket, key)
}

func (s *perNodeStore) List(ctx context.Context, bucket, prefix, after string, limit int) ([]string, bool, error) {
	if err := s.check(); err != nil {
		return nil, false, err
	}
	return s.ObjectStore.List(ctx, bucket, prefix, after, limit)
}

func (s *perNodeStore) RemoveBucket(ctx context.Context, bucket string) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.ObjectStore.RemoveBucket(ctx, bucket)
}

// sweepTemp returns the background removal of d's temporary files older than cutoff.
func (n *Node) sweepTemp(d *objstore.Dir, cutoff time.Time) func(context.Context) {
	return func(ctx context.Context) {
		removed, err := d.SweepTemp(ctx, cutoff)
		if err != nil && ctx.Err() == nil {
			n.log.Warn("object store: removing temporary files of interrupted writes failed", "err", err)
		}
		if removed > 0 {
			n.log.Info("object store: removed temporary files of interrupted writes", "files", removed)
		}
	}
}

// upstreamCredentials reads the upstream S3 credentials from the environment, never from the
// config file: KEYHOLD_UPSTREAM_* first (so that they can differ from any AWS_* credentials the
// process has for other purposes), then the standard AWS_* variables.
func upstreamCredentials() (aws.CredentialsProvider, error) {
	for _, p := range []string{"KEYHOLD_UPSTREAM_", "AWS_"} {
		id, secret := os.Getenv(p+"ACCESS_KEY_ID"), os.Getenv(p+"SECRET_ACCESS_KEY")
		if id != "" && secret != "" {
			return credentials.NewStaticCredentialsProvider(id, secret, os.Getenv(p+"SESSION_TOKEN")), nil
		}
	}
	return nil, fmt.Errorf("config: object_store s3: no upstream credentials: set KEYHOLD_UPSTREAM_ACCESS_KEY_ID and KEYHOLD_UPSTREAM_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(strings.ToLower(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}
