package node

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

func TestAliases(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	a, b := createKey(t, c, "a"), createKey(t, c, "b")

	t.Run("CreateAlias", func(t *testing.T) {
		if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: a.KeyId}); err != nil {
			t.Fatal(err)
		}
		_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: b.KeyId})
		clustertest.WantCode(t, err, "AlreadyExistsException")
		for name, code := range map[string]string{
			"catrobot":       "InvalidAliasNameException",
			"alias/aws/mine": "InvalidAliasNameException",
			"alias/sp ace":   "ValidationException",
		} {
			_, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(name), TargetKeyId: a.KeyId})
			if got := clustertest.ErrCode(err); got != code {
				t.Errorf("CreateAlias(%q): got %q, want %q", name, got, code)
			}
		}
		_, err = c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("alias/catrobot")})
		clustertest.WantCode(t, err, "NotFoundException")
		_, err = c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("00000000-0000-4000-8000-000000000000")})
		clustertest.WantCode(t, err, "NotFoundException")
	})
	t.Run("UpdateAlias", func(t *testing.T) {
		if _, err := c.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/catrobot"), TargetKeyId: b.Arn}); err != nil {
			t.Fatal(err)
		}
		out, err := c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/catrobot")})
		if err != nil || aws.ToString(out.KeyMetadata.KeyId) != aws.ToString(b.KeyId) {
			t.Fatalf("alias points at %v (err %v), want %s", out, err, aws.ToString(b.KeyId))
		}
		_, err = c.UpdateAlias(ctx(), &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: b.KeyId})
		clustertest.WantCode(t, err, "NotFoundException")
	})
	t.Run("ListAliases", func(t *testing.T) {
		for _, n := range []string{"alias/l1", "alias/l2", "alias/l3"} {
			if _, err := c.CreateAlias(ctx(), &kms.CreateAliasInput{AliasName: aws.String(n), TargetKeyId: a.KeyId}); err != nil {
				t.Fatal(err)
			}
		}
		out, err := c.ListAliases(ctx(), &kms.ListAliasesInput{KeyId: a.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Aliases) != 3 {
			t.Fatalf("got %d aliases of key a, want 3", len(out.Aliases))
		}
		var names []string
		var marker *string
		for {
			p, err := c.ListAliases(ctx(), &kms.ListAliasesInput{Limit: aws.Int32(2), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			for _, al := range p.Aliases {
				names = append(names, aws.ToString(al.AliasName))
				if aws.ToString(al.AliasArn) != "arn:aws:kms:us-east-1:111122223333:"+aws.ToString(al.AliasName) {
					t.Fatalf("AliasArn %s", aws.ToString(al.AliasArn))
				}
			}
			if !p.Truncated {
				break
			}
			marker = p.NextMarker
		}
		if len(names) != 4 {
			t.Fatalf("got %v, want 4 aliases", names)
		}
	})
	t.Run("DeleteAlias", func(t *testing.T) {
		if _, err := c.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String("alias/l1")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.DeleteAlias(ctx(), &kms.DeleteAliasInput{AliasName: aws.String("alias/l1")})
		clustertest.WantCode(t, err, "NotFoundException")
		_, err = c.DescribeKey(ctx(), &kms.DescribeKeyInput{KeyId: aws.String("alias/l1")})
		clustertest.WantCode(t, err, "NotFoundException")
	})
}

func TestRotation(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "rot")
	id := aws.ToString(md.KeyId)
	before := encrypt(t, c, id, "v1 data", nil)

	t.Run("EnableKeyRotation", func(t *testing.T) {
		if _, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(90)}); err != nil {
			t.Fatal(err)
		}
		st, err := c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 90 || st.NextRotationDate == nil {
			t.Fatalf("got %+v", st)
		}
		for _, d := range []int32{89, 2561} {
			_, err := c.EnableKeyRotation(ctx(), &kms.EnableKeyRotationInput{KeyId: md.KeyId, RotationPeriodInDays: aws.Int32(d)})
			clustertest.WantCode(t, err, "ValidationException")
		}
	})
	t.Run("automatic rotation on schedule", func(t *testing.T) {
		tn.tick(t)
		rs, _ := c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId})
		if len(rs.Rotations) != 0 {
			t.Fatalf("rotated before the period ended: %+v", rs.Rotations)
		}
		tn.clock.advance(91 * 24 * time.Hour)
		tn.tick(t)
		rs, err := c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs.Rotations) != 1 || rs.Rotations[0].RotationType != types.RotationTypeAutomatic {
			t.Fatalf("got %+v, want one AUTOMATIC rotation", rs.Rotations)
		}
		tn.tick(t) // not due again for another 90 days
		rs, _ = c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId})
		if len(rs.Rotations) != 1 {
			t.Fatalf("rotated twice in one period: %d rotations", len(rs.Rotations))
		}
	})
	t.Run("RotateKeyOnDemand", func(t *testing.T) {
		out, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: md.KeyId})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.KeyId) != id {
			t.Fatalf("KeyId %s", aws.ToString(out.KeyId))
		}
		rs, _ := c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId, Limit: aws.Int32(1)})
		if len(rs.Rotations) != 1 || !rs.Truncated {
			t.Fatalf("page: %+v truncated %v", rs.Rotations, rs.Truncated)
		}
		rs2, _ := c.ListKeyRotations(ctx(), &kms.ListKeyRotationsInput{KeyId: md.KeyId, Marker: rs.NextMarker})
		if len(rs2.Rotations) != 1 || rs2.Rotations[0].RotationType != types.RotationTypeOnDemand {
			t.Fatalf("second page: %+v", rs2.Rotations)
		}
	})
	t.Run("old ciphertexts still decrypt", func(t *testing.T) {
		if got := decrypt(t, c, before, nil); got != "v1 data" {
			t.Fatalf("got %q", got)
		}
		after := encrypt(t, c, id, "v3 data", nil)
		if got := decrypt(t, c, after, nil); got != "v3 data" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("DisableKeyRotation", func(t *testing.T) {
		if _, err := c.DisableKeyRotation(ctx(), &kms.DisableKeyRotationInput{KeyId: md.KeyId}); err != nil {
			t.Fatal(err)
		}
		st, _ := c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: md.KeyId})
		if st.KeyRotationEnabled {
			t.Fatal("rotation still enabled")
		}
		_, err := c.GetKeyRotationStatus(ctx(), &kms.GetKeyRotationStatusInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000")})
		clustertest.WantCode(t, err, "NotFoundException")
	})
	t.Run("on-demand limit", func(t *testing.T) {
		k := createKey(t, c, "limit")
		for i := 0; i < 10; i++ {
			if _, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId}); err != nil {
				t.Fatalf("rotation %d: %v", i+1, err)
			}
		}
		_, err := c.RotateKeyOnDemand(ctx(), &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})
		clustertest.WantCode(t, err, "LimitExceededException")
	})
}

func TestTags(t *testing.T) {
	tn := newTestNode(t)
	c := tn.kms
	md := createKey(t, c, "tags")
	tags := []types.Tag{}
	for i := 0; i < 5; i++ {
		tags = append(tags, types.Tag{TagKey: aws.String("k" + itoa(i)), TagValue: aws.String("v" + itoa(i))})
	}
	t.Run("TagResource", func(t *testing.T) {
		if _, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: tags}); err != nil {
			t.Fatal(err)
		}
		_, err := c.TagResource(ctx(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: []types.Tag{{TagKey: aws.String("aws:reserved"), TagValue: aws.String("x")}}})
		clustertest.WantCode(t, err, "TagException")
		many := []types.Tag{}
		for i := 0; i < 50; i++ {
			many = append(many, types.Tag{TagKey: aws.String("m" + itoa(i)), TagValue: aws.String("")})
		}
		_, err = c.TagResource(ctx(), &kms.TagResourceInput{KeyId: md.KeyId, Tags: many})
		clustertest.WantCode(t, err, "TagException")
	})
	t.Run("ListResourceTags", func(t *testing.T) {
		var got []string
		var marker *string
		for {
			out, err := c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: md.KeyId, Limit: aws.Int32(2), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range out.Tags {
				got = append(got, aws.ToString(tg.TagKey)+"="+aws.ToString(tg.TagValue))
			}
			if !out.Truncated {
				break
			}
			marker = out.NextMarker
		}
		if len(got) != 5 || got[0] != "k0=v0" || got[4] != "k4=v4" {
			t.Fatalf("got %v", got)
		}
	})
	t.Run("UntagResource", func(t *testing.T) {
		if _, err := c.UntagResource(ctx(), &kms.UntagResourceInput{KeyId: md.KeyId, TagKeys: []string{"k0", "k1", "absent"}}); err != nil {
			t.Fatal(err)
		}
		out, _ := c.ListResourceTags(ctx(), &kms.ListResourceTagsInput{KeyId: md.KeyId})
		if len(out.Tags) != 3 {
			t.Fatalf("got %d tags, want 3", len(out.Tags))
		}
		_, err := c.UntagResource(ctx(), &kms.UntagResourceInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000"), TagKeys: []string{"k"}})
		clustertest.WantCode(t, err, "NotFoundException")
	})
}
