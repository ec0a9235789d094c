package main

import (
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/ceremony"
)

func init() {
	register("rotate", "propose rotating the domain key (tokens are re-wrapped in the background)", func(e *env, args []string) error {
		fs := newFlags(e, "rotate", "--key FILE", "  keyholdctl rotate --key alice.key\n  keyholdctl status     # re-wrap progress")
		var sf signerFlags
		sf.add(fs)
		if err := fs.Parse(args); err != nil {
			return err
		}
		return propose(e, sf, ceremony.KindRotateDK, func(*ceremony.Proposal, domain.DomainStatus) error { return nil })
	})
}
