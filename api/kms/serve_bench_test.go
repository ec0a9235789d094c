package kms_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/api/audit"
	"github.com/keyhold/keyhold/domain/domaintest"
)

// capture is an http.RoundTripper that keeps a copy of the last request the SDK sent (headers
// and body, signed) before passing it on, so that a benchmark can replay the exact bytes.
type capture struct {
	mu   sync.Mutex
	next http.RoundTripper
	hdr  http.Header
	body []byte
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.hdr, c.body = r.Header.Clone(), b
	c.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return c.next.RoundTrip(r)
}

// benchUserPolicy is a ten-statement identity policy, most statements with conditions, the
// allowing one last, as keyhold-load's measured IAM user has (cmd/keyhold-load identity.go).
func benchUserPolicy(keyARN string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join([]string{
		`{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["127.0.0.0/8","::1/128"]}}}`,
		`{"Effect":"Deny","Action":["kms:ScheduleKeyDeletion","kms:DisableKey"],"Resource":"*"}`,
		`{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`,
		`{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"dogs"}}}`,
		`{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2100-01-01T00:00:00Z"}}}`,
		`{"Effect":"Allow","Action":["kms:DescribeKey","kms:ListKeys","kms:ListAliases"],"Resource":"*"}`,
		`{"Effect":"Allow","Action":"kms:Sign","Resource":"arn:aws:kms:us-east-1:*:key/00000000-0000-0000-0000-000000000000"}`,
		`{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}}}`,
		`{"Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}}`,
		`{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey"],"Resource":"` + keyARN + `","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"StringNotEqualsIfExists":{"kms:EncryptionContext:team":"dogs"}}}`,
	}, ",") + `]}`
}

// BenchmarkServeEncrypt measures the server side of one KMS Encrypt, from the handler to the
// response, with the whole pipeline on: SigV4 verification, the freshness gate, the caller,
// the quota, authorization, the wrap, the response encoding, the metrics and an audit record
// chained and buffered by a real audit.Writer (best effort here, so that the benchmark
// measures the request path and not the disk's fsync). The request is one the AWS SDK signed,
// replayed; no network. allocs/op is the allocations per request of keyhold's request path
// (plus the few of the replayed *http.Request). "root" signs as the account root on a key
// with the default policy; "user" as an IAM user with a ten-statement policy, on a key whose
// custom key policy names the user and which has a grant to it.
func BenchmarkServeEncrypt(b *testing.B) {
	h := domaintest.New(b, domaintest.Options{})
	aw, err := audit.Open(b.TempDir(), audit.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = aw.Close() })
	handler := api.NewServer(api.Options{Service: h.Service, Region: "us-east-1", Logger: slog.New(slog.DiscardHandler), Audit: aw}).APIHandler()
	srv := httptest.NewServer(handler)
	b.Cleanup(srv.Close)
	akid, secret := h.Principal(b, "root", true)
	root := client(srv.URL, akid, secret)
	ctx := context.Background()
	key := must(root.CreateKey(ctx, &awskms.CreateKeyInput{}))
	keyARN := aws.ToString(key.KeyMetadata.Arn)

	ic := iam.New(iam.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(akid, secret, ""), BaseEndpoint: aws.String(srv.URL)})
	u := must(ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bench")}))
	must(ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bench"), PolicyName: aws.String("p"), PolicyDocument: aws.String(benchUserPolicy(keyARN))}))
	uk := must(ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bench")}))
	userARN, account := aws.ToString(u.User.Arn), strings.Split(keyARN, ":")[4]
	must(root.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: key.KeyMetadata.KeyId, PolicyName: aws.String("default"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},` +
			`{"Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`)}))
	must(root.CreateGrant(ctx, &awskms.CreateGrantInput{KeyId: key.KeyMetadata.KeyId, GranteePrincipal: aws.String(userARN),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt}}))
	rootKey := must(root.CreateKey(ctx, &awskms.CreateKeyInput{}))

	for _, bc := range []struct {
		name  string
		c     *awskms.Client
		keyID *string
	}{
		{"root", root, rootKey.KeyMetadata.KeyId},
		{"user-10-statements-keypolicy-grant", client(srv.URL, aws.ToString(uk.AccessKey.AccessKeyId), aws.ToString(uk.AccessKey.SecretAccessKey)), key.KeyMetadata.KeyId},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cp := &capture{next: http.DefaultTransport}
			signed := awskms.New(bc.c.Options(), func(o *awskms.Options) { o.HTTPClient = &http.Client{Transport: cp} })
			if _, err := signed.Encrypt(ctx, &awskms.EncryptInput{KeyId: bc.keyID, Plaintext: []byte("0123456789abcdef"),
				EncryptionContext: map[string]string{"app": "bench"}}); err != nil {
				b.Fatal(err)
			}
			url, host := srv.URL+"/", srv.Listener.Addr().String()
			serve := func() int {
				r := httptest.NewRequest(http.MethodPost, url, bytes.NewReader(cp.body))
				r.Header = cp.hdr
				r.Host = host
				r.RemoteAddr = "127.0.0.1:40000"
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, r)
				return w.Code
			}
			if code := serve(); code != http.StatusOK {
				b.Fatalf("replayed Encrypt: HTTP %d", code)
			}
			b.ReportAllocs()
			for b.Loop() {
				if code := serve(); code != http.StatusOK {
					b.Fatalf("HTTP %d", code)
				}
			}
		})
	}
}
