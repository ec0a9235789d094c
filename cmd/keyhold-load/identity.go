package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// loadUserPolicy is the identity policy of the measured IAM user: ten statements, most with
// conditions, as an application's policy might have, all evaluated on every request (the
// decision needs every statement: an explicit deny anywhere would win). The allowing
// statement is the last, so no early match shortens the walk.
func loadUserPolicy(keyARN string) string {
	stmts := []string{
		`{"Sid":"DenyOutsideLoopback","Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["127.0.0.0/8","::1/128"]}}}`,
		`{"Sid":"DenyKeyDeletion","Effect":"Deny","Action":["kms:ScheduleKeyDeletion","kms:DisableKey"],"Resource":"*"}`,
		`{"Sid":"DenyOtherRegions","Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}`,
		`{"Sid":"DenyTeamDogs","Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:team":"dogs"}}}`,
		`{"Sid":"DenyAfterYear2100","Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2100-01-01T00:00:00Z"}}}`,
		`{"Sid":"AllowDescribe","Effect":"Allow","Action":["kms:DescribeKey","kms:ListKeys","kms:ListAliases"],"Resource":"*"}`,
		`{"Sid":"AllowSignOther","Effect":"Allow","Action":"kms:Sign","Resource":"arn:aws:kms:us-east-1:*:key/00000000-0000-0000-0000-000000000000"}`,
		`{"Sid":"AllowTaggedOnly","Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringLike":{"aws:TagKeys":["app-*"]}}}`,
		`{"Sid":"AllowViaS3","Effect":"Allow","Action":"kms:GenerateDataKey","Resource":"*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}}`,
		`{"Sid":"AllowDataPlane","Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey","kms:GenerateMac","kms:Sign"],"Resource":"` + keyARN + `","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"StringNotEqualsIfExists":{"kms:EncryptionContext:team":"dogs"}}}`,
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// createLoadUser creates (through keyhold's IAM API, as an operator would with the AWS CLI) an
// IAM user whose only permissions are loadUserPolicy on the measured keys, and returns its
// access key and ARN.
func createLoadUser(ctx context.Context, endpoint, akid, secret string, keyARNs []string) (string, string, string, error) {
	c := iam.New(iam.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(akid, secret, ""),
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{},
	})
	const name = "keyhold-load"
	u, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		return "", "", "", fmt.Errorf("iam CreateUser: %w", err)
	}
	// One policy per measured key would change the statement count; one resource list keeps
	// it at ten.
	doc := loadUserPolicy(keyARNs[0])
	if len(keyARNs) > 1 {
		doc = strings.Replace(doc, `"Resource":"`+keyARNs[0]+`"`, `"Resource":["`+strings.Join(keyARNs, `","`)+`"]`, 1)
	}
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("data-plane"),
		PolicyDocument: aws.String(doc)}); err != nil {
		return "", "", "", fmt.Errorf("iam PutUserPolicy: %w", err)
	}
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return "", "", "", fmt.Errorf("iam CreateAccessKey: %w", err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), aws.ToString(u.User.Arn), nil
}
