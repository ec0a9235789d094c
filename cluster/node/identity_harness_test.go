package node

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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
