package node

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// BenchmarkAuditModeEncrypt measures KMS Encrypt through the SDK, 32 callers per CPU, with the
// audit trail in each mode: what waiting for the group fsync costs end to end.
func BenchmarkAuditModeEncrypt(b *testing.B) {
	for _, mode := range []string{"best_effort", "durable"} {
		b.Run(mode, func(b *testing.B) {
			tn := newTestNode(b)
			tn.cfg.AuditMode = mode
			tn.restart(b)
			ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{})
			if err != nil {
				b.Fatal(err)
			}
			id := ck.KeyMetadata.KeyId
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: id, Plaintext: []byte("benchmark"),
						EncryptionContext: map[string]string{"k": "v"}}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			st := tn.n.audit.Stats()
			if st.Fsyncs > 0 {
				b.ReportMetric(float64(st.Records)/float64(st.Fsyncs), "records/fsync")
			}
		})
	}
}
