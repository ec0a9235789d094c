package main

import (
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/ceremony"
)

// recipientPEM is the PEM type of a create-account recipient private key.
const recipientPEM = "KEYHOLD ACCOUNT RECIPIENT KEY"

func init() {
	register("create-account", "propose creating an account; with --credentials-out, fetch its root credentials once executed", func(e *env, args []string) error {
		fs := newFlags(e, "create-account", "--key FILE --name NAME [--recipient-key FILE]  |  --recipient-key FILE --credentials-out FILE PROPOSAL-ID",
			`  keyholdctl create-account --key alice.key --name team-b          # writes team-b.recipient.key
  keyholdctl approve --key bob.key 3f2a...                           # the other approvers
  keyholdctl create-account --recipient-key team-b.recipient.key --credentials-out team-b.credentials 3f2a...
  AWS_SHARED_CREDENTIALS_FILE=team-b.credentials AWS_PROFILE=team-b aws --endpoint-url $EP sts get-caller-identity`)
		var sf signerFlags
		sf.add(fs)
		name := fs.String("name", "", "the new account's name (1 to 50 of letters, digits and +=,.@_-)")
		recipient := fs.String("recipient-key", "", "file keeping the private key the credentials are sealed to (default NAME.recipient.key)")
		credsOut := fs.String("credentials-out", "", "fetch mode: write the executed proposal's root credentials to this file (AWS shared-credentials format)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *credsOut != "" {
			if fs.NArg() != 1 || *recipient == "" {
				fs.Usage()
				return errors.New("fetching needs --recipient-key and one proposal id")
			}
			return fetchAccountCredentials(e, *recipient, *credsOut, fs.Arg(0))
		}
		if *name == "" {
			fs.Usage()
			return errors.New("--name is required")
		}
		if *recipient == "" {
			*recipient = *name + ".recipient.key"
		}
		pub, err := newRecipientKey(*recipient)
		if err != nil {
			return err
		}
		err = propose(e, sf, ceremony.KindCreateAccount, func(p *ceremony.Proposal, _ domain.DomainStatus) error {
			p.AccountName, p.Recipient = *name, pub
			return nil
		})
		if err != nil {
			// Refused (a bad name, no quorum member): no credentials will be sealed to the key.
			_ = os.Remove(*recipient)
		}
		return err
	})
}

// newRecipientKey generates the key pair the new account's credentials are sealed to, writes
// the private key to path (which must not exist; mode 0600) and returns the public key. The
// private key never leaves this machine; the proposal carries the public key.
func newRecipientKey(path string) ([]byte, error) {
	k, err := ceremony.AccountRecipientKEM().GenerateKey()
	if err != nil {
		return nil, err
	}
	priv, err := k.Bytes()
	if err != nil {
		return nil, err
	}
	defer clear(priv)
	b := pem.EncodeToMemory(&pem.Block{Type: recipientPEM, Bytes: priv})
	defer clear(b)
	if err := writeNew(path, b); err != nil {
		return nil, err
	}
	return k.PublicKey().Bytes(), nil
}

// fetchAccountCredentials opens the credentials an executed create-account delivered, writes
// them to out and deletes the recipient key: the credentials are delivered once.
func fetchAccountCredentials(e *env, recipientFile, out, id string) error {
	b, err := os.ReadFile(recipientFile)
	if err != nil {
		return err
	}
	defer clear(b)
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != recipientPEM {
		return fmt.Errorf("%s is not a %s", recipientFile, recipientPEM)
	}
	defer clear(blk.Bytes)
	var v adminclient.ProposalView
	if _, err := e.call(http.MethodGet, "/v1/admin/proposals/"+id, "", nil, &v); err != nil {
		return err
	}
	p, err := ceremony.ParseProposal(v.Proposal)
	if err != nil {
		return err
	}
	if ceremony.ProposalID(v.Proposal) != id || p.Kind != ceremony.KindCreateAccount {
		return fmt.Errorf("proposal %s is not a create-account", id)
	}
	if v.Status != "executed" || len(v.Delivery) == 0 {
		return fmt.Errorf("proposal %s is %s: its credentials are delivered once it is executed", id, v.Status)
	}
	c, err := ceremony.OpenAccountCredentials(blk.Bytes, id, v.Delivery)
	if err != nil {
		return err
	}
	defer clear(c.Secret)
	creds := fmt.Appendf(nil, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p.AccountName, c.AccessKeyID, c.Secret)
	defer clear(creds)
	if err := writeNew(out, creds); err != nil {
		return err
	}
	if err := os.Remove(recipientFile); err != nil {
		fmt.Fprintf(e.stderr, "keyholdctl: warning: could not delete %s: %v\n", recipientFile, err)
	}
	return e.print(map[string]string{"account": c.Account, "name": p.AccountName, "access_key_id": c.AccessKeyID, "file": out},
		fmt.Sprintf("account %s (%s): root credentials (access key %s) written to %s, profile %s\n", c.Account, p.AccountName, c.AccessKeyID, out, p.AccountName))
}

// writeNew writes b to a new file at path, readable by its owner only.
func writeNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}
