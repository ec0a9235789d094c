package hsm

import (
	"crypto/rsa"
	"math/big"
	"os"
	"testing"

	"github.com/miekg/pkcs11"
)

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

// importUntrusted creates pub as an ordinary (untrusted) wrapping key in a user session, the way
// a compromised node would try to smuggle in its own key.
func (t *Token) importUntrusted(tb testing.TB, label string, pub *rsa.PublicKey) error {
	tb.Helper()
	return t.withSession("test_create", func(sh pkcs11.SessionHandle) error {
		_, err := t.mod.ctx.CreateObject(sh, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, pub.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(pub.E)).Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		})
		return err
	})
}
