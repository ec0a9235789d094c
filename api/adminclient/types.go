package adminclient

import (
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// ProposalView is a ceremony proposal as the admin API returns it (GET /v1/admin/proposals,
// and the answer to submit, approve and reject).
type ProposalView struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	Epoch       uint64    `json:"epoch"`
	Approvals   int       `json:"approvals"`
	Rejections  int       `json:"rejections"`
	SubmittedAt time.Time `json:"submitted_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	NotAfter    time.Time `json:"not_after"`
	// Proposal is the canonical CBOR an approver signs.
	Proposal []byte `json:"proposal"`
	// Signers are the public keys that signed a verdict so far.
	Signers [][]byte `json:"signers"`
	// Decoded is Proposal parsed, for display; absent if it does not parse.
	Decoded *ceremony.Proposal `json:"decoded,omitempty"`
	// Delivery is, for an executed create-account, the new account's root credentials sealed
	// to the proposal's recipient key: only the proposer opens it (ceremony.OpenAccountCredentials).
	Delivery []byte `json:"delivery,omitempty"`
	// Signatures are not sent: Signers and the counts say who voted how much.
	Signatures []ceremony.Signature `json:"-"`
}

// NodeIdentity is GET /v1/node/identity: this node's HSM identity public key (PKIX DER), the
// input of an admit-node proposal, and the SHA-256 of its peer certificate's SPKI (nil without
// peer TLS). All public by design.
type NodeIdentity struct {
	NodeID      string `json:"node_id"`
	IdentityKey []byte `json:"identity_key"`
	TLSPin      []byte `json:"tls_pin"`
}

// ErrorBody is the JSON body of every admin API error answer.
type ErrorBody struct {
	Error string `json:"error"`
}
