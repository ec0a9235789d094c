// Package softhsm provisions SoftHSM2 tokens for keyhold's dev mode and for tests.
//
// Its one concern is getting a usable, initialised SoftHSM2 token into the process: find the
// module (libsofthsm2.so), write a softhsm2.conf, and initialise tokens in-process through
// PKCS#11. It imports nothing of keyhold; package hsm is what talks to the token afterwards.
//
// Three SoftHSM2 facts shape it:
//
//   - SOFTHSM2_CONF is read once, at C_Initialize. A token created afterwards by softhsm2-util in
//     another process stays invisible to this one, so tokens are initialised in-process with
//     C_InitToken on the free (uninitialised) slot, followed by an SO login and C_InitPIN.
//   - After C_InitToken SoftHSM2 re-numbers its slots, so tokens are always found again by label,
//     never by a remembered slot id.
//   - Package hsm loads the same module in the same process. Both packages tolerate
//     CKR_CRYPTOKI_ALREADY_INITIALIZED and neither ever calls C_Finalize: finalising would pull the
//     library out from under the other. This package keeps one *pkcs11.Ctx per module path for the
//     life of the process.
//
// Tests call NewToken, which makes a fresh token with a unique label and random PINs in a few
// milliseconds; dev mode calls Provision, which is idempotent across restarts.
package softhsm
