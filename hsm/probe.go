package hsm

import (
	"bytes"
	"fmt"
)

// probeText is what Probe seals: a constant, so the probe carries no data of anyone's.
var probeText = []byte("keyhold hsm probe")

// Probe proves the key usable now: it seals a constant with AES-GCM in the token and opens it
// again. Readiness uses it, rather than the cached handle, to say whether this node can serve.
// Its errors are those of Encrypt and Decrypt; the Observer sees "probe_encrypt" and
// "probe_decrypt", so that background probes are told apart from the request path.
func (k *AESKey) Probe() error {
	ct, err := k.encrypt("probe_encrypt", probeText, nil)
	if err != nil {
		return err
	}
	pt, err := k.decrypt("probe_decrypt", ct, nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(pt, probeText) {
		return &OpError{Op: "probe", Err: fmt.Errorf("%w: the token opened its own ciphertext to other bytes", ErrDevice)}
	}
	return nil
}
