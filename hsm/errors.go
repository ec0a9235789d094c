package hsm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"
)

// Sentinel errors. Every error this package returns wraps one of them; test with errors.Is.
var (
	// ErrModule means the PKCS#11 module cannot be found, loaded or initialised.
	ErrModule = errors.New("hsm: cannot load PKCS#11 module")
	// ErrTokenNotFound means no initialised token matches the URI.
	ErrTokenNotFound = errors.New("hsm: token not found")
	// ErrAmbiguous means a URI or a key label matches more than one token or key.
	ErrAmbiguous = errors.New("hsm: more than one match")
	// ErrPINIncorrect means the token refused the PIN.
	ErrPINIncorrect = errors.New("hsm: PIN incorrect")
	// ErrPINLocked means the token locked (or expired) the PIN after too many failures.
	ErrPINLocked = errors.New("hsm: PIN locked")
	// ErrNoPIN means none of Options.PIN, pin-value, pin-source or $KEYHOLD_HSM_PIN gave a PIN.
	ErrNoPIN = errors.New("hsm: no PIN")
	// ErrKeyNotFound means no key has the label, or its handle is gone.
	ErrKeyNotFound = errors.New("hsm: key not found")
	// ErrKeyExists means a key with the label exists already.
	ErrKeyExists = errors.New("hsm: key exists")
	// ErrDecrypt means a ciphertext failed to decrypt or authenticate. It carries no detail on
	// purpose: every decrypt failure looks the same.
	ErrDecrypt = errors.New("hsm: decryption failed")
	// ErrDevice means the token or the module failed (device error, removed token, ...).
	ErrDevice = errors.New("hsm: device error")
	// ErrSessionClosed means a session stayed unusable even after it was replaced.
	ErrSessionClosed = errors.New("hsm: session closed")
	// ErrClosed means the Token was closed.
	ErrClosed = errors.New("hsm: token closed")
	// ErrBadURI means a PKCS#11 URI does not parse.
	ErrBadURI = errors.New("hsm: bad PKCS#11 URI")
	// ErrInvalidArgument means a caller passed a value this package refuses (empty label, size
	// out of range, ...).
	ErrInvalidArgument = errors.New("hsm: invalid argument")
	// ErrKeyNotWrappable means the token refused to wrap a key: the key is not extractable, or it
	// may be wrapped only with a trusted key (CKA_WRAP_WITH_TRUSTED) and the wrapping key is not
	// trusted (CKR_KEY_NOT_WRAPPABLE, CKR_KEY_UNEXTRACTABLE).
	ErrKeyNotWrappable = errors.New("hsm: key not wrappable")
	// ErrNoSOPIN means a security-officer operation was asked for but no SO PIN was configured.
	ErrNoSOPIN = errors.New("hsm: no SO PIN")
	// ErrOperation means the token refused an operation for a reason not listed above
	// (unsupported mechanism, bad template, ...); the OpError names the CKR code.
	ErrOperation = errors.New("hsm: operation failed")
)

// OpError is a failed PKCS#11 call: the operation, the CKR code the module returned and the
// sentinel it maps to. Its message is safe to log: it holds no data, key or PIN.
type OpError struct {
	Op   string // "encrypt", "login", ...
	Code uint   // CKR_* value; 0 if the failure was found by this package
	Err  error  // one of the sentinels above
}

// Error reads like "hsm: encrypt: device error (CKR_DEVICE_ERROR)". Code 0 (CKR_OK, never an
// error) marks failures found by this package rather than the module, printed without a code.
func (e *OpError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("hsm: %s: %s", e.Op, strings.TrimPrefix(e.Err.Error(), "hsm: "))
	}
	return fmt.Sprintf("hsm: %s: %s (%s)", e.Op, strings.TrimPrefix(e.Err.Error(), "hsm: "), ckrName(e.Code))
}

// Unwrap returns the sentinel.
func (e *OpError) Unwrap() error { return e.Err }

// ckrSentinels is the one table from CKR codes to sentinels. Codes not listed map to
// ErrOperation.
var ckrSentinels = map[uint]error{
	pkcs11.CKR_PIN_INCORRECT: ErrPINIncorrect,
	pkcs11.CKR_PIN_INVALID:   ErrPINIncorrect,
	pkcs11.CKR_PIN_LEN_RANGE: ErrPINIncorrect,
	pkcs11.CKR_PIN_LOCKED:    ErrPINLocked,
	pkcs11.CKR_PIN_EXPIRED:   ErrPINLocked,

	pkcs11.CKR_DEVICE_ERROR:             ErrDevice,
	pkcs11.CKR_DEVICE_MEMORY:            ErrDevice,
	pkcs11.CKR_DEVICE_REMOVED:           ErrDevice,
	pkcs11.CKR_TOKEN_NOT_PRESENT:        ErrDevice,
	pkcs11.CKR_TOKEN_NOT_RECOGNIZED:     ErrDevice,
	pkcs11.CKR_GENERAL_ERROR:            ErrDevice,
	pkcs11.CKR_FUNCTION_FAILED:          ErrDevice,
	pkcs11.CKR_HOST_MEMORY:              ErrDevice,
	pkcs11.CKR_SLOT_ID_INVALID:          ErrDevice,
	pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED: ErrDevice,
	pkcs11.CKR_SESSION_COUNT:            ErrDevice,
	pkcs11.CKR_FUNCTION_CANCELED:        ErrDevice,
	pkcs11.CKR_CANT_LOCK:                ErrDevice,
	pkcs11.CKR_SESSION_HANDLE_INVALID:   ErrSessionClosed,
	pkcs11.CKR_SESSION_CLOSED:           ErrSessionClosed,
	pkcs11.CKR_USER_NOT_LOGGED_IN:       ErrSessionClosed,
	pkcs11.CKR_OPERATION_ACTIVE:         ErrSessionClosed,
	pkcs11.CKR_OBJECT_HANDLE_INVALID:    ErrKeyNotFound,
	pkcs11.CKR_KEY_HANDLE_INVALID:       ErrKeyNotFound,
	pkcs11.CKR_ENCRYPTED_DATA_INVALID:   ErrDecrypt,
	pkcs11.CKR_ENCRYPTED_DATA_LEN_RANGE: ErrDecrypt,
	pkcs11.CKR_KEY_NOT_WRAPPABLE:        ErrKeyNotWrappable,
	pkcs11.CKR_KEY_UNEXTRACTABLE:        ErrKeyNotWrappable,
}

// sessionBroken lists the codes after which a session is replaced and the operation retried once.
var sessionBroken = map[uint]bool{
	pkcs11.CKR_SESSION_HANDLE_INVALID: true,
	pkcs11.CKR_SESSION_CLOSED:         true,
	pkcs11.CKR_USER_NOT_LOGGED_IN:     true,
	// An operation left active (a module that failed half-way) would make every later Init on
	// this session fail; a fresh session starts clean.
	pkcs11.CKR_OPERATION_ACTIVE: true,
}

// ckrCode returns the CKR code inside err, if err came from the module.
func ckrCode(err error) (uint, bool) {
	var e pkcs11.Error
	if errors.As(err, &e) {
		return uint(e), true
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return oe.Code, true
	}
	return 0, false
}

// mapErr turns a module error into an *OpError wrapping its sentinel. Errors that did not come
// from the module (already ours) pass through unchanged.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return err
	}
	var e pkcs11.Error
	if !errors.As(err, &e) {
		return err
	}
	sentinel, ok := ckrSentinels[uint(e)]
	if !ok {
		sentinel = ErrOperation
	}
	return &OpError{Op: op, Code: uint(e), Err: sentinel}
}

// ckrName returns "CKR_DEVICE_ERROR" for a code, or its hex value if the library has no name.
func ckrName(code uint) string {
	// pkcs11.Error formats as "pkcs11: 0x30: CKR_DEVICE_ERROR"; its name table is unexported.
	s := pkcs11.Error(code).Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s[i+2:], "CKR_") {
		return s[i+2:]
	}
	return fmt.Sprintf("CKR_0x%X", code)
}

// decryptKeeps lists the codes a failed C_Decrypt keeps; decryptErr turns every other code into
// ErrDecrypt.
var decryptKeeps = map[uint]bool{
	pkcs11.CKR_DEVICE_ERROR:          true,
	pkcs11.CKR_DEVICE_MEMORY:         true,
	pkcs11.CKR_DEVICE_REMOVED:        true,
	pkcs11.CKR_TOKEN_NOT_PRESENT:     true,
	pkcs11.CKR_HOST_MEMORY:           true,
	pkcs11.CKR_OBJECT_HANDLE_INVALID: true,
	pkcs11.CKR_KEY_HANDLE_INVALID:    true,
	pkcs11.CKR_FUNCTION_CANCELED:     true,
}

// decryptErr decides what a failed C_Decrypt (after a successful C_DecryptInit) means. Session,
// handle and device failures keep their meaning, and the session retry. Anything else is an
// authentication failure, whatever code the module picks: SoftHSM2 2.6.1 reports a GCM tag
// mismatch as CKR_GENERAL_ERROR, others use CKR_ENCRYPTED_DATA_INVALID.
func decryptErr(err error) error {
	code, ok := ckrCode(err)
	if !ok || sessionBroken[code] || decryptKeeps[code] {
		return err
	}
	return &OpError{Op: "decrypt", Code: code, Err: ErrDecrypt}
}
