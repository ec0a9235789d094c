package api

import "github.com/keyhold/keyhold/api/objstore"

// ObjectStore is objstore.Store, the S3 endpoint's object bytes. The interface lives with its
// implementations in api/objstore (so that they need not import this package); the alias keeps
// Options.ObjectStore and cmd/keyhold's wiring unchanged.
type ObjectStore = objstore.Store

// PendingObject is objstore.PendingObject, an object being written.
type PendingObject = objstore.PendingObject

// StoredObject is objstore.StoredObject, a committed object opened for reading.
type StoredObject = objstore.StoredObject
