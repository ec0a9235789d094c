package node

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain/ceremony"
)

// operatorClient is the admin client of tn's ops listener signing as op.
func operatorClient(tn *testNode, op ed25519.PrivateKey) *adminclient.Client {
	return &adminclient.Client{Addr: "http://" + tn.n.OpsAddr(), Signer: func() (ed25519.PrivateKey, error) { return op, nil }}
}

// submit signs a new proposal of the current epoch with op's approval and submits it.
func submit(t *testing.T, c *adminclient.Client, op ed25519.PrivateKey, kind ceremony.ProposalKind, fill func(*ceremony.Proposal)) adminclient.ProposalView {
	t.Helper()
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	p := ceremony.NewProposal(kind, st.DomainID, st.Epoch, time.Now(), time.Hour)
	fill(p)
	signed, _, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		t.Fatal(err)
	}
	var v adminclient.ProposalView
	if _, err := c.Do(http.MethodPost, "/v1/admin/proposals", "application/cbor", signed, &v); err != nil {
		t.Fatalf("submit %s: %v", kind, err)
	}
	return v
}

// TestCreateAccountCeremony: operators create a second account by a quorum-approved ceremony.
// With governance at 2-of-2, alice's proposal alone does nothing; bob's approval lets the
// leader execute it; the new account's root credentials are delivered sealed to the recipient
// key alice's proposal named, open with her key only, and work with the AWS SDK as the new
// account's root, across a restart, and never appear on disk.
func TestCreateAccountCeremony(t *testing.T) {
	tn := newTestNode(t)
	alice, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	_, bob, _ := ed25519.GenerateKey(rand.Reader)
	ac, bc := operatorClient(tn, alice), operatorClient(tn, bob)

	// Two operators, governance 2-of-2 (each executes at once under the 1-of-1 it starts from).
	if v := submit(t, ac, alice, ceremony.KindAddOperator, func(p *ceremony.Proposal) {
		p.Operator = &ceremony.Operator{Name: "bob", PublicKey: bob.Public().(ed25519.PublicKey)}
	}); v.Status != "executed" {
		t.Fatalf("add-operator: %s", v.Status)
	}
	if v := submit(t, ac, alice, ceremony.KindChangeQuorum, func(p *ceremony.Proposal) {
		p.Rules, p.Quorum = &ceremony.QuorumRules{Governance: 2}, 1
	}); v.Status != "executed" {
		t.Fatalf("change-quorum: %s", v.Status)
	}

	// Alice proposes, naming a recipient key only she holds.
	rk, err := ceremony.AccountRecipientKEM().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rk.Bytes()
	v := submit(t, ac, alice, ceremony.KindCreateAccount, func(p *ceremony.Proposal) {
		p.AccountName, p.Recipient = "tenant-b", rk.PublicKey().Bytes()
	})
	if v.Status != "pending" || len(v.Delivery) != 0 {
		t.Fatalf("create-account with one of two approvals: %s, %d delivery bytes", v.Status, len(v.Delivery))
	}
	tn.n.ceremonyPass(ctx())
	if got, _ := ac.Proposal(v.ID); got.Status != "pending" {
		t.Fatalf("create-account executed without its quorum: %s", got.Status)
	}

	// Bob approves; the leader executes.
	sig, _ := json.Marshal(ceremony.SignProposal(bob, v.Proposal, ceremony.VerdictApprove))
	if _, err := bc.Do(http.MethodPost, "/v1/admin/proposals/"+v.ID+"/approve", "application/json", sig, &v); err != nil {
		t.Fatal(err)
	}
	deadline := clustertest.PollDeadline(t, 30*time.Second)
	for v.Status != "executed" {
		if time.Now().After(deadline) {
			t.Fatalf("create-account not executed: %s", v.Status)
		}
		tn.n.ceremonyPass(ctx())
		if v, err = ac.Proposal(v.ID); err != nil {
			t.Fatal(err)
		}
	}

	// Only the recipient key opens the delivery, and only for this proposal.
	other, _ := ceremony.AccountRecipientKEM().GenerateKey()
	otherPriv, _ := other.Bytes()
	if _, err := ceremony.OpenAccountCredentials(otherPriv, v.ID, v.Delivery); err == nil {
		t.Fatal("the delivery opened with another key")
	}
	if _, err := ceremony.OpenAccountCredentials(priv, strings.Repeat("0", 32), v.Delivery); err == nil {
		t.Fatal("the delivery opened as another proposal's")
	}
	creds, err := ceremony.OpenAccountCredentials(priv, v.ID, v.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	acct := creds.Account
	if len(acct) != 12 || strings.Trim(acct, "0123456789") != "" || acct == tn.cfg.Account {
		t.Fatalf("new account id %q", acct)
	}
	if !strings.HasPrefix(creds.AccessKeyID, "AKIA") || len(creds.AccessKeyID) != 20 || len(creds.Secret) != 40 {
		t.Fatalf("root access key %q with a %d-byte secret", creds.AccessKeyID, len(creds.Secret))
	}

	// The credentials are the new account's root.
	whoami := func() *sts.GetCallerIdentityOutput {
		t.Helper()
		out, err := tn.stsClient(creds.AccessKeyID, string(creds.Secret), "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity as the new root: %v", err)
		}
		return out
	}
	if id := whoami(); aws.ToString(id.Account) != acct || aws.ToString(id.Arn) != "arn:aws:iam::"+acct+":root" {
		t.Fatalf("GetCallerIdentity: %s %s, want account %s's root", aws.ToString(id.Account), aws.ToString(id.Arn), acct)
	}
	// Its IAM entities live in the new account.
	u, err := tn.iamClient(creds.AccessKeyID, string(creds.Secret), "").CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("app")})
	if err != nil || aws.ToString(u.User.Arn) != "arn:aws:iam::"+acct+":user/app" {
		t.Fatalf("CreateUser as the new root: %v", err)
	}
	k, err := tn.client(creds.AccessKeyID, string(creds.Secret)).CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatalf("CreateKey as the new root: %v", err)
	}
	// Keys belong to the caller's account once keys are account-scoped (helper authz); until
	// then the ARN names the domain's first account.
	t.Logf("key created by the new account's root: %s", aws.ToString(k.KeyMetadata.Arn))

	// The account and its root survive a restart (raft replay and snapshot).
	tn.restart(t)
	if id := whoami(); aws.ToString(id.Account) != acct {
		t.Fatalf("after restart: account %s", aws.ToString(id.Account))
	}
	// Dev mode's credentials file still names the first account's root, not the new one's.
	if akid, _ := clustertest.ReadCredentials(t, tn.dir+"/credentials"); akid == creds.AccessKeyID {
		t.Fatal("dev mode handed out the new account's root as the domain's")
	}
	tn.stop()
	scanForSecrets(t, tn.dir, map[string][]byte{"the new root's secret": creds.Secret})
}
