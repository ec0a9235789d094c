package domain

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"math/big"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"
	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/wrap"
)

// The create-account ceremony: operators create a tenant. Once its quorum (governance class) is
// reached the leader picks the account id, mints the account root's access key, seals its
// secret under the domain key for the principal registry and seals the credentials to the
// proposal's Recipient for the proposer (ceremony/account.go); Apply then creates the account,
// its root principal and keeps the sealed delivery in the proposal record. Randomness and the
// domain key are used only in prepare; Apply reads neither.

// createdAccount is the leader's work for a create-account: the id, the root principal and
// the credentials sealed to the recipient.
type createdAccount struct {
	ID        string
	Principal Principal
	Delivery  []byte
}

// prepareCreateAccount does create-account's work on the leader.
func prepareCreateAccount(ctx context.Context, s *Service, p *ceremony.Proposal, _ *ceremony.Domain, cmd *executeProposalCmd) error {
	id, err := s.newAccountID()
	if err != nil {
		return err
	}
	akid, secret, err := newRootAccessKey()
	if err != nil {
		return err
	}
	defer clear(secret)
	dkv, dk, err := s.currentDomainKey(ctx)
	if err != nil {
		return err
	}
	tok, err := wrap.SealKeyToken(dk, dkv, wrap.KindCredential, []byte(akid), secret)
	if err != nil {
		return dependencyError("wrapping the access key", err)
	}
	delivery, err := ceremony.SealAccountCredentials(p.Recipient, cmd.ID, ceremony.AccountCredentials{Account: id, AccessKeyID: akid, Secret: secret})
	if err != nil {
		return errorf(ErrValidation, "sealing the credentials: %v", err)
	}
	cmd.Account = &createdAccount{ID: id, Delivery: delivery, Principal: Principal{
		AccessKeyID: akid, Name: "root", DKVersion: dkv, Token: tok, CreatedAt: cmd.At, Root: true, Account: id}}
	return nil
}

// applyCreateAccount creates the account and its root principal. Every check runs before the
// first change, so a refused command leaves the state as it was.
func applyCreateAccount(s *State, rec *ProposalRecord, p *ceremony.Proposal, c *executeProposalCmd, at time.Time) error {
	a := c.Account
	if a == nil || len(a.Delivery) == 0 {
		return errorf(ErrValidation, "create-account needs the account the leader made")
	}
	pr := a.Principal
	if pr.Account != a.ID || !pr.Root || pr.User != "" || pr.AccessKeyID == "" || len(pr.Token) == 0 {
		return errorf(ErrValidation, "create-account's principal is not the new account's root")
	}
	if _, ok := s.principals[pr.AccessKeyID]; ok {
		return errorf(ErrAlreadyExists, "access key %s already exists", pr.AccessKeyID)
	}
	if err := s.checkCurrentDK(pr.DKVersion); err != nil {
		return err
	}
	cmd, err := iam.NewCommand("CreateAccount", a.ID, at, &iam.CreateAccountInput{Name: p.AccountName})
	if err != nil {
		return err
	}
	if err := s.applyIAM(&cmd); err != nil {
		return err
	}
	s.principals[pr.AccessKeyID] = &pr
	rec.Delivery = a.Delivery
	return nil
}

// newAccountID picks a random 12-digit account id no account has. The first digit is not 0,
// so that the id survives tools that parse it as a number.
func (s *Service) newAccountID() (string, error) {
	for range 16 {
		n, err := rand.Int(rand.Reader, big.NewInt(9e11))
		if err != nil {
			return "", dependencyError("generating an account id", err)
		}
		id := fmt.Sprintf("%012d", n.Int64()+1e11)
		taken := false
		s.st.View(func(v *View) { taken = v.IAM().Account(id) != nil })
		if !taken {
			return id, nil
		}
	}
	return "", errorf(ErrLimitExceeded, "no unused account id found")
}

// newRootAccessKey mints a long-term access key in AWS's shape: AKIA and 16 base32 characters,
// and a 40-character secret, from crypto/rand. The caller owns the secret and clears it.
func newRootAccessKey() (string, []byte, error) {
	raw := make([]byte, 10+30)
	defer clear(raw)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, dependencyError("generating an access key", err)
	}
	akid := "AKIA" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw[:10])[:16]
	secret := []byte(base64.RawStdEncoding.EncodeToString(raw[10:]))[:40]
	return akid, secret, nil
}
