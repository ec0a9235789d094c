package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// loadKeyPolicy is the key policy the measured keys carry when the load user is measured: the
// account trusted (so the user's IAM policy counts) and the user named as a key user, as the
// AWS console writes it. It is not the default policy, so every request of the user is decided
// with the key policy in the evaluation, not by the default-policy shortcut.
func loadKeyPolicy(account, userARN string) string {
	return `{"Version":"2012-10-17","Id":"keyhold-load","Statement":[` +
		`{"Sid":"EnableIAMUserPermissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"AllowUseOfTheKey","Effect":"Allow","Principal":{"AWS":"` + userARN + `"},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey","kms:Sign","kms:Verify","kms:GenerateMac","kms:VerifyMac"],"Resource":"*"},` +
		`{"Sid":"DenyDeletionByUser","Effect":"Deny","Principal":{"AWS":"` + userARN + `"},"Action":["kms:ScheduleKeyDeletion","kms:PutKeyPolicy"],"Resource":"*"}` +
		`]}`
}

// putUserKeyPolicyAndGrants gives every measured key loadKeyPolicy and a grant to the load
// user for the operations measured with that key, so that the key policy and a grant are both
// in play on the user's requests (issue 14: data-plane throughput with them stays close to
// the same operation without them).
func putUserKeyPolicyAndGrants(ctx context.Context, root *kms.Client, keys loadKeys, keyARN, userARN string) error {
	account := strings.Split(keyARN, ":")[4]
	doc := loadKeyPolicy(account, userARN)
	grants := []struct {
		id  string
		ops []types.GrantOperation
	}{
		{keys.symmetric, []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt, types.GrantOperationGenerateDataKey}},
		{keys.signP256, []types.GrantOperation{types.GrantOperationSign}},
		{keys.hmac256, []types.GrantOperation{types.GrantOperationGenerateMac}},
	}
	for _, g := range grants {
		if g.id == "" {
			continue
		}
		if _, err := root.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(g.id), PolicyName: aws.String("default"), Policy: aws.String(doc)}); err != nil {
			return fmt.Errorf("PutKeyPolicy %s: %w", g.id, err)
		}
		if _, err := root.CreateGrant(ctx, &kms.CreateGrantInput{KeyId: aws.String(g.id), GranteePrincipal: aws.String(userARN), Operations: g.ops, Name: aws.String("keyhold-load")}); err != nil {
			return fmt.Errorf("CreateGrant %s: %w", g.id, err)
		}
	}
	return nil
}
