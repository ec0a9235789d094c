package domain

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
)

// The identity part of the scale harness: IAM users, each with an inline ten-statement policy
// and an access key, built as the service builds the commands (iam.NewCommand in a cmdIAM
// frame, sealed secrets of a symmetric token's size). IAM caps users at iam.MaxUsers per
// account, as AWS does, so they are spread over as many accounts as that takes.

// scalePolicy is a user's inline policy: ten statements, most with conditions, like
// keyhold-load's measured user (cmd/keyhold-load/identity.go), naming the user's own key.
func scalePolicy(account string, i int) string {
	key := fmt.Sprintf("arn:aws:kms:us-east-1:%s:key/%s", account, scaleKeyID(i))
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
		`{"Sid":"AllowDataPlane","Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey","kms:GenerateMac"],"Resource":"` + key + `","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.0/8"},"StringNotEqualsIfExists":{"kms:EncryptionContext:team":"dogs"}}}`,
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// scaleAccount is the account of the i-th user: the domain's first, then 100000000001, ...
func scaleAccount(i int) string {
	if a := i / iam.MaxUsers; a > 0 {
		return fmt.Sprintf("%012d", 100000000000+a)
	}
	return testARNs.Account
}

func scaleIAMCmd(t testing.TB, op, account string, at time.Time, body any) []byte {
	t.Helper()
	c, err := iam.NewCommand(op, account, at, body)
	if err != nil {
		t.Fatal(err)
	}
	return encode(cmdIAM, c)
}

// scaleFillIAM applies n users, each with its inline policy and one access key.
func scaleFillIAM(t testing.TB, st *State, n int, at time.Time) {
	t.Helper()
	apply := func(what string, cmd []byte) {
		t.Helper()
		if err := st.Apply(cmd); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	for a := 1; a <= (n-1)/iam.MaxUsers; a++ {
		acct := scaleAccount(a * iam.MaxUsers)
		apply("account "+acct, scaleIAMCmd(t, "CreateAccount", acct, at, iam.CreateAccountInput{Name: "scale-" + acct}))
	}
	for i := 0; i < n; i++ {
		acct, name := scaleAccount(i), fmt.Sprintf("user-%d", i)
		apply(name, scaleIAMCmd(t, "CreateUser", acct, at, iam.CreateUserInput{Name: name, ID: scaleIAMID("AIDA", i)}))
		apply(name+" policy", scaleIAMCmd(t, "PutUserPolicy", acct, at,
			iam.PutUserPolicyInput{User: name, Name: "data-plane", Document: scalePolicy(acct, i)}))
		tok := make([]byte, scaleTokenSize)
		_, _ = rand.Read(tok)
		apply(name+" access key", scaleIAMCmd(t, "CreateAccessKey", acct, at, CreateAccessKeyInput{Principal: Principal{
			AccessKeyID: scaleIAMID("AKIA", i), DKVersion: 1, Token: tok, CreatedAt: at, Account: acct, User: name}}))
	}
}

// scaleIAMID is IAM id i with prefix: 16 characters of IAM's alphabet (A-Z, 2-7).
func scaleIAMID(prefix string, i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte(prefix + "AAAAAAAAAAAAAAAA")
	for j := len(b) - 1; i > 0; j-- {
		b[j] = alphabet[i%32]
		i /= 32
	}
	return string(b)
}
