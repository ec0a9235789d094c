package adminclient

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/adminauth"
	"github.com/keyhold/keyhold/domain"
)

// maxResponse bounds what the client reads of an answer: a domain token or a long proposal
// list fit with room to spare, and a misbehaving endpoint cannot exhaust the CLI's memory.
const maxResponse = 4 << 20

// Client calls one node's admin API.
type Client struct {
	// Addr is the ops listener's base URL, e.g. http://127.0.0.1:9091.
	Addr string
	// HTTP sends the requests; nil means a client with a 60-second timeout.
	HTTP *http.Client
	// Signer returns the operator key that signs operator-only requests. It is called only for
	// those, so that reads need no key (and no passphrase).
	Signer func() (ed25519.PrivateKey, error)
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

var defaultHTTP = &http.Client{Timeout: 60 * time.Second}

// OperatorOnly reports whether the node requires an operator's signature on this call (see
// api/admin): everything that changes state or returns domain material. Reads of status,
// identity and proposals go unsigned.
func OperatorOnly(method, path string) bool {
	return method != http.MethodGet || path == "/v1/domain/token" || strings.HasPrefix(path, "/debug/pprof/")
}

// Do sends a request and decodes a JSON answer into out (nil: only the raw body is returned).
// A non-200 answer is an error carrying the node's message and the HTTP status.
func (c *Client) Do(method, path, ctype string, body []byte, out any) ([]byte, error) {
	req, err := http.NewRequest(method, strings.TrimRight(c.Addr, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if OperatorOnly(method, path) {
		if c.Signer == nil {
			return nil, fmt.Errorf("%s %s must be signed by an operator key", method, path)
		}
		priv, err := c.Signer()
		if err != nil {
			return nil, err
		}
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		if err := adminauth.Sign(req, body, priv, now()); err != nil {
			return nil, err
		}
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e ErrorBody
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

// Status returns the domain status (GET /v1/domain/status).
func (c *Client) Status() (domain.DomainStatus, error) {
	var st domain.DomainStatus
	_, err := c.Do(http.MethodGet, "/v1/domain/status", "", nil, &st)
	return st, err
}

// Proposals lists the ceremony proposals (GET /v1/admin/proposals).
func (c *Client) Proposals() ([]ProposalView, error) {
	var ps []ProposalView
	_, err := c.Do(http.MethodGet, "/v1/admin/proposals", "", nil, &ps)
	return ps, err
}

// Proposal returns one proposal (GET /v1/admin/proposals/{id}).
func (c *Client) Proposal(id string) (ProposalView, error) {
	var p ProposalView
	_, err := c.Do(http.MethodGet, "/v1/admin/proposals/"+id, "", nil, &p)
	return p, err
}

// Identity returns the node's identity (GET /v1/node/identity).
func (c *Client) Identity() (NodeIdentity, error) {
	var id NodeIdentity
	_, err := c.Do(http.MethodGet, "/v1/node/identity", "", nil, &id)
	return id, err
}
