package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/domain"
)

var httpClient = &http.Client{Timeout: 60 * time.Second}

// call sends a request to the node and decodes a JSON answer into out (nil: return the raw body).
func (e *env) call(method, path, ctype string, body []byte, out any) ([]byte, error) {
	req, err := http.NewRequest(method, strings.TrimRight(e.addr, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if operatorOnly(method, path) {
		priv, err := e.requestSigner()
		if err != nil {
			return nil, err
		}
		if err := adminauth.Sign(req, body, priv, time.Now()); err != nil {
			return nil, err
		}
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s (HTTP %d)", e.Error, resp.StatusCode)
		}
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if out != nil {
		return b, json.Unmarshal(b, out)
	}
	return b, nil
}

func (e *env) status() (domain.DomainStatus, error) {
	var st domain.DomainStatus
	_, err := e.call(http.MethodGet, "/v1/domain/status", "", nil, &st)
	return st, err
}

// proposalView mirrors api.ProposalView. The JSON is the contract: importing package api would
// pull the whole server (S3, metrics, storage backends) into the operators' CLI.
type proposalView struct {
	ID          string           `json:"id"`
	Kind        string           `json:"kind"`
	Status      string           `json:"status"`
	Epoch       uint64           `json:"epoch"`
	Approvals   int              `json:"approvals"`
	Rejections  int              `json:"rejections"`
	SubmittedAt time.Time        `json:"submitted_at"`
	NotAfter    time.Time        `json:"not_after"`
	Proposal    []byte           `json:"proposal"`
	Signers     [][]byte         `json:"signers"`
	Decoded     *domain.Proposal `json:"decoded,omitempty"`
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

func (e *env) printProposals(ps []proposalView) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-32s  %-18s  %-10s  %5s  %8s  %s\n", "ID", "KIND", "STATUS", "EPOCH", "APPROVED", "EXPIRES")
	for _, p := range ps {
		fmt.Fprintf(&b, "%-32s  %-18s  %-10s  %5d  %8d  %s\n", p.ID, p.Kind, p.Status, p.Epoch, p.Approvals, p.NotAfter.Format(time.RFC3339))
	}
	return e.print(ps, b.String())
}
