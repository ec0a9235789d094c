package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/adminclient"
	"github.com/keyhold/keyhold/domain"
)

// call sends a request to the node through the admin client (api/adminclient), which signs
// operator-only calls with this invocation's key, and decodes a JSON answer into out (nil:
// return the raw body).
func (e *env) call(method, path, ctype string, body []byte, out any) ([]byte, error) {
	c := adminclient.Client{Addr: e.addr, Signer: e.requestSigner}
	return c.Do(method, path, ctype, body, out)
}

func (e *env) status() (domain.DomainStatus, error) {
	var st domain.DomainStatus
	_, err := e.call(http.MethodGet, "/v1/domain/status", "", nil, &st)
	return st, err
}

// print writes v as JSON with --output json, else the human-readable text.
func (e *env) print(v any, text string) error {
	if e.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := io.WriteString(e.stdout, text)
	return err
}

func (e *env) printProposals(ps []adminclient.ProposalView) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-32s  %-18s  %-10s  %5s  %8s  %s\n", "ID", "KIND", "STATUS", "EPOCH", "APPROVED", "EXPIRES")
	for _, p := range ps {
		fmt.Fprintf(&b, "%-32s  %-18s  %-10s  %5d  %8d  %s\n", p.ID, p.Kind, p.Status, p.Epoch, p.Approvals, p.NotAfter.Format(time.RFC3339))
	}
	return e.print(ps, b.String())
}
