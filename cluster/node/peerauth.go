package node

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/domain"
)

// Peers are identified by their certificate, not by the CA alone: every connection accepted on
// the raft port (raft RPCs and the peer API) must present a certificate that a current member
// entry of the domain record pins (cluster.Config.VerifyPeer, checked right after the TLS
// handshake), and the peer API checks it again on every request. A member entry pins its
// certificate by Member.TLSPin, the SHA-256 of its SubjectPublicKeyInfo, recorded by the
// admit-node ceremony (the joiner's /v1/node/identity reports it) or, for the first member, at
// init. A member recorded before pins existed is identified by its address: the certificate must
// be valid for the host of its recorded raft address (what dialling peers verify anyway).
//
// Which member set is "current" (cluster/DESIGN.md, "Peer identity"): the newest one, by the
// domain record's epoch, among
//   - the replicated domain record, once this node has applied it;
//   - its persisted copy (DataDir/peer-members.json), rewritten whenever an applied record is
//     newer: a restarted follower applies no log entry until the leader has contacted it, so
//     without the copy it could not tell the leader from an outsider;
//   - the set a configured join peer reported (GET /peer/v1/domain-key) while this node joins:
//     a new node has no record until the leader that admitted it sends the log, and must accept
//     that leader. The join peer is one the operator configured, reached over TLS verified
//     against the cluster CA and the dialled address, and answers only a node it counts as a
//     member.
// A node with none of the three falls back on its raft configuration's addresses if it has been
// part of a multi-server cluster (raftConfigSet: the upgrade path), and otherwise (a bootstrap
// node before init, a stranger) refuses every peer.

// peerMembersFile holds the persisted member set, in the node's data directory.
const peerMembersFile = "peer-members.json"

// memberSet is a domain's member identities at one epoch.
type memberSet struct {
	Domain  string       `json:"domain"`
	Epoch   uint64       `json:"epoch"`
	Members []peerMember `json:"members"`
}

// peerMember is what identifies a member on the raft port.
type peerMember struct {
	NodeID  string `json:"node_id"`
	Address string `json:"address,omitempty"`
	TLSPin  []byte `json:"tls_pin,omitempty"`
}

// peerTrust holds the member sets other than the live record.
type peerTrust struct {
	path    string
	mu      sync.Mutex
	saved   memberSet
	learned memberSet
}

// tlsPin is the pin of a certificate: the SHA-256 of its SubjectPublicKeyInfo.
func tlsPin(c *x509.Certificate) []byte {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return h[:]
}

// ownTLSPin returns the pin of this node's peer certificate, or nil without peer TLS.
func ownTLSPin(conf *tls.Config) ([]byte, error) {
	if conf == nil || len(conf.Certificates) == 0 || len(conf.Certificates[0].Certificate) == 0 {
		return nil, nil
	}
	c, err := x509.ParseCertificate(conf.Certificates[0].Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("config: tls_cert: %w", err)
	}
	return tlsPin(c), nil
}

// certPinFile returns the pin of the first PEM certificate in the file at path.
func certPinFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	return tlsPin(c), nil
}

func setOf(d *ceremony.Domain) memberSet {
	s := memberSet{Domain: d.ID, Epoch: d.Epoch}
	for _, m := range d.Members {
		s.Members = append(s.Members, peerMember{NodeID: m.NodeID, Address: m.Address, TLSPin: m.TLSPin})
	}
	return s
}

// load reads the persisted member set; a missing file is an empty set.
func (p *peerTrust) load(path string) error {
	p.path = path
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keyhold: %s: %w", path, err)
	}
	var s memberSet
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("keyhold: %s: %w", path, err)
	}
	p.mu.Lock()
	p.saved = s
	p.mu.Unlock()
	return nil
}

// observe persists the applied record's member set when it is newer than the saved one, and
// reports whether it was. It runs on the FSM goroutine after each apply and restore; it writes
// only when a ceremony changed the record, which is rare. Replaying an older log never rolls the
// file back.
func (p *peerTrust) observe(d *ceremony.Domain, log func(msg string, args ...any)) (changed bool) {
	if d == nil || p.path == "" {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if d.ID == p.saved.Domain && d.Epoch <= p.saved.Epoch {
		return false // the common case, on every applied command: nothing to do
	}
	cur := setOf(d)
	if err := writeFileSync(p.path, cur); err != nil {
		// Tried once per change, not on every apply after it.
		log("persisting the member set failed: a restart may refuse peers until the leader is reached", "err", err)
	}
	p.saved = cur
	return true
}

func writeFileSync(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// learn records the member set a join peer reported.
func (p *peerTrust) learn(s memberSet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.Domain != p.learned.Domain || s.Epoch >= p.learned.Epoch {
		p.learned = s
	}
}

// currentMembers returns the member set peers are checked against and where it comes from
// (src), or an empty src when this node knows none.
func (n *Node) currentMembers() (set memberSet, src string) {
	var rec memberSet
	n.state.View(func(v *domain.View) {
		if d := v.Domain(); d != nil {
			rec = setOf(d)
		}
	})
	n.trust.mu.Lock()
	saved, learned := n.trust.saved, n.trust.learned
	n.trust.mu.Unlock()
	cur, src := rec, "the domain record"
	for _, c := range []struct {
		s   memberSet
		src string
	}{{saved, "the persisted member set"}, {learned, "the member set reported by the join peer"}} {
		// A set of another domain than the one already chosen never overrides it: the record
		// (then the persisted copy) decides which domain this node is in.
		if c.s.Domain != "" && (cur.Domain == "" || c.s.Domain == cur.Domain && c.s.Epoch > cur.Epoch) {
			cur, src = c.s, c.src
		}
	}
	if cur.Domain == "" {
		return n.raftConfigSet()
	}
	return cur, src
}

// raftConfigSet is the last resort of a node that has been part of a multi-server cluster yet
// knows no member set: one upgraded from a keyhold that kept no persisted set, restarted before
// a snapshot held its domain record (a follower applies its log only once the leader has
// contacted it). The servers of its raft configuration, which raft reads from its own log at
// start, are identified by address, as members recorded without a pin are. The first record the
// leader sends replaces it. A new node (empty configuration) and a bootstrap node before init
// (itself alone) get nothing from it.
func (n *Node) raftConfigSet() (memberSet, string) {
	select {
	case <-n.started: // n.raft is set
	default:
		return memberSet{}, ""
	}
	st := n.raft.Status()
	servers := append(slices.Clone(st.Voters), st.Nonvoters...)
	if len(servers) < 2 {
		return memberSet{}, ""
	}
	var s memberSet
	for _, sv := range servers {
		s.Members = append(s.Members, peerMember{NodeID: sv.ID, Address: sv.Addr})
	}
	return s, "the raft configuration (no member set known yet)"
}

// matches reports whether cert identifies member m: by its pin, or, for a member recorded
// without one, by being valid for the host of its raft address.
func (m peerMember) matches(cert *x509.Certificate, pin []byte) bool {
	if len(m.TLSPin) > 0 {
		return bytes.Equal(m.TLSPin, pin)
	}
	host, _, err := net.SplitHostPort(m.Address)
	return err == nil && host != "" && cert.VerifyHostname(host) == nil
}

// errNotMemberCert is the reason every refused certificate is given.
var errNotMemberCert = errors.New("peer certificate refused")

// peerMemberOf returns the member the verified TLS state identifies.
func (n *Node) peerMemberOf(cs tls.ConnectionState) (peerMember, error) {
	if len(cs.PeerCertificates) == 0 {
		return peerMember{}, errors.New("no client certificate")
	}
	cert := cs.PeerCertificates[0]
	pin := tlsPin(cert)
	set, src := n.currentMembers()
	for _, m := range set.Members {
		if m.matches(cert, pin) {
			return m, nil
		}
	}
	if src == "" {
		return peerMember{}, fmt.Errorf("%w: this node knows no member of any domain yet, so it is not a member of the domain (subject %q, pin %s)", errNotMemberCert, cert.Subject.CommonName, hex.EncodeToString(pin))
	}
	return peerMember{}, fmt.Errorf("%w: it is not a member of the domain per %s at epoch %d (subject %q, pin %s)", errNotMemberCert, src, set.Epoch, cert.Subject.CommonName, hex.EncodeToString(pin))
}

// verifyPeer is cluster.Config.VerifyPeer: only a current member reaches raft or the peer API,
// and this node sends raft traffic and forwarded writes only to current members. The one
// exception is dialling before this node knows any member set: a new node asks its configured
// join peer (verified against the CA and the dialled address) for the member set it will then
// check everyone against.
func (n *Node) verifyPeer(cs tls.ConnectionState, dialed bool) error {
	if dialed {
		if _, src := n.currentMembers(); src == "" {
			return nil
		}
	}
	_, err := n.peerMemberOf(cs)
	return err
}

// requireMember runs h only for a request whose certificate is a current member's, checked
// again per request because a peer connection outlives the membership it was accepted under.
// Without peer TLS (dev on loopback) there is no identity to check.
func (n *Node) requireMember(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil {
			if err := n.verifyPeer(*r.TLS, false); err != nil {
				n.log.Warn("peer request refused", "remote", r.RemoteAddr, "path", r.URL.Path, "reason", err)
				writePeerError(w, http.StatusForbidden, peerError{Code: peerCodeRefused, Message: err.Error()})
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}
