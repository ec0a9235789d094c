package ceremony

// Ceremony limits: bounds on signed records and on the ceremony state, so that no proposal or
// token can make a node spend unbounded memory or time.
const (
	MaxOperators        = 32        // operators in a domain
	MaxMembers          = 16        // member nodes in a domain
	MaxSignatures       = 64        // signatures on one signed proposal (at most one counts per operator)
	MaxProposalBytes    = 16 << 10  // a proposal's canonical bytes
	MaxSignedProposal   = 64 << 10  // a signed proposal
	MaxTokenBytes       = 1 << 20   // a domain token
	MaxPendingProposals = 64        // proposals waiting for approvals at once
	MaxProposalHistory  = 256       // finished proposals kept in the state for status and audit
	MaxProposalTTL      = 7 * 86400 // seconds a proposal may wait for its quorum
	MaxDKVersions       = 1024      // domain key versions over a domain's life
	MaxWrappedDK        = 1024      // bytes of one wrapped domain key
	MaxNodeID           = 128       // bytes of a member's node id or address
	ProposalNonceSize   = 16
	maxCBORElements     = 4096
)
