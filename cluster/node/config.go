package node

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/quota"
)

// Config is the daemon's whole configuration. Sources, strongest first: flags, then KEYHOLD_*
// environment variables, then the config file (JSON), then DefaultConfig. PINs never live here:
// the HSM URI names a pin-source file, or KEYHOLD_HSM_PIN holds it.
type Config struct {
	NodeID   string `json:"node_id" env:"KEYHOLD_NODE_ID" usage:"this node's id in the cluster"`
	DataDir  string `json:"data_dir" env:"KEYHOLD_DATA_DIR" usage:"directory for raft log, snapshots and state"`
	APIAddr  string `json:"api_addr" env:"KEYHOLD_API_ADDR" usage:"API listener (AWS KMS JSON protocol)"`
	OpsAddr  string `json:"ops_addr" env:"KEYHOLD_OPS_ADDR" usage:"ops listener (/metrics, /healthz, /readyz, /v1/cluster/status)"`
	RaftAddr string `json:"raft_addr" env:"KEYHOLD_RAFT_ADDR" usage:"raft transport listener"`
	// RaftAdvertise is the address peers dial; it defaults to RaftAddr.
	RaftAdvertise string `json:"raft_advertise" env:"KEYHOLD_RAFT_ADVERTISE" usage:"raft address peers dial (default: raft_addr)"`
	HSM           string `json:"hsm" env:"KEYHOLD_HSM" usage:"PKCS#11 URI of this node's HSM token (RFC 7512)"`
	// HSMSOPINFile names a file holding the HSM security officer's PIN, read only when a
	// ceremony needs the SO (the leader marks a member's identity key trusted, at admission or
	// at a rotation led by a node that has not trusted that member yet). A path, never the PIN;
	// unset, $KEYHOLD_HSM_SO_PIN is used (tests only). In production the file exists only for the
	// ceremony: the operator writes it (on tmpfs) on the leader, and the node deletes it after
	// the ceremony pass that used it succeeded (ceremony_sopin.go).
	HSMSOPINFile string `json:"hsm_so_pin_file" env:"KEYHOLD_HSM_SO_PIN_FILE" usage:"file holding the HSM security officer PIN, written for a ceremony and deleted by the node once used"`
	// HSMSOPINKeep keeps HSMSOPINFile after a ceremony used it. Dev mode only: it leaves the SO
	// PIN on disk so that local ceremonies need no extra step.
	HSMSOPINKeep bool   `json:"hsm_so_pin_keep" env:"KEYHOLD_HSM_SO_PIN_KEEP" usage:"keep hsm_so_pin_file after a ceremony used it (dev only)"`
	HSMSessions  int    `json:"hsm_sessions" env:"KEYHOLD_HSM_SESSIONS" usage:"PKCS#11 session pool size"`
	Region       string `json:"region" env:"KEYHOLD_REGION" usage:"region in ARNs and SigV4 scopes"`
	Account      string `json:"account" env:"KEYHOLD_ACCOUNT" usage:"12-digit account id in ARNs"`
	// CacheEntries and CacheTTL bound the unwrapped backing keys held in memory: at most
	// CacheEntries keys, each for at most CacheTTL after it was unwrapped. Larger values mean fewer
	// HSM calls and more key material exposed to a memory disclosure; 0 disables the cache.
	CacheEntries  int           `json:"cache_entries" env:"KEYHOLD_CACHE_ENTRIES" usage:"max unwrapped backing keys kept in memory (0 = no cache)"`
	CacheTTL      time.Duration `json:"cache_ttl" env:"KEYHOLD_CACHE_TTL" usage:"how long an unwrapped backing key may stay in memory"`
	SweepInterval time.Duration `json:"sweep_interval" env:"KEYHOLD_SWEEP_INTERVAL" usage:"how often the leader deletes expired keys and rotates due ones"`
	LogLevel      string        `json:"log_level" env:"KEYHOLD_LOG_LEVEL" usage:"debug, info, warn or error"`
	LogFormat     string        `json:"log_format" env:"KEYHOLD_LOG_FORMAT" usage:"text or json"`
	Bootstrap     bool          `json:"bootstrap" env:"KEYHOLD_BOOTSTRAP" usage:"bootstrap a new single-voter cluster if this node has no state"`
	MemLock       bool          `json:"mlock" env:"KEYHOLD_MLOCK" usage:"lock memory (mlockall) so key material is never swapped"`
	// ObjectStore selects where the S3 endpoint keeps (sealed) object bytes: "dir", a local
	// directory, ObjectStoreDir or <data_dir>/objects by default; or "s3", a bucket of an
	// upstream S3-compatible service (the Upstream* fields), keyhold being an encrypting gateway.
	ObjectStore    string `json:"object_store" env:"KEYHOLD_OBJECT_STORE" usage:"S3 object store: dir or s3"`
	ObjectStoreDir string `json:"object_store_dir" env:"KEYHOLD_OBJECT_STORE_DIR" usage:"directory of the dir object store (default: <data_dir>/objects)"`
	// ObjectStoreShared declares object_store_dir to be on storage every node mounts, the only
	// way a dir store may serve a cluster of more than one node (objstore.go).
	ObjectStoreShared bool `json:"object_store_shared" env:"KEYHOLD_OBJECT_STORE_SHARED" usage:"object_store_dir is on storage every cluster node mounts (NFS, CephFS...)"`
	// UpstreamS3* name the upstream bucket of object_store "s3". Its credentials never live in
	// this file: KEYHOLD_UPSTREAM_ACCESS_KEY_ID / KEYHOLD_UPSTREAM_SECRET_ACCESS_KEY (and
	// _SESSION_TOKEN), else the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
	UpstreamS3Endpoint  string `json:"upstream_s3_endpoint" env:"KEYHOLD_UPSTREAM_S3_ENDPOINT" usage:"upstream S3 endpoint URL for object_store s3 (empty: AWS S3)"`
	UpstreamS3Bucket    string `json:"upstream_s3_bucket" env:"KEYHOLD_UPSTREAM_S3_BUCKET" usage:"upstream S3 bucket for object_store s3"`
	UpstreamS3Region    string `json:"upstream_s3_region" env:"KEYHOLD_UPSTREAM_S3_REGION" usage:"upstream S3 region for object_store s3"`
	UpstreamS3PathStyle bool   `json:"upstream_s3_path_style" env:"KEYHOLD_UPSTREAM_S3_PATH_STYLE" usage:"path-style upstream requests (MinIO, Ceph RGW)"`
	UpstreamS3Prefix    string `json:"upstream_s3_prefix" env:"KEYHOLD_UPSTREAM_S3_PREFIX" usage:"key prefix inside the upstream bucket (optional)"`
	// S3Domains are the endpoint host names for virtual-hosted-style S3 requests
	// (Host: <bucket>.<domain>), comma-separated.
	S3Domains string `json:"s3_domains" env:"KEYHOLD_S3_DOMAINS" usage:"comma-separated S3 endpoint host names for virtual-hosted-style requests"`
	// APITLSCert and APITLSKey serve the API listener (KMS and S3) over HTTPS, as AWS's
	// endpoints are: clients then use https:// endpoint URLs. A renewed pair is picked up
	// without a restart. Without them the API is plain HTTP, fit only for loopback or behind a
	// TLS-terminating proxy; SSE-C keys are then refused unless allow_sse_c_over_http is set.
	APITLSCert string `json:"api_tls_cert" env:"KEYHOLD_API_TLS_CERT" usage:"PEM certificate (chain) for HTTPS on the API listener"`
	APITLSKey  string `json:"api_tls_key" env:"KEYHOLD_API_TLS_KEY" usage:"PEM private key of api_tls_cert"`
	// AllowSSECOverHTTP accepts SSE-C customer keys over plain HTTP. S3 refuses them without
	// TLS; dev mode allows them because it serves loopback only.
	AllowSSECOverHTTP bool `json:"allow_sse_c_over_http" env:"KEYHOLD_ALLOW_SSE_C_OVER_HTTP" usage:"accept SSE-C keys on plain HTTP (dev only)"`
	// S3PlaintextObjects stores S3 objects whose request and bucket name no encryption
	// UNENCRYPTED instead of SSE-S3. Off by default and logged loudly at start: it is the
	// plaintext baseline of `make bench`, or keyhold as a plain S3 backend. Objects stored so
	// are refused on read while it is off.
	S3PlaintextObjects bool `json:"s3_plaintext_objects" env:"KEYHOLD_S3_PLAINTEXT_OBJECTS" usage:"store S3 objects that name no encryption UNENCRYPTED (benchmark baseline; off by default)"`
	// OIDCProvidersFile names a JSON file of OpenID Connect issuers whose tokens STS's
	// AssumeRoleWithWebIdentity accepts (api/sts OIDCProviderConfig: issuer, audiences, and
	// the issuer's public keys as jwks_file, jwks or pem; never fetched over the network).
	OIDCProvidersFile string `json:"oidc_providers_file" env:"KEYHOLD_OIDC_PROVIDERS_FILE" usage:"JSON file of OIDC issuers (issuer, audiences, jwks_file/jwks/pem) trusted by AssumeRoleWithWebIdentity"`
	// AuditDir holds the tamper-evident audit trail (api/audit): one hash-chained JSON-lines
	// record per KMS, S3 and admin request. Empty means <data_dir>/audit.
	AuditDir string `json:"audit_dir" env:"KEYHOLD_AUDIT_DIR" usage:"directory of the hash-chained audit trail (default: <data_dir>/audit)"`
	// AuditStderr also logs every audit record through the logger (log=audit; encryption
	// context key names only). Off by default, in dev mode too: one line per request would
	// drown everything else; the trail's files are the record.
	AuditStderr bool `json:"audit_stderr" env:"KEYHOLD_AUDIT_STDERR" usage:"also log audit records through the logger"`
	// AuditMode is "durable" (the default): a request is answered only once its audit record
	// is written and fsynced, and while the trail cannot be written the node refuses requests
	// with a retryable 503 and /readyz says why, recovering by itself. "best_effort" answers
	// without waiting and keeps serving when the trail fails, dropping records past a 64 MiB
	// buffer: the trail may then miss answered calls.
	AuditMode string `json:"audit_mode" env:"KEYHOLD_AUDIT_MODE" usage:"durable (refuse requests the audit trail cannot record) or best_effort"`
	// MaxConns caps the open connections of each listener (API, ops); connections past it wait
	// in the kernel's accept queue until one closes.
	MaxConns int `json:"max_conns" env:"KEYHOLD_MAX_CONNS" usage:"max open connections per listener (API and ops)"`
	// ReadTimeout bounds reading a request's headers (at most 10s), and is the grace period a
	// request body gets on top of MinTransferRate; WriteTimeout does the same for responses.
	// IdleTimeout closes keep-alive connections that send no next request.
	ReadTimeout  time.Duration `json:"read_timeout" env:"KEYHOLD_READ_TIMEOUT" usage:"header read timeout (at most 10s), and grace for request bodies on top of min_transfer_rate"`
	WriteTimeout time.Duration `json:"write_timeout" env:"KEYHOLD_WRITE_TIMEOUT" usage:"grace for writing a response on top of min_transfer_rate"`
	IdleTimeout  time.Duration `json:"idle_timeout" env:"KEYHOLD_IDLE_TIMEOUT" usage:"how long an idle keep-alive connection stays open"`
	// MinTransferRate (bytes per second) is the slowest a request body may arrive, or a
	// response be taken, on average: a body of n bytes must arrive within read_timeout +
	// n/min_transfer_rate, so a large S3 PUT gets time in proportion to its size while a
	// client trickling bytes is cut off.
	MinTransferRate int `json:"min_transfer_rate" env:"KEYHOLD_MIN_TRANSFER_RATE" usage:"slowest average request body / response rate in bytes per second before the connection is closed"`
	// Join lists peers' raft addresses (comma-separated) that a new node asks to be added to raft
	// once an admit-node ceremony made it a member: first as a non-voter, to receive its wrapped
	// domain keys, then as a voter once its HSM holds the current one. Ignored once it votes.
	Join string `json:"join" env:"KEYHOLD_JOIN" usage:"comma-separated raft addresses of peers to join through"`
	// RootCredentialsFile bootstraps API access: when set, the first time this node leads a
	// domain that has no root principal, it creates one and writes its access key to this file
	// (AWS shared-credentials format, profile keyhold, mode 0600, never overwritten). Set it on
	// the first node only; move the file somewhere safe once read.
	RootCredentialsFile string `json:"root_credentials_file" env:"KEYHOLD_ROOT_CREDENTIALS_FILE" usage:"file to write the root principal's credentials to, once, after domain init"`
	// TLSCert, TLSKey and TLSCA switch raft and node-to-node traffic to mutual TLS: this node's
	// certificate (its SANs must cover raft_advertise) and key, and the cluster CA that every
	// peer's certificate chains to. All three or none; none is allowed only on loopback.
	TLSCert string `json:"tls_cert" env:"KEYHOLD_TLS_CERT" usage:"PEM certificate for raft and node-to-node mutual TLS"`
	TLSKey  string `json:"tls_key" env:"KEYHOLD_TLS_KEY" usage:"PEM private key of tls_cert"`
	TLSCA   string `json:"tls_ca" env:"KEYHOLD_TLS_CA" usage:"PEM cluster CA certificate(s) peers' certificates chain to"`
	// BootstrapOperatorKeys and RecoveryOperatorKeys are this node's trust anchors before it
	// has a domain (trustanchors.go): comma-separated files of operator public keys (the
	// PUBLIC KEY PEM files keyholdctl keygen writes; a file may hold several). Only a bootstrap
	// operator may propose the domain's init; a domain token is imported only with enough
	// approvals by recovery operators. Ignored once the node has a domain.
	BootstrapOperatorKeys string `json:"bootstrap_operator_keys" env:"KEYHOLD_BOOTSTRAP_OPERATOR_KEYS" usage:"comma-separated PEM files of the operator public keys that may initialise the domain"`
	RecoveryOperatorKeys  string `json:"recovery_operator_keys" env:"KEYHOLD_RECOVERY_OPERATOR_KEYS" usage:"comma-separated PEM files of the operator public keys whose approvals make a domain token importable (disaster recovery)"`
	// Pprof serves /debug/pprof on the ops listener, operator-authenticated. Off by default.
	Pprof bool `json:"pprof" env:"KEYHOLD_PPROF" usage:"serve /debug/pprof on the ops listener (operators only)"`
	// MaxStaleness bounds how old this node's replica may be while it answers API requests
	// (freshness.go): past it, requests get a retryable 503 until a read index from the leader is
	// applied again. A DisableKey or ScheduleKeyDeletion is in force on every answering node
	// within this bound.
	MaxStaleness time.Duration `json:"max_staleness" env:"KEYHOLD_MAX_STALENESS" usage:"longest a node may serve from a replica not confirmed current"`
	// ReadConsistency is linearizable (KMS metadata reads wait for a read index) or bounded
	// (they are served from the replica within max_staleness, like the data plane).
	ReadConsistency string `json:"read_consistency" env:"KEYHOLD_READ_CONSISTENCY" usage:"linearizable or bounded: consistency of KMS metadata reads"`
	// RaftSnapshotThreshold and RaftSnapshotInterval tune raft snapshots (0: the defaults, 8192
	// entries checked every 2 minutes).
	RaftSnapshotThreshold int           `json:"raft_snapshot_threshold" env:"KEYHOLD_RAFT_SNAPSHOT_THRESHOLD" usage:"log entries since the last snapshot that trigger a new one (0: default)"`
	RaftSnapshotInterval  time.Duration `json:"raft_snapshot_interval" env:"KEYHOLD_RAFT_SNAPSHOT_INTERVAL" usage:"how often raft checks whether to snapshot (0: default)"`
	// Quotas are the per-account request quotas (api/quota), config file only: "enabled"
	// applies AWS's default rates, "rates" and "accounts" override them (0 = unlimited). Per
	// node: a cluster of n nodes admits up to n times a quota.
	Quotas quota.Config `json:"quotas"`
}

// DefaultConfig returns the defaults DESIGN.md fixes for a production node.
func DefaultConfig() Config {
	return Config{
		NodeID:        "node1",
		DataDir:       "/var/lib/keyhold",
		APIAddr:       ":8100",
		OpsAddr:       "127.0.0.1:8101",
		RaftAddr:      "127.0.0.1:8102",
		HSMSessions:   8,
		Region:        "us-east-1",
		Account:       "111122223333",
		CacheEntries:  10000,
		CacheTTL:      5 * time.Minute,
		SweepInterval: time.Minute,
		LogLevel:      "info",
		LogFormat:     "text",
		Bootstrap:     true,
		MemLock:       true,
		ObjectStore:   "dir",
		S3Domains:     "localhost",

		AuditMode:       "durable",
		MaxConns:        1024,
		ReadTimeout:     30 * time.Second,
		WriteTimeout:    time.Minute,
		IdleTimeout:     2 * time.Minute,
		MinTransferRate: 32 << 10,
		MaxStaleness:    defaultMaxStaleness,
		ReadConsistency: readConsistencyLinearizable,
	}
}

// Validate reports every field that cannot work, naming it.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, why string) { errs = append(errs, fmt.Errorf("config: %s: %s", field, why)) }
	if c.NodeID == "" {
		bad("node_id", "must not be empty")
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	for f, v := range map[string]string{"api_addr": c.APIAddr, "ops_addr": c.OpsAddr, "raft_addr": c.RaftAddr} {
		if !strings.Contains(v, ":") {
			bad(f, fmt.Sprintf("%q is not host:port", v))
		}
	}
	if c.HSM == "" {
		bad("hsm", "must name this node's HSM token as a PKCS#11 URI, e.g. pkcs11:token=keyhold-node1?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/keyhold/pin")
	}
	if c.HSMSessions < 1 || c.HSMSessions > 1024 {
		bad("hsm_sessions", "must be between 1 and 1024")
	}
	if c.Region == "" {
		bad("region", "must not be empty")
	}
	if len(c.Account) != 12 || strings.Trim(c.Account, "0123456789") != "" {
		bad("account", fmt.Sprintf("%q is not a 12-digit account id", c.Account))
	}
	if c.CacheEntries < 0 {
		bad("cache_entries", "must not be negative")
	}
	if c.CacheTTL < 0 {
		bad("cache_ttl", "must not be negative")
	}
	if c.SweepInterval < time.Second {
		bad("sweep_interval", "must be at least 1s")
	}
	switch c.ObjectStore {
	case "dir":
		validateDirStore(c, bad) // objstore.go
	case "s3":
		if c.UpstreamS3Bucket == "" {
			bad("upstream_s3_bucket", "must name the upstream bucket when object_store is s3")
		}
		if c.UpstreamS3Region == "" {
			bad("upstream_s3_region", "must name the upstream region when object_store is s3")
		}
		if u, err := url.Parse(c.UpstreamS3Endpoint); c.UpstreamS3Endpoint != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			bad("upstream_s3_endpoint", fmt.Sprintf("%q is not an http(s) URL", c.UpstreamS3Endpoint))
		}
	default:
		bad("object_store", "must be dir or s3")
	}
	if n := countSet(c.TLSCert, c.TLSKey, c.TLSCA); n != 0 && n != 3 {
		bad("tls_cert", "tls_cert, tls_key and tls_ca must be set together")
	} else if n == 0 && !loopbackOnly(c.RaftAddr, c.RaftAdvertise) {
		bad("tls_cert", fmt.Sprintf("raft address %q is not loopback: raft and node-to-node traffic between machines needs mutual TLS (tls_cert, tls_key, tls_ca)", c.RaftAddr))
	}
	if countSet(c.APITLSCert, c.APITLSKey) == 1 {
		bad("api_tls_cert", "api_tls_cert and api_tls_key must be set together")
	}
	switch c.AuditMode {
	case "durable", "best_effort":
	default:
		bad("audit_mode", "must be durable or best_effort")
	}
	if c.MaxConns < 1 {
		bad("max_conns", "must be at least 1")
	}
	for f, d := range map[string]time.Duration{"read_timeout": c.ReadTimeout, "write_timeout": c.WriteTimeout, "idle_timeout": c.IdleTimeout} {
		if d <= 0 {
			bad(f, "must be positive")
		}
	}
	if c.MinTransferRate < 1 {
		bad("min_transfer_rate", "must be at least 1 byte per second")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log_level", "must be debug, info, warn or error")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("log_format", "must be text or json")
	}
	errs = append(errs, c.validateConsistency()...) // freshness.go
	if err := c.Quotas.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("config: %w", err))
	}
	return errors.Join(errs...)
}
