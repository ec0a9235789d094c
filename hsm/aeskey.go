package hsm

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"

	"github.com/miekg/pkcs11"
)

// AES-GCM parameters. Why: AES-256-GCM is the AEAD every PKCS#11 v2.40 token implements
// (CKM_AES_GCM), 96-bit IVs are the size GCM handles without hashing the IV, and a 128-bit tag is
// the full-strength tag.
const (
	aesKeyBytes = 32
	gcmIVBytes  = 12
	gcmTagBytes = 16
	// maxMessage bounds one Encrypt/Decrypt: the HSM wraps keys and keysets, not bulk data.
	maxMessage = 16 << 20
	// maxLabel bounds key labels; CKA_LABEL has no fixed size but tokens have limits.
	maxLabel = 256
)

// AESKey is a handle to an AES-256 key inside the token. It implements the two-method AEAD shape
// tink.AEAD uses (Encrypt(plaintext, associatedData), Decrypt(ciphertext, associatedData)) with
// AES-256-GCM computed by the token. It is safe for concurrent use, and usable until its Token
// is closed.
type AESKey struct {
	t     *Token
	label string
	ref   atomic.Pointer[keyRef] // the cached handle; re-found by label when invalid or stale
}

// keyRef is an object handle and the module generation it was found under: a handle from before
// a module re-initialisation may name another object now, so it is never used (reinit.go).
type keyRef struct {
	h   pkcs11.ObjectHandle
	gen uint64
}

func (k *AESKey) store(h pkcs11.ObjectHandle, gen uint64) { k.ref.Store(&keyRef{h, gen}) }

// Label returns the key's CKA_LABEL.
func (k *AESKey) Label() string { return k.label }

// GenerateAESKey creates a persistent (CKA_TOKEN) AES-256 key labelled label that never leaves
// the token: CKA_SENSITIVE, not CKA_EXTRACTABLE, CKA_PRIVATE, usable only to encrypt and decrypt.
// It returns ErrKeyExists if an AES key with that label exists already. The check and the
// creation are atomic within the process, not across processes sharing the token.
func (t *Token) GenerateAESKey(label string) (*AESKey, error) {
	return t.generateAESKey(label, aesKeyTemplate(label, false, true), "AES key")
}

// generateAESKey creates a persistent AES-256 key from template (which names label) after
// checking that no AES key has that label yet; what names the kind of key in the log.
func (t *Token) generateAESKey(label string, template []*pkcs11.Attribute, what string) (*AESKey, error) {
	if err := checkKeyLabel("generate_key", label); err != nil {
		return nil, err
	}
	t.genMu.Lock()
	defer t.genMu.Unlock()
	handles, err := t.findKeys(label)
	if err != nil {
		return nil, err
	}
	if len(handles) > 0 {
		return nil, &OpError{Op: fmt.Sprintf("generate_key %q", label), Err: ErrKeyExists}
	}
	var (
		h   pkcs11.ObjectHandle
		gen uint64
	)
	err = t.withSession("generate_key", func(sh pkcs11.SessionHandle) error {
		var err error
		gen = t.mod.gen.Load()
		h, err = t.mod.ctx.GenerateKey(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_KEY_GEN, nil)}, template)
		return err
	})
	if err != nil {
		return nil, err
	}
	k := &AESKey{t: t, label: label}
	k.store(h, gen)
	t.log.Info("hsm: "+what+" generated", "token", t.label, "key", label)
	return k, nil
}

// FindAESKey returns the AES key labelled label, ErrKeyNotFound if there is none and
// ErrAmbiguous if several keys share the label.
func (t *Token) FindAESKey(label string) (*AESKey, error) {
	if err := checkKeyLabel("find", label); err != nil {
		return nil, err
	}
	gen := t.mod.gen.Load()
	h, err := t.findKey(label)
	if err != nil {
		return nil, err
	}
	k := &AESKey{t: t, label: label}
	// Stored with the generation from before the search: if the module was re-initialised in
	// between, the handle is treated as stale and found again before any use.
	k.store(h, gen)
	return k, nil
}

// findKey returns the handle of the one AES key labelled label.
func (t *Token) findKey(label string) (pkcs11.ObjectHandle, error) {
	return t.findOne(pkcs11.CKO_SECRET_KEY, pkcs11.CKK_AES, label)
}

// findKeys returns the handles (at most two: enough to tell one from several) of the AES secret
// keys labelled label.
func (t *Token) findKeys(label string) ([]pkcs11.ObjectHandle, error) {
	return t.findObjects("find", pkcs11.CKO_SECRET_KEY, pkcs11.CKK_AES, label)
}

func checkKeyLabel(op, label string) error {
	if label == "" || len(label) > maxLabel {
		return &OpError{Op: op, Err: fmt.Errorf("%w: key label must be 1 to %d bytes", ErrInvalidArgument, maxLabel)}
	}
	return nil
}

// Encrypt seals plaintext with AES-256-GCM inside the token, authenticating associatedData too,
// and returns iv(12) || ciphertext || tag(16). The IV is fresh from crypto/rand on every call.
func (k *AESKey) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return k.encrypt("encrypt", plaintext, associatedData)
}

// encrypt is Encrypt reported to the Observer as op.
func (k *AESKey) encrypt(op string, plaintext, associatedData []byte) ([]byte, error) {
	if len(plaintext) > maxMessage || len(associatedData) > maxMessage {
		return nil, &OpError{Op: "encrypt", Err: fmt.Errorf("%w: input larger than %d bytes", ErrInvalidArgument, maxMessage)}
	}
	var out []byte
	err := k.do(op, func(sh pkcs11.SessionHandle, h pkcs11.ObjectHandle) error {
		// A fresh IV per attempt: a retried call must not reuse the IV of one that may have run.
		iv := make([]byte, gcmIVBytes)
		_, _ = rand.Read(iv) // crypto/rand.Read never fails
		params := pkcs11.NewGCMParams(iv, associatedData, gcmTagBytes*8)
		defer params.Free()
		ctx := k.t.mod.ctx
		if err := ctx.EncryptInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_GCM, params)}, h); err != nil {
			return err
		}
		ct, err := ctx.Encrypt(sh, plaintext)
		if err != nil {
			return err
		}
		if len(ct) != len(plaintext)+gcmTagBytes {
			return &OpError{Op: "encrypt", Err: ErrDevice}
		}
		// Some tokens pick their own IV and write it back into the parameters.
		if got := params.IV(); len(got) == gcmIVBytes {
			iv = got
		}
		out = make([]byte, 0, gcmIVBytes+len(ct))
		out = append(append(out, iv...), ct...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Decrypt opens what Encrypt sealed with this key and the same associatedData. Every failure to
// authenticate (short input, altered bytes, other associated data, other key) is ErrDecrypt and
// returns no plaintext.
func (k *AESKey) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	return k.decrypt("decrypt", ciphertext, associatedData)
}

// decrypt is Decrypt reported to the Observer as op.
func (k *AESKey) decrypt(op string, ciphertext, associatedData []byte) ([]byte, error) {
	if len(ciphertext) < gcmIVBytes+gcmTagBytes || len(ciphertext) > maxMessage+gcmIVBytes+gcmTagBytes ||
		len(associatedData) > maxMessage {
		return nil, &OpError{Op: "decrypt", Err: ErrDecrypt}
	}
	var out []byte
	err := k.do(op, func(sh pkcs11.SessionHandle, h pkcs11.ObjectHandle) error {
		params := pkcs11.NewGCMParams(ciphertext[:gcmIVBytes], associatedData, gcmTagBytes*8)
		defer params.Free()
		ctx := k.t.mod.ctx
		if err := ctx.DecryptInit(sh, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_AES_GCM, params)}, h); err != nil {
			return err
		}
		pt, err := ctx.Decrypt(sh, ciphertext[gcmIVBytes:])
		if err != nil {
			return decryptErr(err)
		}
		if len(pt) != len(ciphertext)-gcmIVBytes-gcmTagBytes {
			clear(pt)
			return &OpError{Op: "decrypt", Err: ErrDecrypt}
		}
		out = pt
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// do runs fn with the key's handle inside withSession, finding the key again by label (once) if
// the token no longer knows the cached handle.
func (k *AESKey) do(op string, fn func(pkcs11.SessionHandle, pkcs11.ObjectHandle) error) error {
	run := func(sh pkcs11.SessionHandle) error {
		// Read under the module gate: a handle from an older generation is not used at all.
		r := k.ref.Load()
		if r.gen != k.t.mod.gen.Load() {
			return pkcs11.Error(pkcs11.CKR_KEY_HANDLE_INVALID)
		}
		return fn(sh, r.h)
	}
	err := k.t.withSession(op, run)
	code, _ := ckrCode(err)
	if code != pkcs11.CKR_OBJECT_HANDLE_INVALID && code != pkcs11.CKR_KEY_HANDLE_INVALID {
		return err
	}
	k.t.log.Warn("hsm: key handle invalid, finding the key again", "token", k.t.label, "key", k.label)
	gen := k.t.mod.gen.Load()
	nh, ferr := k.t.findKey(k.label)
	if ferr != nil {
		return ferr
	}
	k.store(nh, gen)
	return k.t.withSession(op, run)
}
