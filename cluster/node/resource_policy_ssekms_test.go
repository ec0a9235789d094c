package node

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestSSEKMSRespectsKeyPolicy: an IAM user allowed s3:PutObject and s3:GetObject on a bucket
// whose objects are SSE-KMS under a customer key. The key policy lets the user generate data
// keys through S3 but not decrypt: PUT works, GET is AccessDenied naming kms:Decrypt (with
// and without an S3 Bucket Key warmed by the owner). The key administrator adds kms:Decrypt
// for the user through S3 only (kms:ViaService) with put-key-policy: GET works, KMS Decrypt
// directly still does not. Taking it away again refuses the next GET at once, bucket key or
// not: authorization is per request, never per cached data key.
func TestSSEKMSRespectsKeyPolicy(t *testing.T) {
	tn := newTestNode(t)
	acct := tn.n.svc.ARNs().Account
	via := "s3." + tn.cfg.Region + ".amazonaws.com"
	s3Doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],
		"Resource":["arn:aws:s3:::reports/*","arn:aws:s3:::reports-bk/*"]}]}`
	app := tn.testPrincipal(t, "app", s3Doc)
	viaS3 := func(sid string, actions ...string) string {
		a := `"` + strings.Join(actions, `","`) + `"`
		return `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"AWS":"` + app.arn + `"},"Action":[` + a + `],"Resource":"*",` +
			`"Condition":{"StringEquals":{"kms:ViaService":"` + via + `","kms:CallerAccount":"` + acct + `"}}}`
	}
	writeOnly := keyPolicyDoc(acct, viaS3("Allow S3 writes for app", "kms:GenerateDataKey", "kms:DescribeKey"))
	ck, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{Policy: aws.String(writeOnly)})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(ck.KeyMetadata.Arn)
	root := tn.s3Client(true)
	mustCreateBucket(t, root, "reports")
	mustCreateBucket(t, root, "reports-bk")
	if _, err := root.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("reports-bk"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: &keyARN},
			BucketKeyEnabled:                   aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}

	// The user writes under the key (GenerateDataKey through S3 is allowed).
	mustPut(t, app.s3, "reports", "q1.txt", []byte("quarterly"), func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(keyARN)
	})
	put := mustPut(t, app.s3, "reports-bk", "q1.txt", []byte("bucket key"), nil)
	if !aws.ToBool(put.BucketKeyEnabled) || aws.ToString(put.SSEKMSKeyId) != keyARN {
		t.Fatalf("PUT into the bucket-key bucket: %+v", put)
	}
	// The owner reads the bucket-key object, so its bucket key is warm on the node.
	mustGet(t, root, "reports-bk", "q1.txt", nil)

	reads := []struct{ bucket, want string }{{"reports", "quarterly"}, {"reports-bk", "bucket key"}}
	refused := func(when string) {
		t.Helper()
		for _, r := range reads {
			_, _, err := getBytes(app.s3, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String("q1.txt")})
			msg := wantAccessDenied(t, "GetObject of "+r.bucket+" "+when, err)
			if !strings.Contains(msg, "kms:Decrypt") || !strings.Contains(msg, keyARN) {
				t.Errorf("GetObject of %s %s: message %q does not name kms:Decrypt on the key", r.bucket, when, msg)
			}
		}
	}
	refused("while the key policy does not allow kms:Decrypt")
	// Directly with KMS, not through S3, the user may not even generate a data key.
	_, err = app.kms.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: aws.String(keyARN), KeySpec: kmstypes.DataKeySpecAes256})
	wantAccessDenied(t, "GenerateDataKey directly, not through S3", err)

	// The fix, as a key administrator makes it: kms:Decrypt for the user, through S3 only.
	readWrite := keyPolicyDoc(acct, viaS3("Allow S3 writes for app", "kms:GenerateDataKey", "kms:DescribeKey"),
		viaS3("Allow S3 reads for app", "kms:Decrypt"))
	tn.cliAs(t, nil).ok("kms", "put-key-policy", "--key-id", keyARN, "--policy-name", "default", "--policy", readWrite)
	for _, r := range reads {
		got, _, err := getBytes(app.s3, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String("q1.txt")})
		if err != nil || string(got) != r.want {
			t.Fatalf("GetObject of %s after put-key-policy added kms:Decrypt: %v", r.bucket, err)
		}
	}
	// Still not directly: the statement needs kms:ViaService.
	enc, err := tn.kms.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(keyARN), Plaintext: []byte("direct")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAccessDenied(t, "Decrypt directly with a kms:ViaService-only allow", err)

	// Taken away again: the very next GET is refused, the warm bucket key notwithstanding.
	tn.cliAs(t, nil).ok("kms", "put-key-policy", "--key-id", keyARN, "--policy-name", "default", "--policy", writeOnly)
	refused("after put-key-policy took kms:Decrypt away")

	// A grant to the user is another way in (S3 uses the caller's grants too).
	g, err := tn.kms.CreateGrant(ctx(), &kms.CreateGrantInput{KeyId: aws.String(keyARN), GranteePrincipal: aws.String(app.arn),
		Operations: []kmstypes.GrantOperation{kmstypes.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reads {
		if got, _, err := getBytes(app.s3, &s3.GetObjectInput{Bucket: aws.String(r.bucket), Key: aws.String("q1.txt")}); err != nil || string(got) != r.want {
			t.Fatalf("GetObject of %s with a Decrypt grant: %v", r.bucket, err)
		}
	}
	if _, err := tn.kms.RevokeGrant(ctx(), &kms.RevokeGrantInput{KeyId: aws.String(keyARN), GrantId: g.GrantId}); err != nil {
		t.Fatal(err)
	}
	refused("after the grant was revoked")
}
