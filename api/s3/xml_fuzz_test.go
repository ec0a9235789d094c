package s3

import (
	"bytes"
	"testing"
)

// FuzzS3XML feeds untrusted bytes to the S3 XML request decoders (PutBucketEncryption,
// DeleteObjects, CompleteMultipartUpload): no input may panic, and every refusal must map to an S3
// error code a client understands, never to InternalError.
func FuzzS3XML(f *testing.F) {
	for _, seed := range []string{
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/x</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object><Object><Key>b/c</Key><VersionId>1</VersionId></Object></Delete>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"abc"</ETag></Part></CompleteMultipartUpload>`,
		`<Delete><Object><Key>&lt;&amp;</Key></Object>`,
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Delete>&a;</Delete>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&sseConfiguration{}, &deleteRequest{}, &completeRequest{}} {
			c := &s3Call{body: bytes.NewReader(body)}
			err := readXML(c, v)
			if err == nil {
				continue
			}
			if aws, _ := errorFor(err); aws.Status >= 500 {
				t.Fatalf("%T: refusal maps to %s %d: %v", v, aws.Code, aws.Status, err)
			}
		}
	})
}
