// Package objstore holds the S3 endpoint's object stores (api.ObjectStore): Dir, a local
// directory with atomic writes, and S3, an upstream S3-compatible bucket that makes keyhold an
// encrypting gateway. Both store opaque blobs the api package has already sealed; neither ever
// sees plaintext or keys.
package objstore
