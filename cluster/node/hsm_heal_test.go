package node

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/softhsm"
)

// readyz returns /readyz's status and body.
// TestNodeHealsWhenHSMReturns: the node's SoftHSM2 token storage is moved away under the running
// node, then put back. Meanwhile requests that need the HSM answer a retryable
// DependencyTimeoutException and /readyz names the HSM; once the storage is back the node serves
// again by itself, without a restart.
func TestNodeHealsWhenHSMReturns(t *testing.T) {
	tn := newTestNode(t)
	k, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id := *k.KeyMetadata.KeyId
	out, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: &id, Plaintext: []byte("before")})
	if err != nil {
		t.Fatal(err)
	}
	if code, body := readyz(t, tn); code != http.StatusOK {
		t.Fatalf("/readyz before: %d %s", code, body)
	}
	st := nodeSoftHSM(t, tn.cfg)
	st.Dir = filepath.Dir(os.Getenv(softhsm.EnvConf))
	dir, err := st.StorageDir()
	if err != nil {
		t.Fatal(err)
	}
	away := filepath.Join(filepath.Dir(filepath.Dir(dir)), "away-"+filepath.Base(dir))
	if err := os.Rename(dir, away); err != nil {
		t.Fatal(err)
	}
	restored := false
	defer func() {
		if !restored {
			_ = os.Rename(away, dir)
		}
	}()
	tn.n.cache.PurgeAll() // the decrypt below must reach the HSM

	_, err = tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
	clustertest.WantCode(t, err, "DependencyTimeoutException")
	clustertest.Eventually(t, 10*time.Second, "/readyz reports the HSM", func() bool {
		code, body := readyz(t, tn)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "HSM")
	})
	_, body := readyz(t, tn)
	t.Logf("/readyz with the token away: %s", strings.TrimSpace(body))

	if err := os.Rename(away, dir); err != nil {
		t.Fatal(err)
	}
	restored = true
	start := time.Now()
	clustertest.Eventually(t, 30*time.Second, "the node serves again", func() bool {
		dec, err := tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
		if err != nil || !bytes.Equal(dec.Plaintext, []byte("before")) {
			return false
		}
		code, _ := readyz(t, tn)
		return code == http.StatusOK
	})
	t.Logf("recovered %v after the token storage came back, without a restart", time.Since(start).Round(time.Millisecond))
}
