package node

import (
	"errors"
	"os"
)

// The HSM security officer's PIN is a ceremony-time secret. A node needs it only while it executes
// a ceremony that makes its HSM trust a member's identity key (admit-node, or a rotation led by a
// node that has not trusted some member yet); with it, whoever holds the node could mark a key of
// their own trusted and wrap the domain key to it. So in production it is not kept on the node:
// the operator writes it to hsm_so_pin_file (a tmpfs path such as /run/keyhold/so-pin, mode
// 0600) on the leader for the ceremony, the node reads it at each SO login and keeps no copy,
// and once the ceremony pass that logged the SO in has succeeded, the node deletes the file.
// hsm_so_pin_keep (dev mode) leaves it in place.

// forgetSOPIN deletes hsm_so_pin_file if the HSM logged the SO in since soBefore (a value of
// tok.SOLogins taken before the ceremony work) and the work succeeded.
func (n *Node) forgetSOPIN(soBefore uint64, workErr error) {
	if workErr != nil || n.cfg.HSMSOPINKeep || n.cfg.HSMSOPINFile == "" || n.tok.SOLogins() == soBefore {
		return
	}
	err := os.Remove(n.cfg.HSMSOPINFile)
	switch {
	case err == nil:
		n.log.Info("ceremony done: the HSM security officer PIN file was deleted", "file", n.cfg.HSMSOPINFile)
	case !errors.Is(err, os.ErrNotExist):
		n.log.Warn("cannot delete the HSM security officer PIN file after the ceremony: delete it by hand", "file", n.cfg.HSMSOPINFile, "err", err)
	}
}
