package node

import (
	"bytes"
	"crypto/ed25519"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/ceremony"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestDisasterRecoveryImportOnFreshNode: the import path that stays open, on real nodes. The
// operators export the domain token; the node's data is lost; a fresh node on the same HSM,
// configured with the operators' public keys as recovery_operator_keys, imports the token when a
// recovery operator signs the request, and refuses a token its recovery operators did not
// approve, even from a recovery operator's authenticated request.
func TestDisasterRecoveryImportOnFreshNode(t *testing.T) {
	old := newCeremonyNode(t)
	base := opsBase(old)
	dev := devOperator(t, old.dir)
	st := getStatus(t, base)
	h, _ := hexBytes(st.RecordHash)
	p := ceremony.NewProposal(ceremony.KindExportToken, st.DomainID, st.Epoch, time.Now(), time.Hour)
	p.RecordHash = h
	if code, body := submitSigned(t, base, p, dev, signedBy(t, dev)); code != 200 {
		t.Fatalf("export ceremony: %d %s", code, body)
	}
	code, tok := adminCall(t, base, "GET", "/v1/domain/token", nil, signedBy(t, dev))
	if code != 200 {
		t.Fatalf("GET /v1/domain/token: %d %s", code, tok)
	}
	forged := forgeToken(t, st, newOperatorKey(t))
	old.stop()

	// The disaster: the data directory is gone. The same HSM, a new data directory.
	dir := t.TempDir()
	pubFile := filepath.Join(dir, "dev-operator.pub")
	if err := os.WriteFile(pubFile, ceremony.MarshalOperatorPublicKey(dev.Public().(ed25519.PublicKey)), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := old.cfg
	cfg.DataDir, cfg.RaftAddr = filepath.Join(dir, "node1"), clustertest.FreePort(t)
	cfg.RecoveryOperatorKeys = pubFile
	fresh := startFreshNode(t, cfg, dir)
	base = opsBase(fresh)
	if getStatus(t, base).Initialised {
		t.Fatal("the fresh node has a domain before the import")
	}
	if code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok), nil); code != http.StatusUnauthorized {
		t.Fatalf("unsigned import: got %d %s, want 401", code, body)
	}
	if code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, forged), signedBy(t, dev)); code != http.StatusForbidden {
		t.Fatalf("a forged token, imported by a recovery operator: got %d %s, want 403", code, body)
	}
	if code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok), signedBy(t, dev)); code != 200 {
		t.Fatalf("the genuine token: %d %s", code, body)
	}
	got := getStatus(t, base)
	if !got.Initialised || got.DomainID != st.DomainID || got.Epoch != st.Epoch || got.RecordHash != st.RecordHash ||
		len(got.Operators) != 1 || !bytes.Equal(got.Operators[0].PublicKey, dev.Public().(ed25519.PublicKey)) {
		t.Fatalf("after the import: %+v; want the exported domain %s at epoch %d", got, st.DomainID, st.Epoch)
	}
	// The domain is back; from now on its operators rule, and import is closed.
	if code, body := adminCall(t, base, "POST", "/v1/admin/domain/import", importBody(t, tok), signedBy(t, dev)); code != http.StatusConflict {
		t.Fatalf("a second import: got %d %s, want 409", code, body)
	}
}
