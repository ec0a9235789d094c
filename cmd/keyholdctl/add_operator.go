package main

import (
	"errors"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

func init() {
	register("add-operator", "propose adding an operator", func(e *env, args []string) error {
		return operatorChange(e, args, "add-operator", ceremony.KindAddOperator)
	})
}

// operatorChange proposes adding or removing the operator --name with --public-key.
func operatorChange(e *env, args []string, name string, kind ceremony.ProposalKind) error {
	fs := newFlags(e, name, "--key FILE --name NAME --public-key PUB.pem",
		"  keyholdctl "+name+" --key alice.key --name dave --public-key dave.key.pub")
	var sf signerFlags
	sf.add(fs)
	opName := fs.String("name", "", "the operator's name")
	pubFile := fs.String("public-key", "", "the operator's public key file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *opName == "" || *pubFile == "" {
		fs.Usage()
		return errors.New("--name and --public-key are required")
	}
	pub, err := loadPub(*pubFile)
	if err != nil {
		return err
	}
	return propose(e, sf, kind, func(p *ceremony.Proposal, _ domain.DomainStatus) error {
		p.Operator = &ceremony.Operator{Name: *opName, PublicKey: pub}
		return nil
	})
}
