// Package objstore holds the S3 endpoint's object stores (Store): Dir, a directory
// with atomic writes, and S3, an upstream S3-compatible bucket that makes keyhold an encrypting
// gateway. Both store opaque blobs the api package has already sealed; neither ever sees
// plaintext or keys.
//
// # Which store a cluster may use
//
// Every node serves every object, so the nodes of a cluster must share one store: S3 (the
// upstream bucket), or a Dir opened with DirOptions.Shared on a file system every node mounts.
// A Dir on a node's own disk serves a single node only; cmd/keyhold refuses it when the domain
// has more than one member.
//
// # Shared storage
//
// A shared Dir relies on these guarantees of the file system; NFSv3/v4 exported "sync" and
// mounted with "lookupcache=none" (or "actimeo=0"), CephFS and GlusterFS give them:
//
//   - rename(2) of a file over another within one directory is atomic for every client: a
//     reader on any node opens the old object or the new one, never a partial file;
//   - fsync of a file returns once its bytes are on stable storage of the file server, and
//     fsync of a directory once the entries renamed or removed in it are (NFS "async" exports
//     break this: an acknowledged PUT could vanish in a file server crash);
//   - close-to-open consistency: a file a node renamed into place after fsync and close is seen
//     whole by a later open on another node;
//   - no stale negative or positive lookups: with attribute or lookup caching a node can miss
//     an object another node has just written, or open one it has just deleted, for as long as
//     the cache lives. S3 promises read-after-write consistency, so disable those caches;
//   - exclusive create (O_EXCL), for unique temporary names;
//   - the same uid owns the tree on every node (directories are 0700, files 0600);
//   - modification times from the file server's clock within a few minutes of the nodes',
//     since SweepTemp ages temporary files by them.
//
// An object overwritten on one node while another node streams it may fail that read with
// ESTALE on NFS: the GET then ends early (an error, or a body shorter than its Content-Length,
// which SDKs report and retry); it never returns bytes of two versions, since an open file
// handle names one file (and every sealed segment is authenticated besides).
package objstore
