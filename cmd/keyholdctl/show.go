package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/api/adminclient"
)

func init() {
	register("show", "show one proposal: what approving it signs", func(e *env, args []string) error {
		fs := newFlags(e, "show", "PROPOSAL-ID", "  keyholdctl show 3f2a9c...")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			fs.Usage()
			return errors.New("one proposal id is required")
		}
		var p adminclient.ProposalView
		if _, err := e.call(http.MethodGet, "/v1/admin/proposals/"+fs.Arg(0), "", nil, &p); err != nil {
			return err
		}
		dec, err := ceremony.ParseProposal(p.Proposal)
		if err != nil {
			return err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "id:        %s\nkind:      %s\nstatus:    %s\ndomain:    %s\nepoch:     %d\nexpires:   %s\napprovals: %d  rejections: %d\n",
			p.ID, dec.Kind, p.Status, dec.DomainID, dec.Epoch, p.NotAfter, p.Approvals, p.Rejections)
		for _, s := range p.Signers {
			fmt.Fprintf(&b, "signed by: %s\n", base64.StdEncoding.EncodeToString(s))
		}
		body, _ := json.MarshalIndent(dec, "", "  ")
		fmt.Fprintf(&b, "proposal:\n%s\n", body)
		return e.print(p, b.String())
	})
}
