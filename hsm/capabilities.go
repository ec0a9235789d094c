package hsm

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// The capability check. PKCS#11 tokens differ exactly where keyhold's security rests: whether
// CKA_WRAP_WITH_TRUSTED and CKA_UNWRAP_TEMPLATE are understood and enforced, whether the SO may
// create a CKA_TRUSTED key, which mechanisms exist (HSM-NOTES.md: opencryptoki's software token
// lacks AES-GCM and refuses CKA_WRAP_WITH_TRUSTED). A node that found out at its first ceremony,
// or worse, silently ran without the protection, would be far worse than one that refuses to
// start. So CheckCapabilities probes, with session objects it destroys, everything the package
// relies on, and reports every shortfall in one error.

// ErrCapability means the token lacks a mechanism or attribute keyhold relies on; the message
// names each one.
var ErrCapability = errors.New("hsm: the token lacks what keyhold needs")

// MechanismRequirement is one mechanism this package uses, with the operations it needs from it
// and, when it matters, the least key size the token must allow (bytes for AES, bits for RSA, as
// PKCS#11 counts them).
type MechanismRequirement struct {
	Mechanism  uint
	Name       string
	Flags      uint
	FlagNames  string
	MinKeySize uint
}

// RequiredMechanisms lists the mechanisms the package uses, and why.
var RequiredMechanisms = []MechanismRequirement{
	// Domain keys and other AES-256 keys are generated inside the token.
	{pkcs11.CKM_AES_KEY_GEN, "CKM_AES_KEY_GEN", pkcs11.CKF_GENERATE, "generate", aesKeyBytes},
	// Every seal and open under a domain key (AESKey.Encrypt, Decrypt).
	{pkcs11.CKM_AES_GCM, "CKM_AES_GCM", pkcs11.CKF_ENCRYPT | pkcs11.CKF_DECRYPT, "encrypt, decrypt", 0},
	// The identity key pair that receives domain keys (identity.go).
	{pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, "CKM_RSA_PKCS_KEY_PAIR_GEN", pkcs11.CKF_GENERATE_KEY_PAIR, "generate key pair", identityBits},
	// Moving a domain key between member HSMs (WrapDomainKey, UnwrapDomainKey).
	{pkcs11.CKM_RSA_PKCS_OAEP, "CKM_RSA_PKCS_OAEP", pkcs11.CKF_WRAP | pkcs11.CKF_UNWRAP, "wrap, unwrap", identityBits},
}

// MissingMechanisms checks a token's mechanism list (mechanism to its CK_MECHANISM_INFO) against
// RequiredMechanisms and describes each shortfall, in the order of RequiredMechanisms.
func MissingMechanisms(have map[uint]pkcs11.MechanismInfo) []string {
	var missing []string
	for _, r := range RequiredMechanisms {
		info, ok := have[r.Mechanism]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprintf("mechanism %s (%s) is not offered", r.Name, r.FlagNames))
		case info.Flags&r.Flags != r.Flags:
			missing = append(missing, fmt.Sprintf("mechanism %s does not allow %s", r.Name, r.FlagNames))
		case r.MinKeySize != 0 && info.MaxKeySize != 0 && info.MaxKeySize < r.MinKeySize:
			missing = append(missing, fmt.Sprintf("mechanism %s allows keys up to %d, keyhold needs %d", r.Name, info.MaxKeySize, r.MinKeySize))
		}
	}
	return missing
}

// CapabilityError formats the one message a node refuses to start with.
func CapabilityError(token string, missing []string) error {
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("%w: token %q: %s", ErrCapability, token, strings.Join(missing, "; "))
}

// CheckCapabilities checks the token against everything this package relies on: the mechanism
// list (MissingMechanisms), then, with session objects destroyed afterwards, that it generates an
// AES-256 key with CKA_WRAP_WITH_TRUSTED, seals and opens with AES-GCM under it, draws random
// bytes, refuses to unwrap against a key's CKA_UNWRAP_TEMPLATE, and, when the SO PIN is
// available (ceremony time, dev mode), lets the security officer create a CKA_TRUSTED public key.
// It returns nil or one error wrapping ErrCapability that names every shortfall, or another
// error if the token could not be asked at all.
func (t *Token) CheckCapabilities() error {
	var missing []string
	err := t.withSession("check_capabilities", func(sh pkcs11.SessionHandle) error {
		m, err := t.mechanismInfos()
		if err != nil {
			return err
		}
		missing = append(MissingMechanisms(m), t.probeAttributes(sh)...)
		return nil
	})
	if err != nil {
		return err
	}
	if so, err := t.soPIN(); err == nil {
		defer clear(so)
		if msg := t.probeTrusted(so); msg != "" {
			missing = append(missing, msg)
		}
	}
	return CapabilityError(t.label, missing)
}

// mechanismInfos reads the token's mechanism list with each mechanism's info. The caller holds a
// session (so the gate).
func (t *Token) mechanismInfos() (map[uint]pkcs11.MechanismInfo, error) {
	t.slotMu.Lock()
	slot := t.slot
	t.slotMu.Unlock()
	ctx := t.mod.ctx
	list, err := ctx.GetMechanismList(slot)
	if err != nil {
		return nil, err
	}
	out := make(map[uint]pkcs11.MechanismInfo, len(list))
	for _, m := range list {
		info, err := ctx.GetMechanismInfo(slot, []*pkcs11.Mechanism{m})
		if err != nil {
			return nil, err
		}
		out[m.Mechanism] = info
	}
	return out, nil
}

// probeAttributes tries, on session objects, the attribute behaviour the package relies on and
// describes what fails.
func (t *Token) probeAttributes(sh pkcs11.SessionHandle) []string {
	ctx := t.mod.ctx
	var missing []string
	var made []pkcs11.ObjectHandle
	defer func() {
		for _, h := range made {
			_ = ctx.DestroyObject(sh, h)
		}
	}()
	sessionKey := func(tmpl []*pkcs11.Attribute) []*pkcs11.Attribute {
		out := make([]*pkcs11.Attribute, 0, len(tmpl))
		for _, a := range tmpl {
			if a.Type != pkcs11.CKA_TOKEN && a.Type != pkcs11.CKA_LABEL {
				out = append(out, a)
			}
		}
		return append(out, pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false))
	}
	aesGen := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}

	// A domain key: AES-256, sensitive, wrappable only with a trusted key.
	dk, err := ctx.GenerateKey(sh, aesGen, sessionKey(domainKeyTemplate("", true)))
	if err != nil {
		missing = append(missing, "AES-256 key generation with CKA_WRAP_WITH_TRUSTED and CKA_SENSITIVE ("+errName(err)+")")
	} else {
		made = append(made, dk)
		if msg := t.probeGCM(sh, dk); msg != "" {
			missing = append(missing, msg)
		}
	}
	if b, err := ctx.GenerateRandom(sh, 16); err != nil || len(b) != 16 {
		missing = append(missing, "C_GenerateRandom ("+errName(err)+")")
	}

	// CKA_UNWRAP_TEMPLATE is enforced: a key wrapped by a key whose unwrap template says
	// "sensitive" cannot be unwrapped as readable. Probed with AES key wrap, on session keys.
	kwp := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_WRAP_PAD, nil)}
	wk, err := t.generateKeyWithUnwrapTemplate(sh, pkcs11.CKM_AES_KEY_GEN, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, aesKeyBytes),
		pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, true),
	}, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true)})
	if err != nil {
		return append(missing, "CKA_UNWRAP_TEMPLATE on key generation ("+errName(err)+")")
	}
	made = append(made, wk)
	x, err := ctx.GenerateKey(sh, aesGen, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE_LEN, aesKeyBytes),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true),
	})
	if err != nil {
		return append(missing, "extractable AES key generation ("+errName(err)+")")
	}
	made = append(made, x)
	wrapped, err := ctx.WrapKey(sh, kwp, wk, x)
	if err != nil {
		// No key wrap to probe with: the template cannot be checked this way; say so.
		return append(missing, "CKM_AES_KEY_WRAP_PAD, needed to check CKA_UNWRAP_TEMPLATE enforcement ("+errName(err)+")")
	}
	h, err := ctx.UnwrapKey(sh, kwp, wk, wrapped, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_SECRET_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_AES),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false),
	})
	if err == nil {
		made = append(made, h)
		missing = append(missing, "enforcement of CKA_UNWRAP_TEMPLATE (an unwrap contradicting the template succeeded)")
	}
	return missing
}

// probeGCM seals and opens a constant with AES-GCM under the session key h.
func (t *Token) probeGCM(sh pkcs11.SessionHandle, h pkcs11.ObjectHandle) string {
	ctx := t.mod.ctx
	iv := make([]byte, gcmIVBytes)
	_, _ = rand.Read(iv)
	params := pkcs11.NewGCMParams(iv, nil, gcmTagBytes*8)
	defer params.Free()
	mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_GCM, params)}
	if err := ctx.EncryptInit(sh, mech, h); err != nil {
		return "AES-GCM with a 96-bit IV and 128-bit tag (" + errName(err) + ")"
	}
	ct, err := ctx.Encrypt(sh, probeText)
	if err != nil || len(ct) != len(probeText)+gcmTagBytes {
		return "AES-GCM encryption (" + errName(err) + ")"
	}
	if got := params.IV(); len(got) == gcmIVBytes {
		iv = got
	}
	dparams := pkcs11.NewGCMParams(iv, nil, gcmTagBytes*8)
	defer dparams.Free()
	if err := ctx.DecryptInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_GCM, dparams)}, h); err != nil {
		return "AES-GCM decryption (" + errName(err) + ")"
	}
	if pt, err := ctx.Decrypt(sh, ct); err != nil || string(pt) != string(probeText) {
		return "AES-GCM decryption of its own output (" + errName(err) + ")"
	}
	return ""
}

var probeRSA = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// probeTrusted checks that the security officer may create a CKA_TRUSTED wrapping key (a
// session object, gone when the SO session closes).
func (t *Token) probeTrusted(so []byte) string {
	k, err := probeRSA()
	if err != nil {
		return "" // not the token's fault
	}
	err = t.withSOSession(so, func(sh pkcs11.SessionHandle) error {
		h, err := t.mod.ctx.CreateObject(sh, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(k.E)).Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_TRUSTED, true),
			pkcs11.NewAttribute(pkcs11.CKA_WRAP, true),
		})
		if err == nil {
			_ = t.mod.ctx.DestroyObject(sh, h)
		}
		return err
	})
	var oe *OpError
	if errors.As(err, &oe) && oe.Op == "so_create" {
		return "creation of a CKA_TRUSTED public key by the security officer (" + errName(err) + ")"
	}
	// Any other failure (a wrong SO PIN, say) is not the token's shortfall: the ceremony that
	// needs the SO reports it.
	return ""
}

// errName names a module error by its CKR code, or the error itself.
func errName(err error) string {
	if err == nil {
		return "wrong output"
	}
	if code, ok := ckrCode(err); ok && code != 0 {
		return ckrName(code)
	}
	return err.Error()
}
