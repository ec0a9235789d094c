package main

import (
	"flag"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("quorum", "propose new quorum rules", func(e *env, args []string) error {
		fs := newFlags(e, "quorum", "--key FILE --quorum N [--node N] [--domain-key N] [--governance N] [--export N]",
			"  keyholdctl quorum --key alice.key --quorum 2 --governance 3")
		var sf signerFlags
		sf.add(fs)
		rules, quorum := ruleFlags(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return propose(e, sf, ceremony.KindChangeQuorum, func(p *ceremony.Proposal, _ domain.DomainStatus) error {
			r := *rules
			p.Rules, p.Quorum = &r, *quorum
			return nil
		})
	})
}

// ruleFlags adds the quorum rule flags.
func ruleFlags(fs *flag.FlagSet) (*ceremony.QuorumRules, *int) {
	var r ceremony.QuorumRules
	q := fs.Int("quorum", 1, "default number of operator approvals a ceremony needs")
	fs.IntVar(&r.Node, "node", 0, "approvals to admit or remove a node (0 = --quorum)")
	fs.IntVar(&r.DomainKey, "domain-key", 0, "approvals to rotate the domain key (0 = --quorum)")
	fs.IntVar(&r.Governance, "governance", 0, "approvals to change operators or quorum rules (0 = --quorum)")
	fs.IntVar(&r.Export, "export", 0, "approvals to export a domain token (0 = --quorum)")
	return &r, q
}
