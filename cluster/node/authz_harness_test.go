package node

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/policy"
)

// principal is a caller the authorization tests drive the node as: an access key with its
// SDK clients.
type principal struct {
	arn, akid, secret string
	kms               *kms.Client
	s3                *s3.Client
}

// secondAccount is the account id the tests give a second tenant.
const secondAccount = "444455556666"

// testPrincipal makes an access key of account for user ("" for the account's root) whose
// identity-based policies are docs. Until IAM users land (helper "iam"), the key is made
// through the domain's test-only seam (domain.CreateTestAccessKey): a real replicated access
// key with its secret sealed by the HSM's domain key, whose policies this process remembers.
func (tn *testNode) testPrincipal(t *testing.T, account, user string, docs ...string) *principal {
	t.Helper()
	id := domain.TestIdentity{User: user}
	for i, d := range docs {
		p, err := policy.Parse(d, policy.ParseOptions{Kind: policy.KindIdentity, Name: user + "-inline-" + itoa(i), IgnoreWhitespace: true})
		if err != nil {
			t.Fatalf("policy %d: %v", i, err)
		}
		id.Policies = append(id.Policies, p)
	}
	akid, secret, err := tn.n.svc.CreateTestAccessKey(domain.AsSystem(ctx()), account, id)
	if err != nil {
		t.Fatalf("CreateTestAccessKey: %v", err)
	}
	arn := "arn:aws:iam::" + account + ":root"
	if user != "" {
		arn = "arn:aws:iam::" + account + ":user/" + user
	}
	p := &principal{arn: arn, akid: akid, secret: string(secret)}
	p.kms = tn.client(akid, p.secret)
	p.s3 = tn.s3ClientAs(akid, p.secret)
	return p
}

// s3ClientAs is tn.s3Client(true) signing with another access key.
func (tn *testNode) s3ClientAs(akid, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		UsePathStyle: true,
		Retryer:      clustertest.ClientRaceRetryer(),
		BaseEndpoint: aws.String(tn.url),
		HTTPClient:   tn.httpClient(nil),
	})
}

// awsError returns err's AWS error code, message and HTTP status.
func awsError(err error) (code, msg string, status int) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, msg, status
}

// wantAccessDenied fails unless err is KMS's AccessDeniedException (HTTP 400) or S3's
// AccessDenied (HTTP 403), whichever the client speaks, and returns the message.
func wantAccessDenied(t *testing.T, what string, err error) string {
	t.Helper()
	code, msg, status := awsError(err)
	switch {
	case code == "AccessDeniedException" && status == http.StatusBadRequest:
	case code == "AccessDenied" && status == http.StatusForbidden:
	default:
		t.Fatalf("%s: got %v (code %q, status %d), want AccessDenied", what, err, code, status)
	}
	return msg
}

func wantAWSCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if code, _, _ := awsError(err); code != want {
		t.Fatalf("%s: got %v, want %s", what, err, want)
	}
}

// authzAuditLine is the part of an audit record the authorization tests read.
type authzAuditLine struct {
	Op                string `json:"op"`
	Principal         string `json:"principal"`
	Account           string `json:"account"`
	Decision          string `json:"decision"`
	DecisionReason    string `json:"decision_reason"`
	DecidingPolicy    string `json:"deciding_policy"`
	DecidingStatement string `json:"deciding_statement"`
	Outcome           string `json:"outcome"`
}

func readAuthzAudit(t *testing.T, dir string) []authzAuditLine {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "audit-*.jsonl"))
	var out []authzAuditLine
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
			var a authzAuditLine
			if err := json.Unmarshal([]byte(l), &a); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, a)
		}
	}
	return out
}
