package api

import (
	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/api/objstore"
	"github.com/keyhold/keyhold/api/sigv4"
)

// ProposalView is adminclient.ProposalView, the admin API's wire type for a ceremony proposal.
// It lives with the admin client so that keyholdctl can use it without importing the server;
// the alias keeps the name this package exported.
type ProposalView = adminclient.ProposalView

// Identity is sigv4.Identity, the principal a SigV4 signature authenticated; Authorizer
// implementations receive it.
type Identity = sigv4.Identity

// ObjectStore is objstore.Store, the S3 endpoint's object bytes. The interface lives with its
// implementations in api/objstore (so that they need not import this package); the alias keeps
// Options.ObjectStore and cmd/keyhold's wiring unchanged.
type ObjectStore = objstore.Store

// PendingObject is objstore.PendingObject, an object being written.
type PendingObject = objstore.PendingObject

// StoredObject is objstore.StoredObject, a committed object opened for reading.
type StoredObject = objstore.StoredObject
