package main

import (
	"net/http"

	"github.com/keyhold/keyhold/api/adminclient"
)

func init() {
	register("proposals", "list ceremony proposals", func(e *env, args []string) error {
		fs := newFlags(e, "proposals", "", "  keyholdctl proposals\n  keyholdctl --output json proposals")
		if err := fs.Parse(args); err != nil {
			return err
		}
		var ps []adminclient.ProposalView
		if _, err := e.call(http.MethodGet, "/v1/admin/proposals", "", nil, &ps); err != nil {
			return err
		}
		return e.printProposals(ps)
	})
}
