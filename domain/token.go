package domain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"
)

// DomainToken is the domain state exported as one signed file: the canonical domain record
// (members with their HSM identity keys and wrapped domain keys, operators, quorum rules, domain
// key versions) and the export-token proposal whose approvals vouch for it. It holds no key in
// the clear: a domain key in it is wrapped to a member HSM's identity key, so the token is
// useless without a member HSM.
//
//	token  = { 1: version (uint, 1), 2: record (bstr, canonical CBOR of Domain),
//	           3: export (bstr, canonical CBOR of SignedProposal) }
type DomainToken struct {
	Version uint8  `cbor:"1,keyasint"`
	Record  []byte `cbor:"2,keyasint"`
	Export  []byte `cbor:"3,keyasint"`
}

// tokenVersion is the only DomainToken.Version this code reads and writes.
const tokenVersion = 1

// ErrTokenRefused is the cause of every refusal of a domain token by VerifyToken: tampered,
// signed by too few trusted operators, or not an export of the record it carries.
var ErrTokenRefused = errors.New("domain: domain token refused")

// Marshal returns the token's canonical bytes.
func (t *DomainToken) Marshal() []byte { return marshalCBOR(t) }

// ParseToken decodes a domain token strictly (canonical CBOR, known fields, limits). It verifies
// nothing: see VerifyToken.
func ParseToken(b []byte) (*DomainToken, error) {
	var t DomainToken
	if err := unmarshalStrict(b, MaxTokenBytes, &t); err != nil {
		return nil, err
	}
	if t.Version != tokenVersion {
		return nil, fmt.Errorf("%w: token version %d, want %d", ErrMalformed, t.Version, tokenVersion)
	}
	return &t, nil
}

// ParseRecord decodes a canonical domain record.
func ParseRecord(b []byte) (*Domain, error) {
	var d Domain
	if err := unmarshalStrict(b, MaxTokenBytes, &d); err != nil {
		return nil, err
	}
	if d.ID == "" || d.Epoch == 0 || len(d.Members) == 0 || len(d.Members) > MaxMembers ||
		len(d.Operators) == 0 || len(d.Operators) > MaxOperators || len(d.DKVersions) == 0 ||
		len(d.DKVersions) > MaxDKVersions {
		return nil, fmt.Errorf("%w: the domain record is incomplete or exceeds the limits", ErrMalformed)
	}
	if _, ok := d.DK(d.CurrentDK); !ok {
		return nil, fmt.Errorf("%w: the current domain key version is not in the record", ErrMalformed)
	}
	if err := checkRules(&d.Rules, d.Quorum, len(d.Operators), true); err != nil {
		return nil, err
	}
	return &d, nil
}

// VerifyToken checks a domain token against the operator keys the importer trusts: the record
// must be the one the export proposal names (same domain, same epoch, same hash), and at least
// as many distinct operators as the record's export rule requires (never fewer than one) must
// have approved the export — counting only operators who are both in the record and in trusted.
// Staleness is judged by the importer against its own state (the epoch), not here.
func VerifyToken(t *DomainToken, trusted []ed25519.PublicKey) (*Domain, error) {
	refuse := func(format string, args ...any) (*Domain, error) {
		return nil, fmt.Errorf("%w: %s", ErrTokenRefused, fmt.Sprintf(format, args...))
	}
	d, err := ParseRecord(t.Record)
	if err != nil {
		return refuse("%v", err)
	}
	sp, p, err := ParseSignedProposal(t.Export)
	if err != nil {
		return refuse("%v", err)
	}
	h := sha256.Sum256(t.Record)
	if p.Kind != KindExportToken || p.DomainID != d.ID || p.Epoch != d.Epoch || string(p.RecordHash) != string(h[:]) {
		return refuse("the export approval is not for this record (tampered token?)")
	}
	var ops []Operator
	for _, o := range d.Operators {
		for _, k := range trusted {
			if string(o.PublicKey) == string(k) {
				ops = append(ops, o)
			}
		}
	}
	need := max(d.Rules.need(KindExportToken, d.Quorum), 1)
	if approve, _ := countVerdicts(sp.Proposal, sp.Signatures, ops); approve < need {
		return refuse("%d trusted operators approved the export, %d needed", approve, need)
	}
	return d, nil
}

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
	t, err := ParseToken(c.Token)
	if err != nil {
		return errorf(ErrValidation, "the domain token is malformed: %v", err)
	}
	if cur := s.domain; cur != nil {
		d, err := VerifyToken(t, operatorKeys(cur.Operators))
		if err == nil && d.ID == cur.ID && d.Epoch == cur.Epoch && string(RecordBytes(cur)) == string(t.Record) {
			return nil // a retried import
		}
		return errorf(ErrAlreadyExists, "this node already has domain %s (epoch %d): a domain token is imported only onto a node without a domain", cur.ID, cur.Epoch)
	}
	if len(c.Anchors) == 0 {
		return errorf(ErrAccessDenied, "the import names no trusted operator keys")
	}
	d, err := VerifyToken(t, c.Anchors)
	if err != nil {
		return errorf(ErrAccessDenied, "%v", err)
	}
	s.domain = d
	return nil
}
