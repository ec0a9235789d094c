package node

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// bootstrapRootPrincipal gives a production domain its first API credentials: once the domain
// exists (keyholdctl init and its approvals), the leader configured with root_credentials_file
// creates the root principal and writes its access key to that file. Dev mode does the same in
// process (devInit). Nothing happens once any root principal exists, or if the file exists.
func (n *Node) bootstrapRootPrincipal(ctx context.Context) {
	path := n.cfg.RootCredentialsFile
	if path == "" {
		return
	}
	d := n.svc.Domain()
	if d == nil {
		return
	}
	if _, ok := n.svc.RootPrincipal(); ok {
		return
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return
	}
	// Create the file first, exclusively, so that a secret is never minted without a place to go.
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		n.log.Warn("cannot create root_credentials_file; will retry", "err", err)
		return
	}
	akid, secret, err := n.svc.CreatePrincipal(ctx, "root", true)
	if err != nil {
		f.Close()
		_ = os.Remove(path)
		n.log.Warn("creating the root principal failed; will retry", "err", err)
		return
	}
	defer clear(secret)
	_, err = fmt.Fprintf(f, "[keyhold]\naws_access_key_id = %s\naws_secret_access_key = %s\n", akid, secret)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		n.log.Error("writing root_credentials_file failed: the root principal exists but its secret is lost", "access_key_id", akid, "err", err)
		return
	}
	n.log.Info("root principal created; its credentials are in root_credentials_file", "access_key_id", akid, "file", path)
}
