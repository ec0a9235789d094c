package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/domain"
)

// signerFlags are the flags of every command that signs.
type signerFlags struct {
	key, passFile string
	ttl           time.Duration
}

func (s *signerFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&s.key, "key", "", "operator key file that signs")
	fs.StringVar(&s.passFile, "passphrase-file", "", "file holding the key's passphrase (else $KEYHOLDCTL_PASSPHRASE or a prompt)")
	fs.DurationVar(&s.ttl, "ttl", ceremony.DefaultProposalTTL, "how long the proposal waits for its quorum")
}

// signer is the operator key that signs the proposal or verdict, and with it the request:
// --key after the command, else the key admin requests are signed with (--key before the
// command, $KEYHOLDCTL_KEY, or dev mode's key), so that a dev node needs no flag.
func (s signerFlags) signer(e *env) (ed25519.PrivateKey, error) {
	if s.key == "" {
		return e.requestSigner()
	}
	priv, err := loadKey(e, s.key, s.passFile)
	if err != nil {
		return nil, err
	}
	e.useSigner(priv)
	return priv, nil
}

// propose builds a proposal of kind for the domain's current epoch, lets fill set its fields,
// signs it with the operator's approval and submits it. The cluster verifies it.
func propose(e *env, sf signerFlags, kind ceremony.ProposalKind, fill func(*ceremony.Proposal, domain.DomainStatus) error) error {
	priv, err := sf.signer(e)
	if err != nil {
		return err
	}
	st, err := e.status()
	if err != nil {
		return err
	}
	if !st.Initialised && kind != ceremony.KindInitDomain {
		return errors.New("the domain is not initialised: run keyholdctl init first")
	}
	p := ceremony.NewProposal(kind, st.DomainID, st.Epoch, time.Now(), sf.ttl)
	if err := fill(p, st); err != nil {
		return err
	}
	signed, _, err := ceremony.SignNewProposal(p, priv)
	if err != nil {
		return err
	}
	var v adminclient.ProposalView
	if _, err := e.call(http.MethodPost, "/v1/admin/proposals", "application/cbor", signed, &v); err != nil {
		return err
	}
	return e.print(v, fmt.Sprintf("proposal %s (%s) is %s: %d approval(s); others approve with\n  keyholdctl approve --key KEY %s\n", v.ID, v.Kind, v.Status, v.Approvals, v.ID))
}

// verdict signs an approval or a rejection of proposal id, after showing what is signed.
func verdict(e *env, args []string, name string, v ceremony.Verdict) error {
	fs := newFlags(e, name, "--key FILE PROPOSAL-ID", fmt.Sprintf(`  keyholdctl show 3f2a9c...            # read it first
  keyholdctl %s --key bob.key 3f2a9c...`, name))
	var sf signerFlags
	sf.add(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("one proposal id is required")
	}
	id := fs.Arg(0)
	var p adminclient.ProposalView
	if _, err := e.call(http.MethodGet, "/v1/admin/proposals/"+id, "", nil, &p); err != nil {
		return err
	}
	// Sign what the proposal bytes say, not what the node says they say.
	dec, err := ceremony.ParseProposal(p.Proposal)
	if err != nil {
		return err
	}
	if ceremony.ProposalID(p.Proposal) != id {
		return errors.New("the node returned a proposal with another id")
	}
	priv, err := sf.signer(e)
	if err != nil {
		return err
	}
	sig := ceremony.SignProposal(priv, p.Proposal, v)
	body, _ := json.Marshal(sig)
	var out adminclient.ProposalView
	if _, err := e.call(http.MethodPost, "/v1/admin/proposals/"+id+"/"+name, "application/json", body, &out); err != nil {
		return err
	}
	return e.print(out, fmt.Sprintf("proposal %s (%s, epoch %d) is %s: %d approval(s), %d rejection(s)\n", out.ID, dec.Kind, dec.Epoch, out.Status, out.Approvals, out.Rejections))
}
