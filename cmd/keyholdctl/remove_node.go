package main

import (
	"errors"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("remove-node", "propose removing a member node", func(e *env, args []string) error {
		fs := newFlags(e, "remove-node", "--key FILE --node-id ID", "  keyholdctl remove-node --key alice.key --node-id node3")
		var sf signerFlags
		sf.add(fs)
		id := fs.String("node-id", "", "the member to remove")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if *id == "" {
			fs.Usage()
			return errors.New("--node-id is required")
		}
		return propose(e, sf, ceremony.KindRemoveNode, func(p *ceremony.Proposal, _ domain.DomainStatus) error {
			p.NodeID = *id
			return nil
		})
	})
}
