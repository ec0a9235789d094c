// Package hsm is keyhold's only door to a PKCS#11 token. It speaks PKCS#11 through
// github.com/miekg/pkcs11 and nothing else: no keyhold types, no metrics library (operations are
// reported through Options.Observer), no key material or PIN in any error or log line.
//
// # Naming a token
//
// Tokens are named by RFC 7512 PKCS#11 URIs (ParseURI), for example
//
//	pkcs11:token=keyhold-node1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/keyhold/pin
//
// and found by label and/or serial (plus manufacturer and model when given), never by slot
// number: slot ids are the module's to assign and SoftHSM2, for one, re-numbers them when a token
// is initialised.
//
// # Modules
//
// A module (the .so) is loaded once per process into a registry keyed by path, shared by every
// Token opened through it and reference-counted. C_Initialize runs once, and
// CKR_CRYPTOKI_ALREADY_INITIALIZED is accepted because another package of the same process
// (package softhsm, in dev mode and tests) may have initialised the library first. Closing the
// last Token of a module closes its sessions and logs out but leaves the library initialised: the
// library's state is process-wide, and a loaded module costs nothing while idle.
//
// # Healing
//
// The one C_Finalize is Heal's last resort (reinit.go): when a token has vanished (SoftHSM2 keeps
// failing the slot even after its storage returns), the module is re-initialised with no call of
// the process in flight: every PKCS#11 call holds the module's gate shared, re-initialisation
// holds it exclusively. A generation counter then voids every session and object handle of the
// library's previous life; Tokens drop (never close) such sessions and look keys up again by
// label. An empty object search on a token that no longer answers is ErrDevice, not "no such key".
// AESKey.Probe is the real operation readiness runs; CheckCapabilities is the start-up check of
// every mechanism and attribute behaviour the package relies on.
//
// # Sessions and concurrency
//
// A PKCS#11 login belongs to the application and the token, not to a session: one C_Login makes
// every session of the process on that token a user session, and C_Logout ends it for all of
// them. Open logs in once; Tokens of the same process on the same token share that login, and
// only the last one to close logs out.
//
// A session runs one cryptographic operation at a time (EncryptInit then Encrypt, FindObjectsInit
// through FindObjectsFinal), so a Token keeps a pool of Options.Sessions sessions and every
// operation borrows one through withSession for its whole duration. The pool size is the Token's
// concurrency: the Sessions+1st concurrent caller waits for a session. Sessions are opened
// lazily, up to the pool size, and are read-write, because generating a token object needs one.
// Do not expect throughput to grow with the pool: a token may serialise internally (SoftHSM2 with
// two sessions measured 0.7x to 1.3x the throughput of one), so keep HSM calls off hot paths.
//
// A session that the token has invalidated (CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED,
// CKR_USER_NOT_LOGGED_IN, or one left with an operation active) is replaced, logging in again if
// the token forgot the login, and the operation is retried once. Key object handles are cached in
// AESKey and re-found by label once if the token reports them invalid.
//
// Every method returns an error; nothing panics on bad input or a failing device. CKR_* codes are
// translated to this package's sentinel errors in one place (errors.go); the *OpError that wraps
// them keeps the operation and the CKR name for logs.
//
// # AES-GCM output
//
// AESKey encrypts with CKM_AES_GCM inside the token: a 96-bit IV drawn from crypto/rand per call
// (random IVs are safe for up to 2^32 messages per key, far beyond what a domain key wraps), a
// 128-bit tag, and the associated data passed to the token. The output is
//
//	+--------+------------------------------+---------+
//	| IV 12  | ciphertext (len(plaintext))  | tag 16  |
//	+--------+------------------------------+---------+
//
// and any Decrypt failure on that input (short, altered, wrong associated data, wrong key) is
// ErrDecrypt, never partial plaintext.
//
// # Identity keys and domain keys
//
// GenerateIdentityKey makes the token's RSA-3072 identity key pair (unwrap only, never
// extractable, not modifiable) with a CKA_UNWRAP_TEMPLATE equal to the domain-key template, so a
// token that enforces unwrap templates (SoftHSM2 2.6.1 does) lets even a holder of the user PIN
// unwrap a wrapped domain key only as a sensitive, trusted-wrap-only domain key. miekg/pkcs11
// cannot express a nested template, so that one C_GenerateKeyPair goes through a small cgo helper
// (cgo_keypair.go) that builds the templates in C memory. GenerateDomainKey makes AES-256 domain keys that are sensitive and extractable
// only with a trusted wrapping key (CKA_WRAP_WITH_TRUSTED). TrustWrappingKey, in a security
// officer session (SO PIN from Options.SOPINSource or $KEYHOLD_HSM_SO_PIN, read per call), imports
// an admitted member's identity public key with CKA_TRUSTED; WrapDomainKey (RSA-OAEP) then works
// with it and with nothing else (ErrKeyNotWrappable), and UnwrapDomainKey installs the key on the
// member with the same protections. identity.go justifies RSA-OAEP over ECDH.
package hsm
