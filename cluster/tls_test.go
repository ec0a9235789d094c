package cluster

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"
)

// testCA is a throwaway certificate authority for the raft transport tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// nodeTLS issues a certificate for node id valid for 127.0.0.1 as both server and client, and
// returns the mutual-TLS config a node of this CA uses.
func (ca *testCA) nodeTLS(t *testing.T, id string) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: id},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		RootCAs:      ca.pool,
		ClientCAs:    ca.pool,
	}
}

func TestMutualTLSTransport(t *testing.T) {
	good, other := newTestCA(t, "cluster CA"), newTestCA(t, "other CA")
	c := newTestCluster(t, 2, func(i int, cfg *Config) { cfg.TLS = good.nodeTLS(t, cfg.NodeID) })
	leader := c.leader()
	c.set(leader, "k", "v")
	c.waitConverged()
	if got := c.nodes[1].sm.get("k"); got != "v" {
		t.Fatalf("follower over TLS: got k=%q, want %q", got, "v")
	}

	// A node whose certificate comes from another CA is refused in both directions: the leader
	// cannot replicate to it, and it cannot reach the leader.
	intruderCfg := testConfig(t, "intruder", c.logs)
	intruderCfg.TLS = other.nodeTLS(t, "intruder")
	intruder := newKV()
	in, err := Open(intruderCfg, intruder)
	if err != nil {
		t.Fatalf("Open(intruder): %v", err)
	}
	defer in.Close()
	// The two good voters still form a majority of three, so the configuration commits; what
	// must not happen is any data reaching the intruder.
	if err := leader.node.AddVoter(c.ctx(), "intruder", in.Addr()); err != nil {
		t.Fatalf("AddVoter(intruder): %v", err)
	}
	c.set(leader, "k", "v2")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := in.WaitForApplied(ctx, 1); !errors.Is(err, ErrTimeout) {
		t.Errorf("intruder WaitForApplied(1): got %v, want ErrTimeout (nothing replicated)", err)
	}
	if st := in.Status(); st.LastLogIndex != 0 || st.LeaderID != "" {
		t.Errorf("intruder: got last log %d, leader %q; want empty log and no leader", st.LastLogIndex, st.LeaderID)
	}
	if got := intruder.state(); len(got) != 0 {
		t.Errorf("intruder state: got %v, want empty", got)
	}

	for _, tc := range []struct {
		name string
		conf *tls.Config
	}{
		{"client cert from another CA", func() *tls.Config {
			cf := other.nodeTLS(t, "x")
			cf.RootCAs = good.pool // trusts the server, but the server must not trust it
			return cf
		}()},
		{"no client cert", &tls.Config{RootCAs: good.pool}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", leader.node.Addr(), tc.conf)
			if err == nil {
				// TLS 1.3 clients finish before the server checks their certificate; the
				// server's rejection arrives on the first read.
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				_, err = conn.Read(make([]byte, 1))
			}
			if err == nil {
				t.Fatal("handshake with the leader succeeded, want rejection")
			}
		})
	}
}
