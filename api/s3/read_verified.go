package s3

import (
	"context"

	"github.com/keyhold/keyhold/api/objstore"
)

// verifiedObject is an object opened for reading by openVerified.
type verifiedObject struct {
	obj  objstore.StoredObject
	m    *objectMeta
	keys objectKeys
	q    *sseRequest   // the request's SSE-C headers, for the response's
	bind objectBinding // the name the object was checked under: the request's
}

// close releases the object and clears the keys it holds.
func (v *verifiedObject) close() {
	if v.obj != nil {
		v.obj.Close()
	}
	v.keys.clear()
	if v.q != nil {
		v.q.clear()
	}
}

// openVerified opens the object c names for reading: its stored bytes, its metadata checked
// against its MAC under the name the request gives (never the one in the store: integrity.go),
// and the keys that decrypt it. GetObject, HeadObject and GetObjectAttributes share it, so that
// each refuses a moved or altered object the same way. On success the caller closes it.
func (s *Server) openVerified(ctx context.Context, c *s3Call) (_ *verifiedObject, err error) {
	v := &verifiedObject{}
	defer func() {
		if err != nil {
			v.close()
		}
	}()
	if v.obj, v.m, err = s.openObject(ctx, c.bucket, c.key); err != nil {
		return nil, err
	}
	if v.q, err = parseSSEHeaders(c.r.Header, ""); err != nil {
		return nil, err
	}
	if v.q.alg != "" && v.q.alg != sseC {
		return nil, s3Err(errInvalidArgument, "x-amz-server-side-encryption is not allowed on GET or HEAD requests.")
	}
	v.bind = objectBinding{Bucket: c.bucket, Key: c.key, UploadID: v.m.UploadID}
	if v.keys, err = s.openObjectKeys(ctx, &v.m.SSE, v.q, v.bind); err != nil {
		return nil, err
	}
	if err = s.verifyMeta(ctx, v.m, v.keys, v.bind); err != nil {
		return nil, err
	}
	return v, nil
}
