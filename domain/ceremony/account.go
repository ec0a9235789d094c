package ceremony

import (
	"crypto/hpke"
	"fmt"
)

// The create-account ceremony delivers the new account's root credentials to the operator who
// proposed it, and to no one else: the proposal carries a fresh HPKE public key (Recipient) that
// keyholdctl generated and whose private key never leaves the proposer's machine; the approvers
// sign it along with the account name, so they approve where the credentials go. The leader
// that executes the ceremony seals the credentials to it and the sealed box is kept in the
// proposal record, which anyone may read and only the proposer can open. Nothing else stores
// the secret but the principal registry, sealed under the domain key.
//
// The suite is HPKE (RFC 9180) base mode with the hybrid ML-KEM-768 + X25519 KEM, HKDF-SHA256
// and AES-256-GCM: the record is replicated and kept, so its confidentiality should not end
// with X25519's; the info string binds the box to the proposal it answers, so a box from one
// create-account cannot be passed off as another's.

// AccountRecipientKEM is the KEM of a create-account Recipient key.
func AccountRecipientKEM() hpke.KEM { return hpke.MLKEM768X25519() }

// maxAccountName is IAM's account-name limit, as domain/iam checks it again.
const maxAccountName = 50

// AccountCredentials are what a create-account delivers, sealed to the proposal's Recipient.
type AccountCredentials struct {
	Account     string `cbor:"1,keyasint"` // the new 12-digit account id
	AccessKeyID string `cbor:"2,keyasint"` // the account root's access key id
	Secret      []byte `cbor:"3,keyasint"` // its secret access key
}

// maxCredentialsBytes bounds a sealed credentials box (a few dozen bytes of CBOR, the KEM's
// encapsulation and the AEAD tag).
const maxCredentialsBytes = 4 << 10

func credentialsInfo(proposalID string) []byte {
	return []byte("keyhold create-account credentials v1\x00" + proposalID)
}

// SealAccountCredentials seals c to recipient (a create-account proposal's Recipient) for the
// proposal with id.
func SealAccountCredentials(recipient []byte, proposalID string, c AccountCredentials) ([]byte, error) {
	pk, err := AccountRecipientKEM().NewPublicKey(recipient)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient key: %v", ErrMalformed, err)
	}
	pt := Marshal(c)
	defer clear(pt)
	return hpke.Seal(pk, hpke.HKDFSHA256(), hpke.AES256GCM(), credentialsInfo(proposalID), pt)
}

// OpenAccountCredentials opens a sealed credentials box of the proposal with id with the
// recipient's private key (AccountRecipientKEM serialisation). The caller owns and should clear
// the returned Secret.
func OpenAccountCredentials(priv []byte, proposalID string, sealed []byte) (AccountCredentials, error) {
	var c AccountCredentials
	if len(sealed) > maxCredentialsBytes {
		return c, fmt.Errorf("%w: sealed credentials of %d bytes", ErrMalformed, len(sealed))
	}
	k, err := AccountRecipientKEM().NewPrivateKey(priv)
	if err != nil {
		return c, fmt.Errorf("%w: recipient private key: %v", ErrMalformed, err)
	}
	pt, err := hpke.Open(k, hpke.HKDFSHA256(), hpke.AES256GCM(), credentialsInfo(proposalID), sealed)
	if err != nil {
		return c, fmt.Errorf("domain: the credentials do not open with this key for proposal %s", proposalID)
	}
	defer clear(pt)
	if err := UnmarshalStrict(pt, maxCredentialsBytes, &c); err != nil {
		return c, err
	}
	return c, nil
}

// checkCreateAccount checks a create-account proposal's shape: a name IAM accepts and a
// recipient key of the right KEM.
func checkCreateAccount(p *Proposal) error {
	if n := p.AccountName; len(n) > maxAccountName || !accountNameChars(n) {
		return fmt.Errorf("%w: an account name is 1 to %d characters of letters, digits and +=,.@_-", ErrMalformed, maxAccountName)
	}
	if _, err := AccountRecipientKEM().NewPublicKey(p.Recipient); err != nil {
		return fmt.Errorf("%w: the recipient is not an ML-KEM-768+X25519 public key", ErrMalformed)
	}
	return nil
}

func accountNameChars(n string) bool {
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '_' || r == '-':
		default:
			return false
		}
	}
	return n != ""
}
