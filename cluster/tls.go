package cluster

import "crypto/tls"

// mtlsConfig clones c and enforces what raft and peer traffic need whatever the caller set.
func mtlsConfig(c *tls.Config) *tls.Config {
	c = c.Clone()
	c.ClientAuth = tls.RequireAndVerifyClientCert
	if c.MinVersion < tls.VersionTLS13 {
		// Both ends are keyhold, so there is no old peer to accommodate.
		c.MinVersion = tls.VersionTLS13
	}
	return c
}
