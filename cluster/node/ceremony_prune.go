package node

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/keyhold/keyhold/domain/ceremony"
)

// trustedPrefix starts the HSM label of every member identity key this HSM trusts as a wrapping
// key; trustedLabel gives the full label.
const trustedPrefix = "keyhold-member-"

// trustedLabel is the label under which this HSM trusts the member identity key identity (PKIX
// DER): derived from the key's hash, so a node re-admitted with a new HSM gets a new object.
func trustedLabel(identity []byte) string {
	sum := sha256.Sum256(identity)
	return trustedPrefix + hex.EncodeToString(sum[:8])
}

// prune destroys in this node's HSM what the domain no longer needs: the objects of retired
// domain key versions, and the trusted wrapping keys of identities that are no longer members
// (remove-node, or a member re-admitted with a new HSM). Leaving them would let whoever later
// takes this node's HSM read old ciphertext with a retired key, or wrap a future domain key to
// a removed member's HSM. Every node runs it after each ceremony pass; it does HSM work only when
// the members or the domain key versions changed since its last successful run.
//
// The trusted keys are listed before the identities to keep are read: a trusted key that exists
// when listed was made for an admission already approved, so the later read names it (as a
// pending or approved admission, or as a member once executed).
func (r *hsmKeyring) prune(d *ceremony.Domain, trusted func() [][]byte) error {
	if d == nil {
		return nil
	}
	var sig strings.Builder
	for _, m := range d.Members {
		sig.WriteString(trustedLabel(m.IdentityKey) + ",")
	}
	var retired []ceremony.DomainKeyVersion
	for _, dk := range d.DKVersions {
		if dk.State == ceremony.DKStateRetired {
			retired = append(retired, dk)
			fmt.Fprintf(&sig, "r%d,", dk.Version)
		}
	}
	r.pruneMu.Lock()
	defer r.pruneMu.Unlock()
	if sig.String() == r.pruned {
		return nil
	}
	var errs []error
	for _, dk := range retired {
		r.mu.Lock()
		delete(r.keys, dk.Version)
		r.mu.Unlock()
		if _, err := r.tok.DestroyAESKey(dk.Label); err != nil {
			errs = append(errs, fmt.Errorf("destroying retired domain key version %d: %w", dk.Version, err))
		}
	}
	labels, err := r.tok.TrustedKeyLabels()
	if err != nil {
		errs = append(errs, fmt.Errorf("listing trusted wrapping keys: %w", err))
	}
	keep := map[string]bool{}
	for _, id := range trusted() {
		keep[trustedLabel(id)] = true
	}
	for _, l := range labels {
		if strings.HasPrefix(l, trustedPrefix) && !keep[l] {
			if _, err := r.tok.DestroyTrustedKey(l); err != nil {
				errs = append(errs, fmt.Errorf("destroying the trusted key of a removed member: %w", err))
			}
		}
	}
	if len(errs) == 0 {
		r.pruned = sig.String()
	}
	return errors.Join(errs...)
}
