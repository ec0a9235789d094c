package node

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/keyhold/keyhold/api/quota"
)

// newQuotaNode is a test node enforcing cfg's quotas.
func newQuotaNode(t *testing.T, cfg quota.Config) *testNode {
	t.Helper()
	tn := newTestNode(t)
	tn.cfg.Quotas = cfg
	if err := tn.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tn.restart(t)
	return tn
}

// noRetries makes one SDK call without retries; sdkRetries with the SDK's standard retryer
// (what config.LoadDefaultConfig gives every application: 3 attempts, exponential backoff with
// jitter, throttling errors retried).
func noRetries(o *kms.Options)  { o.Retryer = aws.NopRetryer{} }
func sdkRetries(o *kms.Options) { o.Retryer = retry.NewStandard() }

// wantAWSError checks err is the AWS error code with the HTTP status.
func wantAWSError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("got %v, want %s (HTTP %d)", err, code, status)
	}
}

// throttled reads keyhold_throttled_requests_total for the root account and q.
func throttled(t *testing.T, tn *testNode, q quota.Name) float64 {
	t.Helper()
	return metricValue(t, tn, `keyhold_throttled_requests_total{account="`+tn.cfg.Account+`",quota="`+string(q)+`"}`)
}

// TestQuotaThrottlesKMS: past its CreateKey quota an account gets KMS's ThrottlingException
// (HTTP 400), which a client without retries sees; the refusal is counted per account and
// quota; other quotas of the account are untouched (each quota is independent).
func TestQuotaThrottlesKMS(t *testing.T) {
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{"kms:CreateKey": 1}})
	if _, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{}, noRetries); err != nil {
		t.Fatalf("first CreateKey: %v", err)
	}
	_, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{}, noRetries)
	wantAWSError(t, err, "ThrottlingException", http.StatusBadRequest)
	var te *types.KMSInternalException
	if errors.As(err, &te) {
		t.Fatal("throttling mapped to an internal error")
	}
	if got := throttled(t, tn, "kms:CreateKey"); got != 1 {
		t.Fatalf("keyhold_throttled_requests_total = %v, want 1", got)
	}
	// The symmetric cryptographic quota and ListKeys are separate buckets.
	if _, err := tn.kms.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(16)}, noRetries); err != nil {
		t.Fatalf("GenerateRandom while CreateKey is throttled: %v", err)
	}
	if _, err := tn.kms.ListKeys(ctx(), &kms.ListKeysInput{}, noRetries); err != nil {
		t.Fatalf("ListKeys while CreateKey is throttled: %v", err)
	}
}

// TestQuotaSDKRetriesThrottling: the SDK's standard retryer backs off on ThrottlingException and
// the calls succeed once the bucket refills, so a well-behaved application slowed by a quota
// keeps working; the node counted the throttles it answered.
func TestQuotaSDKRetriesThrottling(t *testing.T) {
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{string(quota.KMSSymmetric): 20}})
	for i := range 60 {
		if _, err := tn.kms.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(16)}, sdkRetries); err != nil {
			t.Fatalf("GenerateRandom %d with the SDK's retryer: %v", i, err)
		}
	}
	if got := throttled(t, tn, quota.KMSSymmetric); got < 1 {
		t.Fatalf("60 calls at 20/s were never throttled (keyhold_throttled_requests_total %v)", got)
	}
}

// TestQuotaAsymmetricByKeyType: an RSA signature counts against the RSA quota, not the
// symmetric one: with the RSA quota spent, RSA Sign is throttled while symmetric Encrypt and
// ECC Sign still run.
func TestQuotaAsymmetricByKeyType(t *testing.T) {
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{string(quota.KMSRSA): 1}})
	rsa := mustKey(t, tn, types.KeySpecRsa2048, types.KeyUsageTypeSignVerify)
	ecc := mustKey(t, tn, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	sym := mustKey(t, tn, types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt)
	sign := func(key string, alg types.SigningAlgorithmSpec) error {
		_, err := tn.kms.Sign(ctx(), &kms.SignInput{KeyId: aws.String(key), Message: []byte("m"), SigningAlgorithm: alg}, noRetries)
		return err
	}
	if err := sign(rsa, types.SigningAlgorithmSpecRsassaPssSha256); err != nil {
		t.Fatalf("first RSA Sign: %v", err)
	}
	wantAWSError(t, sign(rsa, types.SigningAlgorithmSpecRsassaPssSha256), "ThrottlingException", http.StatusBadRequest)
	if err := sign(ecc, types.SigningAlgorithmSpecEcdsaSha256); err != nil {
		t.Fatalf("ECC Sign while the RSA quota is spent: %v", err)
	}
	if _, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(sym), Plaintext: []byte("p")}, noRetries); err != nil {
		t.Fatalf("symmetric Encrypt while the RSA quota is spent: %v", err)
	}
	if got := throttled(t, tn, quota.KMSRSA); got != 1 {
		t.Fatalf("RSA throttles = %v, want 1", got)
	}
}

func mustKey(t *testing.T, tn *testNode, spec types.KeySpec, usage types.KeyUsageType) string {
	t.Helper()
	out, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: spec, KeyUsage: usage})
	if err != nil {
		t.Fatalf("CreateKey %s: %v", spec, err)
	}
	return aws.ToString(out.KeyMetadata.KeyId)
}

// TestQuotaThrottlesS3: past the account's S3 write quota a PutObject gets SlowDown (HTTP 503);
// the SDK's standard retryer retries it to success; reads have their own quota.
func TestQuotaThrottlesS3(t *testing.T) {
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{string(quota.S3Write): 20}})
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "quota-bucket") // one write
	put := func(key string, retryer aws.Retryer) error {
		_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("quota-bucket"), Key: aws.String(key), Body: bytes.NewReader([]byte("x"))},
			func(o *s3.Options) { o.Retryer = retryer })
		return err
	}
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		err = put("k"+itoa(i), aws.NopRetryer{})
	}
	wantAWSError(t, err, "SlowDown", http.StatusServiceUnavailable)
	if _, err := c.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("quota-bucket")}); err != nil {
		t.Fatalf("ListObjectsV2 while writes are throttled: %v", err)
	}
	for i := range 50 {
		if err := put("r"+itoa(i), retry.NewStandard()); err != nil {
			t.Fatalf("PutObject %d with the SDK's retryer: %v", i, err)
		}
	}
	if got := throttled(t, tn, quota.S3Write); got < 1 {
		t.Fatalf("S3 write throttles = %v", got)
	}
}

// TestQuotaThrottlesSTS: the Query-protocol APIs answer a spent quota with Throttling (HTTP
// 400, XML), which the SDK's standard retryer retries; shown with STS GetCallerIdentity.
func TestQuotaThrottlesSTS(t *testing.T) {
	// 10 per second: a token every 100ms, so the retryer's jittered backoff (up to 2s, then 4s)
	// lands after a refill all but a negligible fraction of the time.
	tn := newQuotaNode(t, quota.Config{Enabled: true, Rates: map[string]float64{string(quota.STS): 10}})
	c := tn.stsClient(tn.akid, tn.secret, "")
	once := func(o *sts.Options) { o.Retryer = aws.NopRetryer{} }
	var err error
	for i := 0; i < 40 && err == nil; i++ {
		_, err = c.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}, once)
	}
	wantAWSError(t, err, "Throttling", http.StatusBadRequest)
	for i := range 30 {
		if _, err := c.GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{}, func(o *sts.Options) { o.Retryer = retry.NewStandard() }); err != nil {
			t.Fatalf("GetCallerIdentity %d with the SDK's retryer: %v", i, err)
		}
	}
	if got := throttled(t, tn, quota.STS); got < 1 {
		t.Fatalf("STS throttles = %v", got)
	}
}
