package node

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func createKey(t *testing.T, c *kms.Client, desc string) *types.KeyMetadata {
	t.Helper()
	out, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	return out.KeyMetadata
}

func TestKeyLifecycle(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms

	t.Run("CreateKey", func(t *testing.T) {
		md := createKey(t, c, "demo")
		if md.KeyState != types.KeyStateEnabled || !md.Enabled || md.KeySpec != types.KeySpecSymmetricDefault ||
			md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || aws.ToString(md.Description) != "demo" {
			t.Fatalf("got %+v", md)
		}
		wantARN := "arn:aws:kms:us-east-1:111122223333:key/" + aws.ToString(md.KeyId)
		if aws.ToString(md.Arn) != wantARN {
			t.Fatalf("Arn: got %s, want %s", aws.ToString(md.Arn), wantARN)
		}
		if md.CreationDate == nil || md.CreationDate.IsZero() {
			t.Fatal("no CreationDate")
		}
	})
	t.Run("CreateKey/errors", func(t *testing.T) {
		_, err := c.CreateKey(ctx(), &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
		clustertest.WantCode(t, err, "UnsupportedOperationException")
		_, err = c.CreateKey(ctx(), &kms.CreateKeyInput{Description: aws.String(strings.Repeat("x", 8193))})
		clustertest.WantCode(t, err, "ValidationException")
		_, err = c.CreateKey(ctx(), &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("v")}}})
		clustertest.WantCode(t, err, "TagException")
	})
	t.Run("DescribeKey", func(t *testing.T) {
		md := createKey(t, c, "d")
		for _, ref := range []string{aws.ToString(md.KeyId), aws.ToString(md.Arn)} {
			out, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(ref)})
			if err != nil {
				t.Fatalf("DescribeKey(%s): %v", ref, err)
			}
			if aws.ToString(out.KeyMetadata.KeyId) != aws.ToString(md.KeyId) {
				t.Fatalf("got %s, want %s", aws.ToString(out.KeyMetadata.KeyId), aws.ToString(md.KeyId))
			}
		}
		for ref, code := range map[string]string{
			"00000000-0000-4000-8000-000000000000": "NotFoundException",
			"not-a-key":                            "NotFoundException",
			"alias/none":                           "NotFoundException",
			"arn:aws:kms:eu-west-1:111122223333:key/" + aws.ToString(md.KeyId): "NotFoundException",
			"arn:aws:kms:us-east-1:111122223333:alias/none":                    "NotFoundException",
			"": "ValidationException",
		} {
			_, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String(ref)})
			if got := clustertest.ErrCode(err); got != code {
				t.Errorf("DescribeKey(%q): got %q, want %q", ref, got, code)
			}
		}
	})
	t.Run("ListKeys", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			createKey(t, c, "list")
		}
		var all []string
		var marker *string
		for {
			out, err := c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(2), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Keys) > 2 {
				t.Fatalf("page of %d, limit 2", len(out.Keys))
			}
			for _, k := range out.Keys {
				all = append(all, aws.ToString(k.KeyId))
			}
			if !out.Truncated {
				break
			}
			marker = out.NextMarker
		}
		if len(all) < 7 {
			t.Fatalf("listed %d keys, want at least 7", len(all))
		}
		seen := map[string]bool{}
		for _, id := range all {
			if seen[id] {
				t.Fatalf("key %s listed twice", id)
			}
			seen[id] = true
		}
		_, err := c.ListKeys(ctx(), &kms.ListKeysInput{Marker: aws.String("bogus")})
		clustertest.WantCode(t, err, "InvalidMarkerException")
		_, err = c.ListKeys(ctx(), &kms.ListKeysInput{Limit: aws.Int32(1001)})
		clustertest.WantCode(t, err, "ValidationException")
	})
	t.Run("UpdateKeyDescription", func(t *testing.T) {
		md := createKey(t, c, "before")
		if _, err := c.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: md.KeyId, Description: aws.String("after")}); err != nil {
			t.Fatal(err)
		}
		out, _ := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})
		if got := aws.ToString(out.KeyMetadata.Description); got != "after" {
			t.Fatalf("got %q, want %q", got, "after")
		}
		_, err := c.UpdateKeyDescription(ctx(), &kms.UpdateKeyDescriptionInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000"), Description: aws.String("x")})
		clustertest.WantCode(t, err, "NotFoundException")
	})
	t.Run("EnableKey/DisableKey", func(t *testing.T) {
		md := createKey(t, c, "toggle")
		if _, err := c.DisableKey(ctx(), &kms.DisableKeyInput{KeyId: md.KeyId}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
		clustertest.WantCode(t, err, "DisabledException")
		_, err = c.GenerateDataKey(ctx(), &kms.GenerateDataKeyInput{KeyId: md.KeyId, KeySpec: types.DataKeySpecAes256})
		clustertest.WantCode(t, err, "DisabledException")
		out, _ := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})
		if out.KeyMetadata.KeyState != types.KeyStateDisabled || out.KeyMetadata.Enabled {
			t.Fatalf("state %s enabled %v after DisableKey", out.KeyMetadata.KeyState, out.KeyMetadata.Enabled)
		}
		if _, err := c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: md.KeyId}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Encrypt(ctx(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")}); err != nil {
			t.Fatalf("Encrypt after EnableKey: %v", err)
		}
		_, err = c.EnableKey(ctx(), &kms.EnableKeyInput{KeyId: aws.String("alias/whatever")})
		clustertest.WantCode(t, err, "NotFoundException")
	})
	t.Run("ScheduleKeyDeletion/CancelKeyDeletion", func(t *testing.T) {
		md := createKey(t, c, "doomed")
		blob := encrypt(t, c, aws.ToString(md.KeyId), "secret", nil)
		out, err := c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)})
		if err != nil {
			t.Fatal(err)
		}
		if out.KeyState != types.KeyStatePendingDeletion || aws.ToInt32(out.PendingWindowInDays) != 7 || out.DeletionDate == nil {
			t.Fatalf("got %+v", out)
		}
		_, err = c.Encrypt(ctx(), &kms.EncryptInput{KeyId: md.KeyId, Plaintext: []byte("x")})
		clustertest.WantCode(t, err, "KMSInvalidStateException")
		_, err = c.Decrypt(ctx(), &kms.DecryptInput{CiphertextBlob: blob})
		clustertest.WantCode(t, err, "KMSInvalidStateException")
		_, err = c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId})
		clustertest.WantCode(t, err, "KMSInvalidStateException")
		for _, days := range []int32{6, 31} {
			_, err = c.ScheduleKeyDeletion(ctx(), &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(days)})
			clustertest.WantCode(t, err, "ValidationException")
		}
		if _, err := c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId}); err != nil {
			t.Fatal(err)
		}
		d, _ := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: md.KeyId})
		if d.KeyMetadata.KeyState != types.KeyStateDisabled {
			t.Fatalf("after CancelKeyDeletion: got %s, want Disabled", d.KeyMetadata.KeyState)
		}
		_, err = c.CancelKeyDeletion(ctx(), &kms.CancelKeyDeletionInput{KeyId: md.KeyId})
		clustertest.WantCode(t, err, "KMSInvalidStateException")
	})
}
