package api

import (
	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/api/sigv4"
)

// ProposalView is adminclient.ProposalView, the admin API's wire type for a ceremony proposal.
// It lives with the admin client so that keyholdctl can use it without importing the server;
// the alias keeps the name this package exported.
type ProposalView = adminclient.ProposalView

// Identity is sigv4.Identity, the principal a SigV4 signature authenticated; Authorizer
// implementations receive it.
type Identity = sigv4.Identity
