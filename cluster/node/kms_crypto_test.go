package node

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func encrypt(t *testing.T, c *kms.Client, key, plaintext string, ec map[string]string) []byte {
	t.Helper()
	out, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(key), Plaintext: []byte(plaintext), EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	return out.CiphertextBlob
}

func decrypt(t *testing.T, c *kms.Client, blob []byte, ec map[string]string) string {
	t.Helper()
	out, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	return string(out.Plaintext)
}

func TestCrypto(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "crypto")
	id, arn := aws.ToString(md.KeyId), aws.ToString(md.Arn)
	if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/crypto"), TargetKeyId: md.KeyId}); err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"purpose": "test", "tenant": "a"}

	t.Run("Encrypt/Decrypt", func(t *testing.T) {
		for _, ref := range []string{id, arn, "alias/crypto", "arn:aws:kms:us-east-1:111122223333:alias/crypto"} {
			out, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(ref), Plaintext: []byte("battle plans"), EncryptionContext: ec})
			if err != nil {
				t.Fatalf("Encrypt(%s): %v", ref, err)
			}
			if aws.ToString(out.KeyId) != arn || out.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
				t.Fatalf("Encrypt(%s): KeyId %s alg %s", ref, aws.ToString(out.KeyId), out.EncryptionAlgorithm)
			}
			dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if string(dec.Plaintext) != "battle plans" || aws.ToString(dec.KeyId) != arn {
				t.Fatalf("Decrypt: got %q from %s", dec.Plaintext, aws.ToString(dec.KeyId))
			}
			// The key id is optional, but when given it must be the blob's key.
			if _, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(ref)}); err != nil {
				t.Fatalf("Decrypt with KeyId %s: %v", ref, err)
			}
		}
	})
	t.Run("Encrypt/limits", func(t *testing.T) {
		big := bytes.Repeat([]byte("a"), 4096)
		blob := encrypt(t, c, id, string(big), nil)
		if got := decrypt(t, c, blob, nil); got != string(big) {
			t.Fatal("4096-byte round trip failed")
		}
		_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: append(big, 'b')})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String("alias/nope"), Plaintext: []byte("x")})
		clustertest.WantCode(t, err, "NotFoundException")
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x"), EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256})
		if clustertest.ErrCode(err) == "" {
			t.Fatal("RSAES_OAEP_SHA_256 with a symmetric key succeeded")
		}
	})
	t.Run("Decrypt/errors", func(t *testing.T) {
		blob := encrypt(t, c, id, "context bound", ec)
		other := createKey(t, c, "other")
		cases := map[string]struct {
			in   *kms.DecryptInput
			code string
		}{
			"no context":    {&kms.DecryptInput{CiphertextBlob: blob}, "InvalidCiphertextException"},
			"wrong context": {&kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "test", "tenant": "b"}}, "InvalidCiphertextException"},
			"extra context": {&kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"purpose": "test", "tenant": "a", "x": "y"}}, "InvalidCiphertextException"},
			"garbage":       {&kms.DecryptInput{CiphertextBlob: []byte("not a blob at all")}, "InvalidCiphertextException"},
			"two bytes":     {&kms.DecryptInput{CiphertextBlob: []byte{1, 0}}, "InvalidCiphertextException"},
			"truncated":     {&kms.DecryptInput{CiphertextBlob: blob[:len(blob)-1], EncryptionContext: ec}, "InvalidCiphertextException"},
			"other key":     {&kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: other.KeyId}, "IncorrectKeyException"},
			"empty blob":    {&kms.DecryptInput{CiphertextBlob: []byte{}}, "ValidationException"},
			"oversize blob": {&kms.DecryptInput{CiphertextBlob: make([]byte, 6145)}, "ValidationException"},
			"unknown key":   {&kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec, KeyId: aws.String("alias/nope")}, "NotFoundException"},
		}
		for name, tc := range cases {
			_, err := c.Decrypt(ctx(), tc.in)
			if got := clustertest.ErrCode(err); got != tc.code {
				t.Errorf("%s: got %q, want %q", name, got, tc.code)
			}
		}
	})
	t.Run("Decrypt/every flipped bit", func(t *testing.T) {
		blob := encrypt(t, c, id, "x", map[string]string{"a": "b"})
		for i := 0; i < len(blob)*8; i++ {
			bad := bytes.Clone(blob)
			bad[i/8] ^= 1 << (i % 8)
			_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: bad, EncryptionContext: map[string]string{"a": "b"}})
			if got := clustertest.ErrCode(err); got != "InvalidCiphertextException" {
				t.Fatalf("bit %d flipped: got %q, want InvalidCiphertextException", i, got)
			}
		}
	})
	t.Run("Decrypt/ambiguous context", func(t *testing.T) {
		// local-kms's bug: {"ab":"c"} and {"a":"bc"} must not authenticate each other.
		blob := encrypt(t, c, id, "x", map[string]string{"ab": "c"})
		_, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: map[string]string{"a": "bc"}})
		clustertest.WantCode(t, err, "InvalidCiphertextException")
	})
	t.Run("ReEncrypt", func(t *testing.T) {
		dst := createKey(t, c, "dst")
		blob := encrypt(t, c, id, "moving", ec)
		out, err := c.ReEncrypt(ctx(), &kms.ReEncryptInput{
			CiphertextBlob: blob, SourceEncryptionContext: ec,
			DestinationKeyId: dst.KeyId, DestinationEncryptionContext: map[string]string{"new": "ctx"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.SourceKeyId) != arn || aws.ToString(out.KeyId) != aws.ToString(dst.Arn) {
			t.Fatalf("source %s dest %s", aws.ToString(out.SourceKeyId), aws.ToString(out.KeyId))
		}
		if got := decrypt(t, c, out.CiphertextBlob, map[string]string{"new": "ctx"}); got != "moving" {
			t.Fatalf("got %q", got)
		}
		_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: blob, DestinationKeyId: dst.KeyId})
		clustertest.WantCode(t, err, "InvalidCiphertextException")
		_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: ec, DestinationKeyId: aws.String("alias/nope")})
		clustertest.WantCode(t, err, "NotFoundException")
		_, err = c.ReEncrypt(ctx(), &kms.ReEncryptInput{CiphertextBlob: blob, SourceEncryptionContext: ec, SourceKeyId: dst.KeyId, DestinationKeyId: dst.KeyId})
		clustertest.WantCode(t, err, "IncorrectKeyException")
	})
	t.Run("GenerateDataKey", func(t *testing.T) {
		for _, tc := range []struct {
			in   kms.GenerateDataKeyInput
			size int
		}{
			{kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes256}, 32},
			{kms.GenerateDataKeyInput{KeySpec: types.DataKeySpecAes128}, 16},
			{kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1)}, 1},
			{kms.GenerateDataKeyInput{NumberOfBytes: aws.Int32(1024)}, 1024},
		} {
			in := tc.in
			in.KeyId, in.EncryptionContext = aws.String("alias/crypto"), ec
			out, err := c.GenerateDataKey(ctx(), &in)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Plaintext) != tc.size || aws.ToString(out.KeyId) != arn {
				t.Fatalf("got %d bytes from %s, want %d", len(out.Plaintext), aws.ToString(out.KeyId), tc.size)
			}
			dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob, EncryptionContext: ec})
			if err != nil || !bytes.Equal(dec.Plaintext, out.Plaintext) {
				t.Fatalf("data key does not decrypt to itself: %v", err)
			}
		}
		for name, in := range map[string]kms.GenerateDataKeyInput{
			"neither": {},
			"both":    {KeySpec: types.DataKeySpecAes256, NumberOfBytes: aws.Int32(32)},
			"zero":    {NumberOfBytes: aws.Int32(0)},
			"too big": {NumberOfBytes: aws.Int32(1025)},
		} {
			in.KeyId = aws.String(id)
			_, err := c.GenerateDataKey(ctx(), &in)
			if got := clustertest.ErrCode(err); got != "ValidationException" {
				t.Errorf("%s: got %q, want ValidationException", name, got)
			}
		}
	})
	t.Run("GenerateDataKeyWithoutPlaintext", func(t *testing.T) {
		out, err := c.GenerateDataKeyWithoutPlaintext(ctx(), &kms.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
		if err != nil || len(dec.Plaintext) != 32 {
			t.Fatalf("got %d bytes, err %v", len(dec.Plaintext), err)
		}
	})
	t.Run("GenerateRandom", func(t *testing.T) {
		a, err := c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(64)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(64)})
		if len(a.Plaintext) != 64 || bytes.Equal(a.Plaintext, b.Plaintext) {
			t.Fatal("GenerateRandom returned the same bytes twice or the wrong length")
		}
		for _, n := range []int32{0, 1025} {
			_, err := c.GenerateRandom(ctx(), &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
			clustertest.WantCode(t, err, "ValidationException")
		}
	})
}
