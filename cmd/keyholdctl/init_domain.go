package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("init", "propose the domain: its operators and quorum rules", runInit)
}

func runInit(e *env, args []string) error {
	fs := newFlags(e, "init", "--key FILE --operator NAME=PUB.pem... --quorum N [--governance N ...]",
		`  keyholdctl init --key alice.key --operator alice=alice.key.pub --operator bob=bob.key.pub \
      --operator carol=carol.key.pub --quorum 2 --governance 3
  keyholdctl approve --key bob.key <id>     # until the governance quorum is reached`)
	var sf signerFlags
	sf.add(fs)
	var ops multi
	fs.Var(&ops, "operator", "NAME=PUBLIC-KEY-FILE of an operator (repeat)")
	rules, quorum := ruleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(ops) == 0 {
		fs.Usage()
		return errors.New("at least one --operator is required")
	}
	return propose(e, sf, ceremony.KindInitDomain, func(p *ceremony.Proposal, st domain.DomainStatus) error {
		if st.Initialised {
			return fmt.Errorf("the node already belongs to domain %s", st.DomainID)
		}
		id := make([]byte, 16)
		_, _ = rand.Read(id)
		p.DomainID = hex.EncodeToString(id)
		for _, o := range ops {
			name, file, ok := strings.Cut(o, "=")
			if !ok {
				return fmt.Errorf("--operator %q: want NAME=PUBLIC-KEY-FILE", o)
			}
			pub, err := loadPub(file)
			if err != nil {
				return err
			}
			p.Operators = append(p.Operators, ceremony.Operator{Name: name, PublicKey: pub})
		}
		r := *rules
		p.Rules, p.Quorum = &r, *quorum
		return nil
	})
}
