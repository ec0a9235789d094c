package node

import (
	"fmt"
	"path/filepath"

	"github.com/keyhold/keyhold/api/audit"
)

// auditDir is where this node's audit trail lives.
func (c Config) auditDir() string {
	if c.AuditDir != "" {
		return c.AuditDir
	}
	return filepath.Join(c.DataDir, "audit")
}

// openAudit opens the node's hash-chained audit trail (api/audit) and registers its metrics. The
// handler it returns also logs each record when audit_stderr is set.
func (n *Node) openAudit() (audit.Handler, error) {
	durable := n.cfg.AuditMode != "best_effort"
	if !durable {
		n.log.Warn("audit_mode best_effort: requests are answered even when the audit trail cannot record them")
	}
	w, err := audit.Open(n.cfg.auditDir(), audit.Options{Logger: n.log.With("component", "audit"), Durable: durable})
	if err != nil {
		return nil, err
	}
	n.audit = w
	n.metrics.CounterFunc("keyhold_audit_records_total", "Audit records chained since the node started.",
		func() float64 { return float64(w.Stats().Records) })
	n.metrics.CounterFunc("keyhold_audit_write_errors_total", "Audit records dropped and audit file writes or fsyncs that failed (and were retried).",
		func() float64 { return float64(w.Stats().WriteErrors) })
	n.metrics.GaugeFunc("keyhold_audit_last_flush_timestamp_seconds", "When buffered audit records were last written and fsynced (Unix seconds).",
		func() float64 { return float64(w.Stats().LastFlush.UnixNano()) / 1e9 })
	n.metrics.GaugeFunc("keyhold_audit_head_sequence", "Sequence number of the audit chain's head record; anchor it with `keyholdctl audit verify`'s head hash.",
		func() float64 { return float64(w.Stats().HeadSeq) })
	if n.cfg.AuditStderr {
		return audit.Fanout(w, audit.SlogHandler(n.log.With("log", "audit"))), nil
	}
	return w, nil
}

// auditHealthy is nil while the audit trail accepts records; /readyz reports it otherwise.
func (n *Node) auditHealthy() error {
	if n.audit == nil {
		return nil
	}
	if err := n.audit.Healthy(); err != nil {
		return fmt.Errorf("%w: %v", errNotReady, err)
	}
	return nil
}

// closeAudit writes out and closes the trail, logging its head so that an operator can anchor it.
func (n *Node) closeAudit() {
	if n.audit == nil {
		return
	}
	if err := n.audit.Close(); err != nil {
		n.log.Error("audit trail: final flush failed", "dir", n.cfg.auditDir(), "err", err)
	}
	seq, hash := n.audit.Head()
	n.log.Info("audit trail closed", "dir", n.cfg.auditDir(), "head_seq", seq, "head_hash", hash)
	n.audit = nil
}
