package hsm

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// The few PKCS#11 types this file needs, spelled out so that the package does not depend on the
// headers github.com/miekg/pkcs11 vendors. On the Unix ABIs PKCS#11 uses natural alignment and
// CK_ULONG is unsigned long.
typedef unsigned long kh_ulong;
typedef struct { kh_ulong type; void *pValue; kh_ulong ulValueLen; } kh_attr;
typedef struct { kh_ulong mechanism; void *pParameter; kh_ulong ulParameterLen; } kh_mech;
typedef kh_ulong (*kh_generate_key_pair_fn)(kh_ulong, kh_mech *, kh_attr *, kh_ulong, kh_attr *, kh_ulong, kh_ulong *, kh_ulong *);
typedef kh_ulong (*kh_generate_key_fn)(kh_ulong, kh_mech *, kh_attr *, kh_ulong, kh_ulong *);
typedef kh_ulong (*kh_get_attribute_value_fn)(kh_ulong, kh_ulong, kh_attr *, kh_ulong);
typedef kh_ulong (*kh_get_function_list_fn)(void **);

// CK_FUNCTION_LIST: a CK_VERSION (two bytes) then the function pointers in the standard's order;
// C_GetAttributeValue, C_GenerateKey and C_GenerateKeyPair are at indexes 24, 58 and 59 in every
// PKCS#11 version since 2.01.
typedef struct { unsigned char major, minor; void *fn[60]; } kh_function_list;

// kh_function_list_of returns the module's function list, or NULL. dlopen of an already loaded
// library returns the same instance, so the list drives the library miekg/pkcs11 initialised.
static void *kh_function_list_of(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) return NULL;
	kh_get_function_list_fn get = (kh_get_function_list_fn)dlsym(h, "C_GetFunctionList");
	void *list = NULL;
	if (get == NULL || get(&list) != 0) return NULL;
	// The handle stays open on purpose: the list points into the library.
	return list;
}

static kh_ulong kh_generate_key_pair(void *list, kh_ulong session, kh_ulong mech,
	kh_attr *pub, kh_ulong npub, kh_attr *priv, kh_ulong npriv, kh_ulong *hpub, kh_ulong *hpriv) {
	kh_function_list *fl = (kh_function_list *)list;
	kh_generate_key_pair_fn f = (kh_generate_key_pair_fn)fl->fn[59];
	kh_mech m = { mech, NULL, 0 };
	return f(session, &m, pub, npub, priv, npriv, hpub, hpriv);
}
static kh_ulong kh_generate_key(void *list, kh_ulong session, kh_ulong mech, kh_attr *tmpl, kh_ulong n, kh_ulong *h) {
	kh_function_list *fl = (kh_function_list *)list;
	kh_generate_key_fn f = (kh_generate_key_fn)fl->fn[58];
	kh_mech m = { mech, NULL, 0 };
	return f(session, &m, tmpl, n, h);
}
// kh_attribute_len asks for the length of one attribute of obj (pValue NULL).
static kh_ulong kh_attribute_len(void *list, kh_ulong session, kh_ulong obj, kh_ulong type, kh_ulong *len) {
	kh_function_list *fl = (kh_function_list *)list;
	kh_get_attribute_value_fn f = (kh_get_attribute_value_fn)fl->fn[24];
	kh_attr a = { type, NULL, 0 };
	kh_ulong rv = f(session, obj, &a, 1);
	*len = a.ulValueLen;
	return rv;
}
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/miekg/pkcs11"
)

// Why cgo here: github.com/miekg/pkcs11 v1.1.2 cannot encode an attribute whose value is an
// attribute array (CKA_UNWRAP_TEMPLATE; NewAttribute panics on it), and cgo's pointer rules
// forbid handing C a Go array that holds Go pointers. So this one call builds every template, the
// nested one included, in C memory and calls C_GenerateKeyPair through the module's own function
// list. Everything else stays on miekg/pkcs11.

// cTemplate is a CK_ATTRIBUTE array and its values in C memory; free releases all of it.
type cTemplate struct {
	attrs  *C.kh_attr
	n      int
	allocs []unsafe.Pointer
}

func (c *cTemplate) free() {
	for _, p := range c.allocs {
		C.free(p)
	}
	c.allocs = nil
}

// newCTemplate copies attrs to C memory. nested, when not nil, is appended as an attribute of
// type nestedType whose value is the nested array (CKA_UNWRAP_TEMPLATE and the like).
func newCTemplate(attrs []*pkcs11.Attribute, nestedType uint, nested *cTemplate) *cTemplate {
	n := len(attrs)
	if nested != nil {
		n++
	}
	c := &cTemplate{n: n}
	size := C.size_t(n) * C.size_t(unsafe.Sizeof(C.kh_attr{}))
	base := C.calloc(1, size)
	c.allocs = append(c.allocs, base)
	c.attrs = (*C.kh_attr)(base)
	arr := unsafe.Slice(c.attrs, n)
	for i, a := range attrs {
		arr[i]._type = C.kh_ulong(a.Type)
		if len(a.Value) > 0 {
			p := C.CBytes(a.Value)
			c.allocs = append(c.allocs, p)
			arr[i].pValue = p
			arr[i].ulValueLen = C.kh_ulong(len(a.Value))
		}
	}
	if nested != nil {
		arr[n-1]._type = C.kh_ulong(nestedType)
		arr[n-1].pValue = unsafe.Pointer(nested.attrs)
		arr[n-1].ulValueLen = C.kh_ulong(nested.n) * C.kh_ulong(unsafe.Sizeof(C.kh_attr{}))
	}
	return c
}

// functionList returns the module's CK_FUNCTION_LIST, looked up once.
func (m *module) functionList() (unsafe.Pointer, error) {
	m.flOnce.Do(func() {
		p := C.CString(m.path)
		defer C.free(unsafe.Pointer(p))
		m.fl = C.kh_function_list_of(p)
	})
	if m.fl == nil {
		return nil, fmt.Errorf("%w: %s: no C_GetFunctionList", ErrModule, m.path)
	}
	return m.fl, nil
}

// generateKeyPairWithUnwrapTemplate is C_GenerateKeyPair(CKM_RSA_PKCS_KEY_PAIR_GEN) with
// unwrapTmpl as the private key's CKA_UNWRAP_TEMPLATE.
func (t *Token) generateKeyPairWithUnwrapTemplate(sh pkcs11.SessionHandle, pub, priv, unwrapTmpl []*pkcs11.Attribute) error {
	fl, err := t.mod.functionList()
	if err != nil {
		return err
	}
	nested := newCTemplate(unwrapTmpl, 0, nil)
	defer nested.free()
	cpub := newCTemplate(pub, 0, nil)
	defer cpub.free()
	cpriv := newCTemplate(priv, pkcs11.CKA_UNWRAP_TEMPLATE, nested)
	defer cpriv.free()
	var hpub, hpriv C.kh_ulong
	rv := C.kh_generate_key_pair(fl, C.kh_ulong(sh), C.kh_ulong(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN),
		cpub.attrs, C.kh_ulong(cpub.n), cpriv.attrs, C.kh_ulong(cpriv.n), &hpub, &hpriv)
	if rv != 0 {
		return pkcs11.Error(rv)
	}
	return nil
}

// generateKeyWithUnwrapTemplate is C_GenerateKey(mech) with unwrapTmpl as the new key's
// CKA_UNWRAP_TEMPLATE; the capability check uses it to see whether the token enforces templates.
func (t *Token) generateKeyWithUnwrapTemplate(sh pkcs11.SessionHandle, mech uint, tmpl, unwrapTmpl []*pkcs11.Attribute) (pkcs11.ObjectHandle, error) {
	fl, err := t.mod.functionList()
	if err != nil {
		return 0, err
	}
	nested := newCTemplate(unwrapTmpl, 0, nil)
	defer nested.free()
	c := newCTemplate(tmpl, pkcs11.CKA_UNWRAP_TEMPLATE, nested)
	defer c.free()
	var h C.kh_ulong
	if rv := C.kh_generate_key(fl, C.kh_ulong(sh), C.kh_ulong(mech), c.attrs, C.kh_ulong(c.n), &h); rv != 0 {
		return 0, pkcs11.Error(rv)
	}
	return pkcs11.ObjectHandle(h), nil
}

// attributeLen returns the length of attribute typ of obj, or false if the object has none. It
// exists for attributes miekg/pkcs11 cannot read back (attribute arrays).
func (t *Token) attributeLen(sh pkcs11.SessionHandle, obj pkcs11.ObjectHandle, typ uint) (uint, bool, error) {
	fl, err := t.mod.functionList()
	if err != nil {
		return 0, false, err
	}
	var n C.kh_ulong
	rv := C.kh_attribute_len(fl, C.kh_ulong(sh), C.kh_ulong(obj), C.kh_ulong(typ), &n)
	switch {
	case rv == pkcs11.CKR_ATTRIBUTE_TYPE_INVALID:
		return 0, false, nil
	case rv != 0:
		return 0, false, pkcs11.Error(rv)
	case n == C.kh_ulong(pkcs11.CK_UNAVAILABLE_INFORMATION):
		return 0, false, nil
	}
	return uint(n), n > 0, nil
}
