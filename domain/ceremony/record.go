package ceremony

import (
	"crypto/sha256"
	"time"

	"github.com/keyhold/keyhold/wrap"
)

// DKState is a domain key version's state. The zero value is invalid.
type DKState uint8

// Domain key states: the active version seals new key tokens; decrypt-only versions still open
// the tokens they sealed until every token has been re-wrapped.
const (
	DKStateInvalid DKState = iota
	DKStateActive
	DKStateDecryptOnly
	// DKStateRetired: nothing in the state depends on the version any more (every key token and
	// credential was re-wrapped under a newer one); it is kept in the record for audit.
	DKStateRetired
)

// DomainKeyVersion records one domain key version. The key itself lives only inside the members'
// HSMs, under Label.
type DomainKeyVersion struct {
	Version   uint32    `cbor:"1,keyasint"`
	Label     string    `cbor:"2,keyasint"`
	State     DKState   `cbor:"3,keyasint"`
	CreatedAt time.Time `cbor:"4,keyasint"`
}

// Operator is a security officer who approves ceremonies with a signing key.
type Operator struct {
	Name      string `cbor:"1,keyasint"`
	PublicKey []byte `cbor:"2,keyasint"` // Ed25519 public key
}

// Member is a node of the domain with its HSM.
type Member struct {
	NodeID  string `cbor:"1,keyasint"`
	Address string `cbor:"2,keyasint"`
	// IdentityKey is the PKIX DER of the member HSM's identity public key (RSA-3072): the key
	// the domain keys are wrapped to when the member is admitted.
	IdentityKey []byte `cbor:"3,keyasint,omitempty"`
	// WrappedDKs holds each domain key version wrapped to IdentityKey, so that the member can
	// unwrap it into its HSM. The member that generated a version has no entry for it.
	WrappedDKs []WrappedDK `cbor:"4,keyasint,omitempty"`
	// TLSPin is the SHA-256 of the SubjectPublicKeyInfo of the member's peer TLS certificate
	// (TLSPinSize bytes): only a peer presenting that key reaches this cluster's raft port and
	// peer API as this member. It is recorded when the member is admitted (or, for the first
	// member, at init); a member recorded without one is identified by its address instead
	// (cmd/keyhold peerauth.go). Optional, so records and proposals without it keep their bytes.
	TLSPin []byte `cbor:"5,keyasint,omitempty"`
}

// TLSPinSize is the size of Member.TLSPin: a SHA-256.
const TLSPinSize = 32

// WrappedDK is one domain key version wrapped (RSA-OAEP inside an HSM) to a member's identity key.
type WrappedDK struct {
	Version uint32 `cbor:"1,keyasint"`
	Wrapped []byte `cbor:"2,keyasint"`
}

// Wrapped returns the member's wrapped copy of domain key version v.
func (m *Member) Wrapped(v uint32) ([]byte, bool) {
	for _, w := range m.WrappedDKs {
		if w.Version == v {
			return w.Wrapped, true
		}
	}
	return nil, false
}

// Domain is the domain record: who the members and operators are and which domain keys exist.
//
// The CBOR tags give the record's encoding inside a domain token (token.go); Rewrap is the
// leader's re-wrap progress, replicated but not part of the signed record.
type Domain struct {
	ID         string             `cbor:"1,keyasint"`
	CreatedAt  time.Time          `cbor:"2,keyasint"`
	DKVersions []DomainKeyVersion `cbor:"3,keyasint"` // oldest first
	CurrentDK  uint32             `cbor:"4,keyasint"`
	Operators  []Operator         `cbor:"5,keyasint"`
	Quorum     int                `cbor:"6,keyasint"` // the default rule, for classes Rules leaves at 0
	Members    []Member           `cbor:"7,keyasint"`
	// Epoch counts the ceremonies applied to the domain. A proposal names the epoch it applies
	// to, so an approval is useless once any other ceremony has changed the domain.
	Epoch  uint64      `cbor:"8,keyasint"`
	Rules  QuorumRules `cbor:"9,keyasint"`
	Rewrap *Rewrap     `cbor:"-"`
}

// Rewrap is the progress of re-wrapping key tokens under the current domain key after a
// rotation. The leader advances Cursor batch by batch; a new leader resumes from it.
type Rewrap struct {
	Target   uint32 // the domain key version tokens move to
	Cursor   wrap.KeyID
	Rewraps  int // key versions and credentials re-wrapped so far
	Finished bool
}

// DK returns domain key version v.
func (d *Domain) DK(v uint32) (DomainKeyVersion, bool) {
	for _, dk := range d.DKVersions {
		if dk.Version == v {
			return dk, true
		}
	}
	return DomainKeyVersion{}, false
}

// RecordBytes is the canonical CBOR of the domain record, as a domain token carries it.
func RecordBytes(d *Domain) []byte { return Marshal(d) }

// RecordHash is the SHA-256 of RecordBytes: what an export-token proposal names.
func RecordHash(d *Domain) [32]byte { return sha256.Sum256(RecordBytes(d)) }

// FindMember returns the member with node id nodeID, or nil.
func (d *Domain) FindMember(nodeID string) *Member {
	for i := range d.Members {
		if d.Members[i].NodeID == nodeID {
			return &d.Members[i]
		}
	}
	return nil
}
