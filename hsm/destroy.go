package hsm

import (
	"github.com/miekg/pkcs11"
)

// maxListed bounds how many objects one listing returns; a domain has at most a few dozen members
// and domain key versions, so a token holding more keyhold objects than this is not keyhold's.
const maxListed = 4096

// DestroyAESKey destroys every AES key labelled label (C_DestroyObject) and reports how many it
// destroyed; none is not an error, so retiring a version is idempotent. Retirement uses it: a
// domain key version nothing depends on any more is removed from the HSM rather than left for an
// attacker who later takes the node.
func (t *Token) DestroyAESKey(label string) (int, error) {
	if err := checkKeyLabel("destroy", label); err != nil {
		return 0, err
	}
	return t.destroyAll(pkcs11.CKO_SECRET_KEY, pkcs11.CKK_AES, label)
}

// DestroyTrustedKey destroys the trusted wrapping key labelled label (as TrustWrappingKey made
// it) and reports how many objects it destroyed. After it, WrapDomainKey to that label fails, so
// a removed member's HSM can receive no later domain key from this token.
func (t *Token) DestroyTrustedKey(label string) (int, error) {
	if err := checkKeyLabel("destroy", label); err != nil {
		return 0, err
	}
	return t.destroyAll(pkcs11.CKO_PUBLIC_KEY, pkcs11.CKK_RSA, label)
}

// TrustedKeyLabels returns the labels of the token's trusted RSA public keys (CKA_TRUSTED), the
// objects TrustWrappingKey makes.
func (t *Token) TrustedKeyLabels() ([]string, error) {
	template := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_TRUSTED, true),
	}
	var labels []string
	err := t.withSession("list_trusted", func(sh pkcs11.SessionHandle) error {
		ctx := t.mod.ctx
		labels = labels[:0]
		hs, err := t.find(sh, template, maxListed)
		if err != nil {
			return err
		}
		for _, h := range hs {
			attrs, err := ctx.GetAttributeValue(sh, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
			if err != nil {
				return err
			}
			labels = append(labels, string(attrs[0].Value))
		}
		return nil
	})
	return labels, err
}

// destroyAll destroys the token objects of class and key type labelled label.
func (t *Token) destroyAll(class, keyType uint, label string) (int, error) {
	template := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
	}
	t.genMu.Lock()
	defer t.genMu.Unlock()
	n := 0
	err := t.withSession("destroy", func(sh pkcs11.SessionHandle) error {
		hs, err := t.find(sh, template, maxListed)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if err := t.mod.ctx.DestroyObject(sh, h); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if n > 0 {
		t.log.Info("hsm: key destroyed", "token", t.label, "key", label, "objects", n)
	}
	return n, nil
}

// find runs one object search on sh, logged in, returning at most max handles. An empty result is believed only if the token is
// still there: SoftHSM2 answers an empty search, not an error, once its token directory is gone,
// and "no such key" would send callers to re-create keys that exist.
func (t *Token) find(sh pkcs11.SessionHandle, template []*pkcs11.Attribute, max int) ([]pkcs11.ObjectHandle, error) {
	ctx := t.mod.ctx
	if _, err := t.ensureLogin(sh); err != nil {
		return nil, err
	}
	if err := ctx.FindObjectsInit(sh, template); err != nil {
		return nil, err
	}
	hs, _, err := ctx.FindObjects(sh, max)
	if ferr := ctx.FindObjectsFinal(sh); err == nil {
		err = ferr
	}
	if err == nil && len(hs) == 0 {
		err = t.present()
	}
	return hs, err
}
