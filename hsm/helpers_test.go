package hsm

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/keyhold/keyhold/softhsm"
	"github.com/miekg/pkcs11"
)

// newTestToken provisions a fresh SoftHSM2 token and opens it; Close runs at cleanup.
func newTestToken(t testing.TB, opts Options) (*Token, softhsm.Token) {
	t.Helper()
	st := softhsm.NewToken(t)
	u, err := ParseURI(st.URI())
	if err != nil {
		t.Fatalf("ParseURI(token URI): %v", err)
	}
	tok, err := Open(u, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := tok.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tok, st
}

// keyAttrs reads boolean attributes of the key object, the way an auditor would.
func keyAttrs(t *testing.T, k *AESKey, types ...uint) map[uint]bool {
	t.Helper()
	tmpl := make([]*pkcs11.Attribute, len(types))
	for i, typ := range types {
		tmpl[i] = pkcs11.NewAttribute(typ, nil)
	}
	var attrs []*pkcs11.Attribute
	err := k.t.withSession("test_get_attributes", func(sh pkcs11.SessionHandle) error {
		var err error
		attrs, err = k.t.mod.ctx.GetAttributeValue(sh, k.ref.Load().h, tmpl)
		return err
	})
	if err != nil {
		t.Fatalf("GetAttributeValue: %v", err)
	}
	got := map[uint]bool{}
	for _, a := range attrs {
		got[a.Type] = len(a.Value) == 1 && a.Value[0] == 1
	}
	return got
}

// readKeyValue tries to read CKA_VALUE of the key and returns the module's answer.
func readKeyValue(k *AESKey) ([]byte, error) {
	var value []byte
	err := k.t.withSession("test_get_value", func(sh pkcs11.SessionHandle) error {
		attrs, err := k.t.mod.ctx.GetAttributeValue(sh, k.ref.Load().h,
			[]*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		if err == nil && len(attrs) == 1 {
			value = attrs[0].Value
		}
		return err
	})
	return value, err
}

// observed records Observer calls.
type observed struct {
	mu    sync.Mutex
	calls []observedCall
}

type observedCall struct {
	op  string
	d   time.Duration
	err error
}

func (o *observed) observe(op string, d time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls = append(o.calls, observedCall{op, d, err})
}

// count returns how many calls of op ended with an error wrapping want (nil: succeeded).
func (o *observed) count(op string, want error) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.calls {
		if c.op == op && (want == nil && c.err == nil || want != nil && errors.Is(c.err, want)) {
			n++
		}
	}
	return n
}

// sabotageSession takes a pooled session (opening it if needed), lets f spoil it behind the
// pool's back, and puts it back, as a token restart or a vendor bug would.
func sabotageSession(t *testing.T, tok *Token, f func(ctx *pkcs11.Ctx, sh pkcs11.SessionHandle)) {
	t.Helper()
	sh, err := tok.getSession("test_sabotage")
	if err != nil {
		t.Fatal(err)
	}
	f(tok.mod.ctx, sh)
	tok.putSession(sh)
}
