package domain

import "time"

// DKState is a domain key version's state. The zero value is invalid.
type DKState uint8

// Domain key states: the active version seals new key tokens; decrypt-only versions still open
// the tokens they sealed until every token has been re-wrapped.
const (
	DKStateInvalid DKState = iota
	DKStateActive
	DKStateDecryptOnly
)

// DomainKeyVersion records one domain key version. The key itself lives only inside the members'
// HSMs, under Label.
type DomainKeyVersion struct {
	Version   uint32
	Label     string
	State     DKState
	CreatedAt time.Time
}

// Operator is a security officer who approves ceremonies with a signing key.
type Operator struct {
	Name      string
	PublicKey []byte // Ed25519 public key
}

// Member is a node of the domain with its HSM.
type Member struct {
	NodeID  string
	Address string
}

// Domain is the domain record: who the members and operators are and which domain keys exist.
type Domain struct {
	ID         string
	CreatedAt  time.Time
	DKVersions []DomainKeyVersion // oldest first
	CurrentDK  uint32
	Operators  []Operator
	Quorum     int
	Members    []Member
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
