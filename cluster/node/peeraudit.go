package node

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/audit"
)

// auditedPeer records every call of the node-to-node API (peerapi.go) in the audit trail, as
// the API and ops listeners do for theirs, and fails closed like them: while the trail cannot
// be written peer calls are refused with 503, and a response is sent only once its record is
// on disk. Peer calls move raft proposals and wrapped domain keys between nodes, so they are
// as worth a record as a KMS call.
func (n *Node) auditedPeer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// n.audit is set before n.started closes; the peer handler waits for it too.
		select {
		case <-n.started:
		case <-r.Context().Done():
			return
		}
		if err := n.audit.Healthy(); err != nil {
			// Nothing was done: a proposal here was not proposed.
			writePeerError(w, http.StatusServiceUnavailable, peerError{Code: peerCodeRefused, Message: "this node's audit trail cannot be written"})
			return
		}
		start := time.Now()
		h := audit.Hold(w)
		next.ServeHTTP(h, r)
		outcome := "OK"
		if st := h.Status(); st >= 300 {
			outcome = peerOutcome(st)
		}
		rec := audit.Record{Time: start, RequestID: newPeerRequestID(), API: audit.Peer,
			Operation: peerOperation(r.URL.Path), Principal: peerPrincipal(r), SourceIP: peerSourceIP(r),
			Outcome: outcome, Duration: time.Since(start)}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
		err := n.audit.Handle(ctx, rec)
		cancel()
		if errors.Is(err, audit.ErrUnwritable) {
			h.Recorded(err) // fail closed: the response becomes the refusal
		}
		if err != nil {
			n.log.Error("audit record not stored", "api", "peer", "operation", rec.Operation, "err", err)
		}
		h.Release(func(w http.ResponseWriter) {
			// The call may have taken effect (a proposal applied): its outcome is unknown to
			// the caller, as when leadership is lost mid-proposal.
			writePeerError(w, http.StatusServiceUnavailable, peerError{Code: peerCodeUnknown, Message: "this node's audit trail cannot be written"})
		})
	})
}

// peerOperation names a peer path's operation: "/peer/v1/read-index" is "read-index".
func peerOperation(path string) string {
	op := path[strings.LastIndexByte(path, '/')+1:]
	if len(op) > 64 {
		op = op[:64]
	}
	return op
}

// peerPrincipal is the calling node's certificate subject under mutual TLS, empty without TLS
// (loopback dev clusters).
func peerPrincipal(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	c := r.TLS.PeerCertificates[0]
	if c.Subject.CommonName != "" {
		return "node:" + c.Subject.CommonName
	}
	return "node:" + firstSAN(c)
}

func firstSAN(c *x509.Certificate) string {
	switch {
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	case len(c.IPAddresses) > 0:
		return c.IPAddresses[0].String()
	}
	return c.SerialNumber.String()
}

func peerSourceIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// peerOutcome is a failed call's HTTP status text without spaces ("ServiceUnavailable").
func peerOutcome(status int) string {
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// newPeerRequestID is a random id for a peer call's record.
func newPeerRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
