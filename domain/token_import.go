package domain

import (
	"crypto/ed25519"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// importDomainCmd installs a domain record on a node rebuilt after a disaster. It carries the
// whole token, so that every replica verifies the export approvals itself, and the trust
// anchors the proposing node verified them against (its configured recovery operators). See
// DESIGN.md, "Trust anchors: init and import", for why Apply may use those anchors.
type importDomainCmd struct {
	Token   []byte
	Anchors []ed25519.PublicKey
	At      time.Time
}

// applyImportDomain verifies and installs an imported domain record, deterministically:
//   - a replica with a domain verifies the token against its own replicated operators and
//     accepts only the record it already has (a retried command); any other import is refused,
//     so an import can never replace, roll back or roll forward a live domain;
//   - a replica without a domain verifies the token against the anchors the command carries.
func (s *State) applyImportDomain(c *importDomainCmd) error {
	t, err := ceremony.ParseToken(c.Token)
	if err != nil {
		return errorf(ErrValidation, "the domain token is malformed: %v", err)
	}
	if cur := s.domain; cur != nil {
		d, err := ceremony.VerifyToken(t, operatorKeys(cur.Operators))
		if err == nil && d.ID == cur.ID && d.Epoch == cur.Epoch && string(ceremony.RecordBytes(cur)) == string(t.Record) {
			return nil // a retried import
		}
		return errorf(ErrAlreadyExists, "this node already has domain %s (epoch %d): a domain token is imported only onto a node without a domain", cur.ID, cur.Epoch)
	}
	if len(c.Anchors) == 0 {
		return errorf(ErrAccessDenied, "the import names no trusted operator keys")
	}
	d, err := ceremony.VerifyToken(t, c.Anchors)
	if err != nil {
		return errorf(ErrAccessDenied, "%v", err)
	}
	s.domain = d
	return nil
}
