package node

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/keyhold/keyhold/cluster/clustertest"
)

// TestS3Subresources: bucket and object configuration keyhold does not hold reads as S3 reads
// it for a bucket or object without it, writes of it are NotImplemented (never a listing or an
// object returned by mistake, never tags silently dropped), versionIds other than "null" are
// refused, ListObjectVersions lists each object as its null version, and GetObject takes
// partNumber and response-* overrides.
func TestS3Subresources(t *testing.T) {
	tn := newTestNode(t)
	c := tn.s3Client(true)
	mustCreateBucket(t, c, "sub")
	body := payload(100<<10+1, "MARKER-sub ")
	mustPut(t, c, "sub", "obj", body, nil)
	mustPut(t, c, "sub", "dir/a", []byte("a"), nil)
	b, k := aws.String("sub"), aws.String("obj")

	t.Run("absent bucket configuration", func(t *testing.T) {
		var err error
		_, err = c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: b})
		clustertest.WantCode(t, err, "NoSuchCORSConfiguration")
		_, err = c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
		clustertest.WantCode(t, err, "NoSuchBucketPolicy")
		_, err = c.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
		clustertest.WantCode(t, err, "NoSuchLifecycleConfiguration")
		_, err = c.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: b})
		clustertest.WantCode(t, err, "NoSuchTagSet")
		_, err = c.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: b})
		clustertest.WantCode(t, err, "NoSuchWebsiteConfiguration")
		// Block Public Access is fully on and ownership is BucketOwnerEnforced, always.
		pab, err := c.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: b})
		if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) || !aws.ToBool(pab.PublicAccessBlockConfiguration.RestrictPublicBuckets) ||
			!aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAcls) || !aws.ToBool(pab.PublicAccessBlockConfiguration.IgnorePublicAcls) {
			t.Fatalf("GetPublicAccessBlock: %+v %v", pab, err)
		}
		oc, err := c.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: b})
		if err != nil || len(oc.OwnershipControls.Rules) != 1 || oc.OwnershipControls.Rules[0].ObjectOwnership != "BucketOwnerEnforced" {
			t.Fatalf("GetBucketOwnershipControls: %+v %v", oc, err)
		}
		_, err = c.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: b})
		clustertest.WantCode(t, err, "ObjectLockConfigurationNotFoundError")
		_, err = c.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: b})
		clustertest.WantCode(t, err, "ReplicationConfigurationNotFoundError")
		if _, err := c.DeleteBucketCors(ctx(), &s3.DeleteBucketCorsInput{Bucket: b}); err != nil {
			t.Fatalf("DeleteBucketCors with none: %v", err)
		}
		_, err = c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: aws.String("no-such-bucket")})
		clustertest.WantCode(t, err, "NoSuchBucket")
	})
	t.Run("default-off bucket configuration", func(t *testing.T) {
		v, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
		if err != nil || v.Status != "" {
			t.Fatalf("GetBucketVersioning: %+v, %v", v, err)
		}
		l, err := c.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: b})
		if err != nil || l.LoggingEnabled != nil {
			t.Fatalf("GetBucketLogging: %+v, %v", l, err)
		}
		p, err := c.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: b})
		if err != nil || p.Payer != types.PayerBucketOwner {
			t.Fatalf("GetBucketRequestPayment: %+v, %v", p, err)
		}
		if _, err := c.GetBucketNotificationConfiguration(ctx(), &s3.GetBucketNotificationConfigurationInput{Bucket: b}); err != nil {
			t.Fatal(err)
		}
		acl, err := c.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: b})
		if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl ||
			aws.ToString(acl.Grants[0].Grantee.ID) != aws.ToString(acl.Owner.ID) || acl.Grants[0].Grantee.Type != types.TypeCanonicalUser {
			t.Fatalf("GetBucketAcl: %+v, %v", acl, err)
		}
		_, err = c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: b,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
		clustertest.WantCode(t, err, "NotImplemented")
		_, err = c.PutBucketCors(ctx(), &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &types.CORSConfiguration{
			CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*"}}}}})
		clustertest.WantCode(t, err, "NotImplemented")
	})
	t.Run("object ACL, tags and lock", func(t *testing.T) {
		acl, err := c.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: b, Key: k})
		if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl {
			t.Fatalf("GetObjectAcl: %+v, %v", acl, err)
		}
		_, err = c.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: b, Key: aws.String("missing")})
		clustertest.WantCode(t, err, "NoSuchKey")
		tags, err := c.GetObjectTagging(ctx(), &s3.GetObjectTaggingInput{Bucket: b, Key: k})
		if err != nil || len(tags.TagSet) != 0 {
			t.Fatalf("GetObjectTagging: %+v, %v", tags, err)
		}
		_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: b, Key: aws.String("tagged"), Body: bytes.NewReader(body), Tagging: aws.String("team=red")})
		clustertest.WantCode(t, err, "NotImplemented")
		_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: b, Key: aws.String("tagged")})
		clustertest.WantCode(t, err, "NotFound")
		_, err = c.PutObjectTagging(ctx(), &s3.PutObjectTaggingInput{Bucket: b, Key: k, Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
		clustertest.WantCode(t, err, "NotImplemented")
		_, err = c.GetObjectRetention(ctx(), &s3.GetObjectRetentionInput{Bucket: b, Key: k})
		clustertest.WantCode(t, err, "InvalidRequest")
		// GetObjectAttributes is implemented (TestS3ConformanceGetObjectAttributes).
		if attrs, err := c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: b, Key: k, ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesEtag}}); err != nil || aws.ToString(attrs.ETag) == "" {
			t.Fatalf("GetObjectAttributes: %+v, %v", attrs, err)
		}
	})
	t.Run("versions", func(t *testing.T) {
		got, _ := mustGet(t, c, "sub", "obj", func(in *s3.GetObjectInput) { in.VersionId = aws.String("null") })
		if !bytes.Equal(got, body) {
			t.Fatal("GET versionId=null")
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: b, Key: k, VersionId: aws.String("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")})
		clustertest.WantCode(t, err, "InvalidArgument")
		_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: k, VersionId: aws.String("other")})
		clustertest.WantCode(t, err, "InvalidArgument")
		_, err = c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("sub/obj?versionId=other")})
		clustertest.WantCode(t, err, "InvalidArgument")
		del, err := c.DeleteObjects(ctx(), &s3.DeleteObjectsInput{Bucket: b, Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: k, VersionId: aws.String("other")}}}})
		if err != nil || len(del.Errors) != 1 || aws.ToString(del.Errors[0].Code) != "InvalidArgument" {
			t.Fatalf("DeleteObjects of another version: %+v, %v", del, err)
		}
		mustGet(t, c, "sub", "obj", nil) // still there
		var keys []string
		in := &s3.ListObjectVersionsInput{Bucket: b, MaxKeys: aws.Int32(1)}
		for range 5 {
			out, err := c.ListObjectVersions(ctx(), in)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range out.Versions {
				if aws.ToString(v.VersionId) != "null" || !aws.ToBool(v.IsLatest) {
					t.Fatalf("version %+v, want the null version, latest", v)
				}
				keys = append(keys, aws.ToString(v.Key))
			}
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
		}
		if len(keys) != 2 || keys[0] != "dir/a" || keys[1] != "obj" {
			t.Fatalf("ListObjectVersions: got %q", keys)
		}
	})
	t.Run("partNumber and response overrides", func(t *testing.T) {
		got, out := mustGet(t, c, "sub", "obj", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(1) })
		if !bytes.Equal(got, body) || aws.ToString(out.ContentRange) == "" {
			t.Fatalf("part 1 of a single-PUT object: %d bytes, Content-Range %q", len(got), aws.ToString(out.ContentRange))
		}
		_, _, err := getBytes(c, &s3.GetObjectInput{Bucket: b, Key: k, PartNumber: aws.Int32(2)})
		clustertest.WantCode(t, err, "InvalidPartNumber")
		_, _, err = getBytes(c, &s3.GetObjectInput{Bucket: b, Key: k, PartNumber: aws.Int32(1), Range: aws.String("bytes=0-1")})
		clustertest.WantCode(t, err, "InvalidRequest")
		_, out = mustGet(t, c, "sub", "obj", func(in *s3.GetObjectInput) {
			in.ResponseContentDisposition, in.ResponseContentType = aws.String(`attachment; filename="report.bin"`), aws.String("application/x-report")
		})
		if aws.ToString(out.ContentDisposition) != `attachment; filename="report.bin"` || aws.ToString(out.ContentType) != "application/x-report" {
			t.Fatalf("overrides: disposition %q, type %q", aws.ToString(out.ContentDisposition), aws.ToString(out.ContentType))
		}
	})
}
