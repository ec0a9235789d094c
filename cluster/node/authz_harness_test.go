package node

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/cluster/clustertest"
	"github.com/keyhold/keyhold/cluster/devcluster"
	"github.com/keyhold/keyhold/domain/ceremony"
)

// principal is a caller the authorization tests drive the node as: an access key with its
// SDK clients.
type principal struct {
	arn, akid, secret string
	kms               *kms.Client
	s3                *s3.Client
}

// testPrincipal makes an IAM user of the node's first account with inline policies docs,
// through keyhold's IAM API as the account's root would with the AWS SDK (CreateUser,
// PutUserPolicy, CreateAccessKey), and returns its access key and clients. The policies are
// named user-inline-<i>, the name the audit record gives the deciding policy.
func (tn *testNode) testPrincipal(t *testing.T, user string, docs ...string) *principal {
	t.Helper()
	c := tn.iamClient(tn.akid, tn.secret, "")
	if _, err := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
		if code, _, _ := awsError(err); code != "EntityAlreadyExists" {
			t.Fatalf("CreateUser %s: %v", user, err)
		}
	}
	for i, d := range docs {
		tn.putUserPolicy(t, user, user+"-inline-"+itoa(i), d)
	}
	k, err := c.CreateAccessKey(ctx(), &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		t.Fatalf("CreateAccessKey %s: %v", user, err)
	}
	return tn.principalFor(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey),
		"arn:aws:iam::"+tn.n.svc.ARNs().Account+":user/"+user)
}

// putUserPolicy puts (adds or replaces) an inline policy of user, as the account's root.
func (tn *testNode) putUserPolicy(t *testing.T, user, name, doc string) {
	t.Helper()
	if _, err := tn.iamClient(tn.akid, tn.secret, "").PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String(user),
		PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatalf("PutUserPolicy %s %s: %v", user, name, err)
	}
}

// testAccountRoot creates a second account by the create-account ceremony (the dev node's
// operator alone is its 1-of-1 governance quorum) and returns its root, with the account id
// the ceremony chose.
func (tn *testNode) testAccountRoot(t *testing.T) (account string, root *principal) {
	t.Helper()
	op, err := devcluster.OperatorKey(tn.dir)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := ceremony.AccountRecipientKEM().GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := rk.Bytes()
	ac := operatorClient(tn, op)
	v := submit(t, ac, op, ceremony.KindCreateAccount, func(p *ceremony.Proposal) {
		p.AccountName, p.Recipient = "tenant-b", rk.PublicKey().Bytes()
	})
	deadline := clustertest.PollDeadline(t, 30*time.Second)
	for v.Status != "executed" {
		if time.Now().After(deadline) {
			t.Fatalf("create-account not executed: %s", v.Status)
		}
		tn.n.ceremonyPass(ctx())
		if v, err = ac.Proposal(v.ID); err != nil {
			t.Fatal(err)
		}
	}
	creds, err := ceremony.OpenAccountCredentials(priv, v.ID, v.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	return creds.Account, tn.principalFor(creds.AccessKeyID, string(creds.Secret), "arn:aws:iam::"+creds.Account+":root")
}

func (tn *testNode) principalFor(akid, secret, arn string) *principal {
	return &principal{arn: arn, akid: akid, secret: secret, kms: tn.client(akid, secret), s3: tn.s3ClientAs(akid, secret)}
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
