package ceremony

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAccountCredentialsSealed: the credentials open with the recipient's key for the proposal
// they answer, and with nothing else; a flipped bit is refused.
func TestAccountCredentialsSealed(t *testing.T) {
	k, err := AccountRecipientKEM().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := k.Bytes()
	in := AccountCredentials{Account: "444455556666", AccessKeyID: "AKIAABCDEFGHIJKLMNOP", Secret: []byte(strings.Repeat("s", 40))}
	const id = "0123456789abcdef0123456789abcdef"
	box, err := SealAccountCredentials(k.PublicKey().Bytes(), id, in)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(box, in.Secret) {
		t.Fatal("the secret is visible in the sealed box")
	}
	out, err := OpenAccountCredentials(priv, id, box)
	if err != nil || out.Account != in.Account || out.AccessKeyID != in.AccessKeyID || !bytes.Equal(out.Secret, in.Secret) {
		t.Fatalf("open: %+v, %v", out, err)
	}
	other, _ := AccountRecipientKEM().GenerateKey()
	otherPriv, _ := other.Bytes()
	if _, err := OpenAccountCredentials(otherPriv, id, box); err == nil {
		t.Error("opened with another key")
	}
	if _, err := OpenAccountCredentials(priv, strings.Repeat("f", 32), box); err == nil {
		t.Error("opened as another proposal's")
	}
	for i := range box {
		bad := bytes.Clone(box)
		bad[i] ^= 0x80
		if _, err := OpenAccountCredentials(priv, id, bad); err == nil {
			t.Fatalf("opened with byte %d flipped", i)
		}
	}
}

// TestCreateAccountProposalShape: create-account needs a name IAM accepts and an ML-KEM-768 +
// X25519 recipient; refusals are ErrMalformed.
func TestCreateAccountProposalShape(t *testing.T) {
	k, _ := AccountRecipientKEM().GenerateKey()
	pub := k.PublicKey().Bytes()
	for _, tt := range []struct {
		name      string
		recipient []byte
		ok        bool
	}{
		{"tenant-b", pub, true},
		{"a.b+c=d,e@f_g-h", pub, true},
		{strings.Repeat("n", 50), pub, true},
		{strings.Repeat("n", 51), pub, false},
		{"no spaces", pub, false},
		{"tenant-b", pub[:32], false},
		{"tenant-b", nil, false},
		{"", pub, false},
	} {
		p := NewProposal(KindCreateAccount, "dom", 3, time.Now(), time.Hour)
		p.AccountName, p.Recipient = tt.name, tt.recipient
		err := p.Check()
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("name %q, %d-byte recipient: %v, want ok=%v", tt.name, len(tt.recipient), err, tt.ok)
		}
	}
}
