package node

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/miekg/pkcs11"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/hsm"
	"github.com/keyhold/keyhold/softhsm"
)

// rawSession is what an attacker who has the node's user PIN gets: a PKCS#11 session of their
// own on the node's token, through the same module, outside keyhold.
type rawSession struct {
	ctx *pkcs11.Ctx
	sh  pkcs11.SessionHandle
}

func openRawSession(t *testing.T, tok softhsm.Token) rawSession {
	t.Helper()
	ctx := pkcs11.New(tok.ModulePath)
	if ctx == nil {
		t.Fatal("cannot load the module")
	}
	_ = ctx.Initialize() // already initialised by this process
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		if info, err := ctx.GetTokenInfo(s); err == nil && info.Label == tok.Label {
			sh, err := ctx.OpenSession(s, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
			if err != nil {
				t.Fatal(err)
			}
			if err := ctx.Login(sh, pkcs11.CKU_USER, tok.PIN); err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = ctx.CloseSession(sh) })
			return rawSession{ctx, sh}
		}
	}
	t.Fatalf("token %s not found", tok.Label)
	return rawSession{}
}

func (r rawSession) find(t *testing.T, class uint, label string) pkcs11.ObjectHandle {
	t.Helper()
	if err := r.ctx.FindObjectsInit(r.sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}); err != nil {
		t.Fatal(err)
	}
	hs, _, err := r.ctx.FindObjects(r.sh, 1)
	_ = r.ctx.FindObjectsFinal(r.sh)
	if err != nil || len(hs) != 1 {
		t.Fatalf("find %s: %v, %d objects", label, err, len(hs))
	}
	return hs[0]
}

func (r rawSession) value(h pkcs11.ObjectHandle) ([]byte, error) {
	attrs, err := r.ctx.GetAttributeValue(r.sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	if err != nil {
		return nil, err
	}
	return attrs[0].Value, nil
}

var oaepSHA1 = []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_OAEP,
	pkcs11.NewOAEPParams(pkcs11.CKM_SHA_1, pkcs11.CKG_MGF1_SHA1, pkcs11.CKZ_DATA_SPECIFIED, nil))}

// TestAttackUserPINReadsDomainKeyFromWrappedCopy: an attacker who has taken a member node and its
// user PIN (but not the SO PIN) takes that member's wrapped copy of the domain key from the
// replicated domain record, unwraps it with the node's identity key under a template of their
// own, and reads the key out (directly as CKA_VALUE, or by wrapping it to a key they own). The
// identity key's unwrap template makes the HSM refuse both.
func TestAttackUserPINReadsDomainKeyFromWrappedCopy(t *testing.T) {
	tn := newCeremonyNode(t)
	// node2 is admitted: its HSM receives the domain key wrapped to its identity key.
	n2 := admitSecondHSM(t, tn)
	st, b := n2.soft, n2.tok
	d := tn.n.svc.Domain()
	var wrapped []byte
	for _, m := range d.Members {
		if m.NodeID == "node2" {
			wrapped, _ = m.Wrapped(d.CurrentDK)
		}
	}
	if len(wrapped) == 0 {
		t.Fatal("the domain record holds no wrapped copy for node2")
	}
	dk, err := tn.n.tok.FindAESKey(d.DKVersions[0].Label)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := dk.Encrypt([]byte("a backing key"), nil)
	if err != nil {
		t.Fatal(err)
	}
	// opens reports whether key is the domain key: it opens what the domain key sealed.
	opens := func(key []byte) bool {
		blk, err := aes.NewCipher(key)
		if err != nil {
			return false
		}
		g, _ := cipher.NewGCM(blk)
		pt, err := g.Open(nil, sealed[:12], sealed[12:], nil)
		return err == nil && bytes.Equal(pt, []byte("a backing key"))
	}

	// The attacker on node2: the user PIN and a session of their own.
	r := openRawSession(t, st)
	ik := r.find(t, pkcs11.CKO_PRIVATE_KEY, identityLabel)
	aesAttrs := func(extra ...*pkcs11.Attribute) []*pkcs11.Attribute {
		return append([]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		}, extra...)
	}

	t.Run("unwrap as non-sensitive and read CKA_VALUE", func(t *testing.T) {
		h, err := r.ctx.UnwrapKey(r.sh, oaepSHA1, ik, wrapped, aesAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)))
		if err != nil {
			t.Logf("the HSM refused the unwrap: %v", err)
			return
		}
		v, err := r.value(h)
		if err == nil && opens(v) {
			t.Fatal("the attacker read the domain key out of the HSM with the user PIN")
		}
		t.Fatalf("the HSM unwrapped the domain key under the attacker's template (value read: %v)", err)
	})

	t.Run("unwrap as extractable and wrap it to an untrusted key", func(t *testing.T) {
		h, err := r.ctx.UnwrapKey(r.sh, oaepSHA1, ik, wrapped, aesAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
			pkcs11.NewAttribute(pkcs11.CKA_WRAP_WITH_TRUSTED, false)))
		if err != nil {
			t.Logf("the HSM refused the unwrap: %v", err)
			return
		}
		// The attacker's own wrapping key, with no unwrap template of its own.
		kek, err := r.ctx.GenerateKey(r.sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, aesAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, 32), pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
			pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true)))
		if err != nil {
			t.Fatal(err)
		}
		kwp := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP_PAD, nil)}
		out, err := r.ctx.WrapKey(r.sh, kwp, kek, h)
		if err != nil {
			t.Fatalf("the HSM unwrapped the domain key as freely extractable (the wrap then failed: %v)", err)
		}
		h2, err := r.ctx.UnwrapKey(r.sh, kwp, kek, out, aesAttrs(
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)))
		if err != nil {
			t.Fatalf("the domain key was wrapped to the attacker's key (re-import failed: %v)", err)
		}
		if v, err := r.value(h2); err == nil && opens(v) {
			t.Fatal("the attacker read the domain key out of the HSM with the user PIN")
		}
		t.Fatal("the domain key was wrapped to the attacker's key")
	})

	t.Run("take the unwrap template off the identity key", func(t *testing.T) {
		err := r.ctx.SetAttributeValue(r.sh, ik, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_UNWRAP_TEMPLATE, nil)})
		if err == nil {
			t.Fatal("the identity key's unwrap template could be removed")
		}
	})

	// keyhold's own install still works on node2's HSM.
	svc2 := domain.NewService(tn.n.state, nil, nil, domain.Config{NodeID: "node2", HSM: ceremonyHSM{b}})
	if n, err := svc2.SyncDomainKeys(context.Background()); err != nil || n != 1 {
		t.Fatalf("SyncDomainKeys on node2: got %d, %v", n, err)
	}
}

// nodeSoftHSM describes a test node's token from its configuration, for an attacker's raw session.
func nodeSoftHSM(t *testing.T, cfg Config) softhsm.Token {
	t.Helper()
	u, err := hsm.ParseURI(cfg.HSM)
	if err != nil {
		t.Fatal(err)
	}
	return softhsm.Token{ModulePath: u.ModulePath, Label: u.Token, PIN: u.PINValue}
}

// TestAttackNodeDiskSOPINMarksAttackerKeyTrusted: an attacker who takes a member node after an
// admission looks on its disk for the HSM security officer's PIN, to mark an RSA key of their own
// trusted and wrap the domain key to it. The SO PIN exists on the node only while the ceremony
// that needs it runs: the node deletes hsm_so_pin_file once the ceremony used it, and with the
// user PIN alone the HSM refuses to create a trusted key.
func TestAttackNodeDiskSOPINMarksAttackerKeyTrusted(t *testing.T) {
	tn := newCeremonyNodeWith(t, func(c *Config) { c.HSMSOPINKeep = false })
	soFile := tn.cfg.HSMSOPINFile
	soPIN, err := os.ReadFile(soFile)
	if err != nil {
		t.Fatal(err)
	}
	// The SO PIN is not on the node until the operator supplies it for a ceremony.
	if err := os.Remove(soFile); err != nil {
		t.Fatal(err)
	}
	t.Setenv(hsm.EnvSOPIN, "")

	st := softhsm.NewToken(t)
	u, _ := hsm.ParseURI(st.URI())
	b, err := hsm.Open(u, hsm.Options{Sessions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ident, err := ceremonyHSM{b}.IdentityKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := tn.n.svc.Domain()
	p := ceremony.NewProposal(ceremony.KindAdmitNode, d.ID, d.Epoch, time.Now(), time.Hour)
	p.Member = &ceremony.Member{NodeID: "node2", Address: "127.0.0.1:9", IdentityKey: ident}
	op, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	signed, id, err := ceremony.SignNewProposal(p, op)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tn.n.svc.SubmitProposal(context.Background(), signed); err != nil {
		t.Fatal(err)
	}
	// Without the SO PIN the admission waits, and says what it needs.
	err = tn.n.svc.RunCeremonies(context.Background())
	if err == nil || !strings.Contains(err.Error(), "hsm_so_pin_file") {
		t.Fatalf("admission without the SO PIN: got %v, want an error naming hsm_so_pin_file", err)
	}
	// ... and the status shows why, not only the leader's log.
	if f := tn.n.svc.Status().LastExecutionFailure; f == nil || f.ProposalID != id || !strings.Contains(f.Error, "hsm_so_pin_file") {
		t.Fatalf("status after the failed execution: %+v", f)
	}
	// The operator supplies it for the ceremony; the node uses it, then deletes it.
	if err := os.WriteFile(soFile, soPIN, 0o600); err != nil {
		t.Fatal(err)
	}
	clustertest.Eventually(t, 30*time.Second, "the admission executes", func() bool {
		tn.n.ceremonyPass(context.Background())
		rec, err := tn.n.svc.Proposal(context.Background(), id)
		return err == nil && rec.Status == domain.ProposalExecuted
	})
	if f := tn.n.svc.Status().LastExecutionFailure; f != nil {
		t.Fatalf("status after the execution: still shows %+v", f)
	}
	clustertest.Eventually(t, 10*time.Second, "the SO PIN file is deleted", func() bool {
		tn.n.ceremonyPass(context.Background())
		_, err := os.Stat(soFile)
		return errors.Is(err, os.ErrNotExist)
	})

	// The attacker takes node1: its disk, its configuration, its user PIN.
	tok := nodeSoftHSM(t, tn.cfg)
	if pin, err := os.ReadFile(soFile); err == nil {
		r := openRawSession(t, tok)
		_ = r.ctx.Logout(r.sh)
		if err := r.ctx.Login(r.sh, pkcs11.CKU_SO, strings.TrimSpace(string(pin))); err == nil {
			t.Fatal("the attacker logged in as the HSM security officer with the PIN left on the node")
		}
	}
	r := openRawSession(t, tok)
	mine, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.ctx.CreateObject(r.sh, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, mine.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(mine.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_TRUSTED, true),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
	})
	if err == nil {
		t.Fatal("a user session created a trusted wrapping key")
	}
	t.Logf("user session creating a trusted key: %v", err)
}
