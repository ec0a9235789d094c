package ceremony

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
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
const TokenVersion = 1

// ErrTokenRefused is the cause of every refusal of a domain token by VerifyToken: tampered,
// signed by too few trusted operators, or not an export of the record it carries.
var ErrTokenRefused = errors.New("domain: domain token refused")

// Marshal returns the token's canonical bytes.
func (t *DomainToken) Marshal() []byte { return Marshal(t) }

// ParseToken decodes a domain token strictly (canonical CBOR, known fields, limits). It verifies
// nothing: see VerifyToken.
func ParseToken(b []byte) (*DomainToken, error) {
	var t DomainToken
	if err := UnmarshalStrict(b, MaxTokenBytes, &t); err != nil {
		return nil, err
	}
	if t.Version != TokenVersion {
		return nil, fmt.Errorf("%w: token version %d, want %d", ErrMalformed, t.Version, TokenVersion)
	}
	return &t, nil
}

// ParseRecord decodes a canonical domain record.
func ParseRecord(b []byte) (*Domain, error) {
	var d Domain
	if err := UnmarshalStrict(b, MaxTokenBytes, &d); err != nil {
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
	if err := CheckRules(&d.Rules, d.Quorum, len(d.Operators), true); err != nil {
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
	Need := max(d.Rules.Need(KindExportToken, d.Quorum), 1)
	if approve, _ := CountVerdicts(sp.Proposal, sp.Signatures, ops); approve < Need {
		return refuse("%d trusted operators approved the export, %d needed", approve, Need)
	}
	return d, nil
}
