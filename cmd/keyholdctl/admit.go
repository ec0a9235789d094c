package main

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("admit", "propose admitting a node (its HSM identity key) to the domain", func(e *env, args []string) error {
		fs := newFlags(e, "admit", "--key FILE --node-url OPS-URL [--address RAFT-ADDR]",
			`  keyholdctl admit --key alice.key --node-url http://10.0.0.2:8101 --address 10.0.0.2:8102`)
		var sf signerFlags
		sf.add(fs)
		nodeURL := fs.String("node-url", "", "ops URL of the new node (its identity key is read from it)")
		addr := fs.String("address", "", "raft address peers dial for the new node")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *nodeURL == "" {
			fs.Usage()
			return errors.New("--node-url is required")
		}
		// The identity key comes from the new node; operators compare its fingerprint (shown by
		// `keyholdctl show`) with the one the node's console printed before approving.
		ne := *e
		ne.addr = *nodeURL
		b, err := ne.call(http.MethodGet, "/v1/node/identity", "", nil, nil)
		if err != nil {
			return err
		}
		// TLSPin pins the node's peer TLS certificate: only that key reaches the raft port as
		// this member. A node without peer TLS reports none.
		var id adminclient.NodeIdentity
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		return propose(e, sf, ceremony.KindAdmitNode, func(p *ceremony.Proposal, _ domain.DomainStatus) error {
			p.Member = &ceremony.Member{NodeID: id.NodeID, Address: *addr, IdentityKey: id.IdentityKey, TLSPin: id.TLSPin}
			return nil
		})
	})
}
