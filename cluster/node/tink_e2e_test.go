package node

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	awsv1 "github.com/aws/aws-sdk-go/aws"
	credentialsv1 "github.com/aws/aws-sdk-go/aws/credentials"
	sessionv1 "github.com/aws/aws-sdk-go/aws/session"
	kmsv1 "github.com/aws/aws-sdk-go/service/kms"
	"github.com/tink-crypto/tink-go-awskms/v2/integration/awskms"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// tinkRemote is Tink's AWS KMS AEAD for the key arn, through Tink's own AWS KMS integration
// (tink-go-awskms v2.1.0, which is built on the AWS SDK for Go v1) pointed at the node with
// awskms.WithKMS, signing with the given credentials.
func tinkRemote(t *testing.T, tn *testNode, akid, secret, arn string) tink.AEAD {
	t.Helper()
	sess, err := sessionv1.NewSession(&awsv1.Config{
		Region:      awsv1.String(tn.cfg.Region),
		Endpoint:    awsv1.String(tn.url),
		Credentials: credentialsv1.NewStaticCredentials(akid, secret, ""),
		MaxRetries:  awsv1.Int(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	uri := "aws-kms://" + arn
	client, err := awskms.NewClientWithOptions(uri, awskms.WithKMS(kmsv1.New(sess)))
	if err != nil {
		t.Fatal(err)
	}
	remote, err := client.GetAEAD(uri)
	if err != nil {
		t.Fatal(err)
	}
	return remote
}

// TestTinkEnvelopeAEAD: Tink's envelope encryption (aead.NewKMSEnvelopeAEAD2 with an AES-256-GCM
// data key) works with keyhold as its KMS, run as an IAM user whose policy allows only the key's
// Encrypt and Decrypt: the data key is wrapped by keyhold's Encrypt and
// unwrapped by its Decrypt; the ciphertext and its associated data are bound (any flipped
// byte, a different associated data, or another key's client is refused); and the associated
// data Tink's KMS AEAD passes becomes the encryption context keyhold authenticates.
func TestTinkEnvelopeAEAD(t *testing.T) {
	tn := newTestNode(t)
	arn := func() string {
		out, err := tn.kms.CreateKey(ctx(), &kms.CreateKeyInput{KeySpec: types.KeySpecSymmetricDefault})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.KeyMetadata.Arn)
	}
	keyARN, otherARN := arn(), arn()
	// Tink runs as an IAM user whose only permission is to use this key, as an application
	// would (kms:Encrypt and kms:Decrypt on keyARN; nothing on otherARN).
	akid, secret := iamUserWithKey(t, tn, "tink-app", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"`+keyARN+`"}]}`)
	remote := tinkRemote(t, tn, akid, secret, keyARN)
	env := aead.NewKMSEnvelopeAEAD2(aead.AES256GCMKeyTemplate(), remote)

	pt := []byte("the cat robot's flight plan")
	ad := []byte("file=plan.txt")
	ct, err := env.Encrypt(pt, ad)
	if err != nil {
		t.Fatalf("envelope Encrypt: %v", err)
	}
	got, err := env.Decrypt(ct, ad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("envelope Decrypt: %q, %v", got, err)
	}

	// The wire format is Tink's: a 4-byte length, the data key as keyhold wrapped it, then the
	// payload. The wrapped data key is a keyhold ciphertext under keyARN.
	n := int(binary.BigEndian.Uint32(ct))
	wrapped := ct[4 : 4+n]
	dec, err := tn.kms.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: wrapped})
	if err != nil || aws.ToString(dec.KeyId) != keyARN || len(dec.Plaintext) == 0 {
		t.Fatalf("the wrapped data key is not keyhold's ciphertext under the key: %v", err)
	}

	t.Run("tampering", func(t *testing.T) {
		// One flipped bit anywhere (length, wrapped key, payload) is refused; the KMS calls
		// this makes are real Decrypts, so keep it to one bit per byte position class.
		for _, i := range []int{0, 3, 4, 4 + n/2, 4 + n - 1, 4 + n, len(ct)/2 + n/2, len(ct) - 1} {
			if i >= len(ct) {
				continue
			}
			bad := bytes.Clone(ct)
			bad[i] ^= 0x01
			if _, err := env.Decrypt(bad, ad); err == nil {
				t.Errorf("a ciphertext with byte %d flipped decrypted", i)
			}
		}
		if _, err := env.Decrypt(ct[:len(ct)-1], ad); err == nil {
			t.Error("a truncated ciphertext decrypted")
		}
	})
	t.Run("associated data", func(t *testing.T) {
		if _, err := env.Decrypt(ct, []byte("file=other.txt")); err == nil {
			t.Error("decrypted under different associated data")
		}
		if _, err := env.Decrypt(ct, nil); err == nil {
			t.Error("decrypted without the associated data")
		}
		// Tink's KMS AEAD sends associated data as the encryption context
		// {"associatedData": hex(ad)}; keyhold binds the ciphertext to it.
		c, err := remote.Encrypt([]byte("k"), ad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := remote.Decrypt(c, []byte("file=other.txt")); err == nil {
			t.Error("keyhold decrypted under a different encryption context")
		}
		if got, err := remote.Decrypt(c, ad); err != nil || string(got) != "k" {
			t.Errorf("remote Decrypt: %q, %v", got, err)
		}
	})
	t.Run("another key", func(t *testing.T) {
		other := aead.NewKMSEnvelopeAEAD2(aead.AES256GCMKeyTemplate(), tinkRemote(t, tn, akid, secret, otherARN))
		if _, err := other.Decrypt(ct, ad); err == nil {
			t.Error("a client of another key decrypted the envelope")
		}
		// The user's policy names only keyARN: the other key is refused to it, in AWS's words.
		_, err := other.Encrypt([]byte("x"), ad)
		if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "kms:Encrypt on resource: "+otherARN) {
			t.Errorf("envelope encryption with a key the user's policy does not name: %v", err)
		}
	})
}
