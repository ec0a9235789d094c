package node

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// stsClient is the AWS SDK's STS client pointed at the node, signing with the given credentials
// (token is the session token of temporary credentials, else "").
func (tn *testNode) stsClient(akid, secret, token string) *sts.Client {
	return sts.New(sts.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, token),
		BaseEndpoint: aws.String(tn.url),
		HTTPClient:   tn.httpClient(nil),
	})
}

// iamClient is the AWS SDK's IAM client pointed at the node.
func (tn *testNode) iamClient(akid, secret, token string) *iam.Client {
	return iam.New(iam.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, token),
		BaseEndpoint: aws.String(tn.url),
		HTTPClient:   tn.httpClient(nil),
	})
}

// sessionKMS is the SDK's KMS client signing with temporary credentials.
func (tn *testNode) sessionKMS(c *ststypes.Credentials) *kms.Client {
	return kms.New(kms.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
		BaseEndpoint: aws.String(tn.url),
		HTTPClient:   tn.httpClient(nil),
	})
}

// sessionS3 is the SDK's S3 client (path style) signing with temporary credentials.
func (tn *testNode) sessionS3(c *ststypes.Credentials) *s3.Client {
	return s3.New(s3.Options{
		Region:       tn.cfg.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
		BaseEndpoint: aws.String(tn.url),
		UsePathStyle: true,
		HTTPClient:   tn.httpClient(nil),
	})
}
