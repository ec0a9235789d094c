package node

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/smithy-go"
	"github.com/keyhold/keyhold/api/quota"
)

// TestAttackUnauthenticatedSpendsQuota: an attacker who knows an account's access key id (ids
// are not secret: they appear in logs and audit records) but not its secret floods the account
// with badly signed CreateKey requests, to exhaust its quota and lock its owner out. keyhold
// must charge a request only once its signature verified: the owner's next CreateKey runs.
func TestAttackUnauthenticatedSpendsQuota(t *testing.T) {
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{"kms:CreateKey": 1}})
	forged := tn.client(tn.akid, "not-the-secret-not-the-secret-not-the-secr")
	for range 20 {
		_, err := forged.CreateKey(ctx(), &kms.CreateKeyInput{}, noRetries)
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidSignatureException" {
			t.Fatalf("forged CreateKey: %v, want InvalidSignatureException", err)
		}
	}
	if _, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{}, noRetries); err != nil {
		t.Fatalf("the owner's CreateKey after the flood: %v (the forged requests spent the quota)", err)
	}
}
