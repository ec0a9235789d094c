package kms_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/keyhold/keyhold/api"
	"github.com/keyhold/keyhold/domain/domaintest"
)

// These tests drive the real KMS handlers, behind the real root api pipeline, over an
// httptest server, with the AWS SDK for Go v2 signing real SigV4. The key service is a real
// domain.Service over an in-memory state (domain/domaintest); raft and the HSM are exercised
// end to end in cmd/keyhold.

// newKMS starts an API listener over a fresh domain and returns a client signed as its root.
func newKMS(t *testing.T) (*awskms.Client, *domaintest.Harness, string) {
	t.Helper()
	h := domaintest.New(t, domaintest.Options{})
	srv := httptest.NewServer(api.NewServer(api.Options{
		Service: h.Service, Region: "us-east-1", Logger: slog.New(slog.DiscardHandler),
	}).APIHandler())
	t.Cleanup(srv.Close)
	akid, secret := h.Principal(t, "root", true)
	return client(srv.URL, akid, secret), h, srv.URL
}

func client(url, akid, secret string) *awskms.Client {
	return awskms.New(awskms.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(url),
		Retryer:      aws.NopRetryer{},
	})
}

// code is the AWS error code of err, or "" for nil.
func code(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

// must returns v, or fails the test by panicking with err: Go cannot pass a call's two
// results and a *testing.T together, and the panic's stack names the failing line.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSymmetricKeyLifecycle(t *testing.T) {
	c, _, _ := newKMS(t)
	ctx := context.Background()
	key := must(c.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String("k1"),
		Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("a")}}}))
	id := *key.KeyMetadata.KeyId
	if key.KeyMetadata.KeyState != types.KeyStateEnabled || *key.KeyMetadata.Description != "k1" {
		t.Fatalf("CreateKey: %+v", key.KeyMetadata)
	}
	must(c.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: &id}))

	ec := map[string]string{"purpose": "test"}
	enc := must(c.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String("alias/app"), Plaintext: []byte("secret"), EncryptionContext: ec}))
	dec := must(c.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}))
	if string(dec.Plaintext) != "secret" || *dec.KeyId != *key.KeyMetadata.Arn {
		t.Fatalf("Decrypt: %q %s", dec.Plaintext, *dec.KeyId)
	}
	// A wrong encryption context is InvalidCiphertextException, with no detail.
	if _, err := c.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); code(err) != "InvalidCiphertextException" {
		t.Fatalf("Decrypt without context: %v", err)
	}

	key2 := must(c.CreateKey(ctx, &awskms.CreateKeyInput{}))
	re := must(c.ReEncrypt(ctx, &awskms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec,
		DestinationKeyId: key2.KeyMetadata.KeyId}))
	dec = must(c.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: re.CiphertextBlob}))
	if string(dec.Plaintext) != "secret" {
		t.Fatalf("after ReEncrypt: %q", dec.Plaintext)
	}

	dk := must(c.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: &id, KeySpec: types.DataKeySpecAes256}))
	dec = must(c.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: dk.CiphertextBlob}))
	if len(dk.Plaintext) != 32 || !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Fatal("GenerateDataKey: the data key does not decrypt to itself")
	}
	dk2 := must(c.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: &id, NumberOfBytes: aws.Int32(16)}))
	if len(dk2.CiphertextBlob) == 0 {
		t.Fatal("GenerateDataKeyWithoutPlaintext: no blob")
	}
	rnd := must(c.GenerateRandom(ctx, &awskms.GenerateRandomInput{NumberOfBytes: aws.Int32(24)}))
	if len(rnd.Plaintext) != 24 {
		t.Fatalf("GenerateRandom: %d bytes", len(rnd.Plaintext))
	}

	must(c.UpdateKeyDescription(ctx, &awskms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String("k1b")}))
	desc := must(c.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/app")}))
	if *desc.KeyMetadata.Description != "k1b" {
		t.Fatalf("DescribeKey: %q", *desc.KeyMetadata.Description)
	}
	keys := must(c.ListKeys(ctx, &awskms.ListKeysInput{Limit: aws.Int32(1)}))
	if len(keys.Keys) != 1 || !keys.Truncated {
		t.Fatalf("ListKeys page: %+v", keys)
	}
	keys = must(c.ListKeys(ctx, &awskms.ListKeysInput{Marker: keys.NextMarker}))
	if len(keys.Keys) < 1 {
		t.Fatal("ListKeys second page empty")
	}
	aliases := must(c.ListAliases(ctx, &awskms.ListAliasesInput{KeyId: &id}))
	if len(aliases.Aliases) != 1 || *aliases.Aliases[0].AliasName != "alias/app" {
		t.Fatalf("ListAliases: %+v", aliases.Aliases)
	}
	must(c.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: key2.KeyMetadata.KeyId}))
	must(c.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/app")}))
	if _, err := c.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/app")}); code(err) != "NotFoundException" {
		t.Fatalf("DescribeKey of a deleted alias: %v", err)
	}

	must(c.TagResource(ctx, &awskms.TagResourceInput{KeyId: &id, Tags: []types.Tag{{TagKey: aws.String("env"), TagValue: aws.String("dev")}}}))
	must(c.UntagResource(ctx, &awskms.UntagResourceInput{KeyId: &id, TagKeys: []string{"team"}}))
	tags := must(c.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: &id}))
	if len(tags.Tags) != 1 || *tags.Tags[0].TagKey != "env" {
		t.Fatalf("ListResourceTags: %+v", tags.Tags)
	}

	must(c.EnableKeyRotation(ctx, &awskms.EnableKeyRotationInput{KeyId: &id, RotationPeriodInDays: aws.Int32(90)}))
	rs := must(c.GetKeyRotationStatus(ctx, &awskms.GetKeyRotationStatusInput{KeyId: &id}))
	if !rs.KeyRotationEnabled {
		t.Fatal("rotation not enabled")
	}
	must(c.RotateKeyOnDemand(ctx, &awskms.RotateKeyOnDemandInput{KeyId: &id}))
	rots := must(c.ListKeyRotations(ctx, &awskms.ListKeyRotationsInput{KeyId: &id}))
	if len(rots.Rotations) != 1 {
		t.Fatalf("ListKeyRotations: %+v", rots.Rotations)
	}
	// Ciphertext from before the rotation still decrypts.
	must(c.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: dk.CiphertextBlob}))
	must(c.DisableKeyRotation(ctx, &awskms.DisableKeyRotationInput{KeyId: &id}))

	must(c.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: &id}))
	if _, err := c.Encrypt(ctx, &awskms.EncryptInput{KeyId: &id, Plaintext: []byte("x")}); code(err) != "DisabledException" {
		t.Fatalf("Encrypt with a disabled key: %v", err)
	}
	must(c.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: &id}))
	del := must(c.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(7)}))
	if del.KeyState != types.KeyStatePendingDeletion {
		t.Fatalf("ScheduleKeyDeletion: %s", del.KeyState)
	}
	if _, err := c.Encrypt(ctx, &awskms.EncryptInput{KeyId: &id, Plaintext: []byte("x")}); code(err) != "KMSInvalidStateException" {
		t.Fatalf("Encrypt with a key pending deletion: %v", err)
	}
	must(c.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: &id}))
}

func TestAsymmetricAndHMACKeys(t *testing.T) {
	c, _, _ := newKMS(t)
	ctx := context.Background()
	msg := []byte("message")

	sk := must(c.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify}))
	sig := must(c.Sign(ctx, &awskms.SignInput{KeyId: sk.KeyMetadata.KeyId, Message: msg, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}))
	v := must(c.Verify(ctx, &awskms.VerifyInput{KeyId: sk.KeyMetadata.KeyId, Message: msg, Signature: sig.Signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}))
	if !v.SignatureValid {
		t.Fatal("Verify: signature invalid")
	}
	if _, err := c.Verify(ctx, &awskms.VerifyInput{KeyId: sk.KeyMetadata.KeyId, Message: []byte("other"), Signature: sig.Signature,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256}); code(err) != "KMSInvalidSignatureException" {
		t.Fatalf("Verify of another message: %v", err)
	}
	pub := must(c.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: sk.KeyMetadata.KeyId}))
	if len(pub.PublicKey) == 0 {
		t.Fatal("GetPublicKey: empty")
	}

	ek := must(c.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecRsa2048, KeyUsage: types.KeyUsageTypeEncryptDecrypt}))
	enc := must(c.Encrypt(ctx, &awskms.EncryptInput{KeyId: ek.KeyMetadata.KeyId, Plaintext: msg, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256}))
	dec := must(c.Decrypt(ctx, &awskms.DecryptInput{KeyId: ek.KeyMetadata.KeyId, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecRsaesOaepSha256}))
	if !bytes.Equal(dec.Plaintext, msg) {
		t.Fatal("RSA Decrypt: wrong plaintext")
	}

	ak := must(c.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement}))
	peer := must(c.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeKeyAgreement}))
	peerPub := must(c.GetPublicKey(ctx, &awskms.GetPublicKeyInput{KeyId: peer.KeyMetadata.KeyId}))
	ss := must(c.DeriveSharedSecret(ctx, &awskms.DeriveSharedSecretInput{KeyId: ak.KeyMetadata.KeyId, KeyAgreementAlgorithm: types.KeyAgreementAlgorithmSpecEcdh, PublicKey: peerPub.PublicKey}))
	if len(ss.SharedSecret) == 0 {
		t.Fatal("DeriveSharedSecret: empty")
	}

	sym := must(c.CreateKey(ctx, &awskms.CreateKeyInput{}))
	pair := must(c.GenerateDataKeyPair(ctx, &awskms.GenerateDataKeyPairInput{KeyId: sym.KeyMetadata.KeyId, KeyPairSpec: types.DataKeyPairSpecEccNistP256}))
	if len(pair.PrivateKeyPlaintext) == 0 || len(pair.PublicKey) == 0 {
		t.Fatal("GenerateDataKeyPair: empty")
	}
	pair2 := must(c.GenerateDataKeyPairWithoutPlaintext(ctx, &awskms.GenerateDataKeyPairWithoutPlaintextInput{KeyId: sym.KeyMetadata.KeyId, KeyPairSpec: types.DataKeyPairSpecRsa2048}))
	if len(pair2.PrivateKeyCiphertextBlob) == 0 {
		t.Fatal("GenerateDataKeyPairWithoutPlaintext: empty")
	}

	mk := must(c.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecHmac256, KeyUsage: types.KeyUsageTypeGenerateVerifyMac}))
	mac := must(c.GenerateMac(ctx, &awskms.GenerateMacInput{KeyId: mk.KeyMetadata.KeyId, Message: msg, MacAlgorithm: types.MacAlgorithmSpecHmacSha256}))
	vm := must(c.VerifyMac(ctx, &awskms.VerifyMacInput{KeyId: mk.KeyMetadata.KeyId, Message: msg, Mac: mac.Mac, MacAlgorithm: types.MacAlgorithmSpecHmacSha256}))
	if !vm.MacValid {
		t.Fatal("VerifyMac: invalid")
	}
	if _, err := c.VerifyMac(ctx, &awskms.VerifyMacInput{KeyId: mk.KeyMetadata.KeyId, Message: []byte("x"), Mac: mac.Mac,
		MacAlgorithm: types.MacAlgorithmSpecHmacSha256}); code(err) != "KMSInvalidMacException" {
		t.Fatalf("VerifyMac of another message: %v", err)
	}
}

// TestAuthenticationFailures: what an unauthenticated or wrongly signed caller gets, with the
// codes KMS gives.
func TestAuthenticationFailures(t *testing.T) {
	c, h, url := newKMS(t)
	ctx := context.Background()
	akid, _ := h.Principal(t, "other", false)
	for name, tc := range map[string]struct {
		c    *awskms.Client
		want string
	}{
		"unknown access key": {client(url, "AKIAUNKNOWNUNKNOWN00", "secret"), "UnrecognizedClientException"},
		"wrong secret":       {client(url, akid, "not-the-secret"), "InvalidSignatureException"},
	} {
		if _, err := tc.c.ListKeys(ctx, &awskms.ListKeysInput{}); code(err) != tc.want {
			t.Errorf("%s: got %v, want %s", name, err, tc.want)
		}
	}
	// A request signed for another region.
	other := awskms.New(awskms.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{},
		Credentials: credentials.NewStaticCredentialsProvider(akid, "x", "")})
	if _, err := other.ListKeys(ctx, &awskms.ListKeysInput{}); code(err) != "InvalidSignatureException" {
		t.Errorf("wrong region: %v", err)
	}
	// DryRun answers DryRunOperationException once authenticated.
	key := must(c.CreateKey(ctx, &awskms.CreateKeyInput{}))
	if _, err := c.Encrypt(ctx, &awskms.EncryptInput{KeyId: key.KeyMetadata.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)}); code(err) != "DryRunOperationException" {
		t.Errorf("DryRun: %v", err)
	}
	_ = time.Second
}
