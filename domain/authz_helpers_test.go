package domain

import (
	"context"
	"testing"
	"time"

	"github.com/keyhold/keyhold/domain/policy"
)

// Callers for the authorization tests: what Authenticate and pipeline.WithCaller build for a
// request, made directly so that each condition key can be set.

const tenantB = "444455556666"

// authzRoot is the root user of account, calling over TLS from 192.0.2.10.
func authzRoot(account string) *Caller {
	return &Caller{
		Principal:       policy.Principal{Type: policy.PrincipalRoot, ARN: "arn:aws:iam::" + account + ":root", Account: account, UserID: account},
		AccessKeyID:     "KHAKROOT" + account,
		SourceIP:        "192.0.2.10",
		SecureTransport: true,
		Region:          "us-east-1",
		Time:            time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
	}
}

// authzUser is IAM user name of account with identity policies docs (compiled as the IAM
// service will compile them), calling over TLS from 192.0.2.10.
func authzUser(t testing.TB, account, name string, docs ...string) *Caller {
	t.Helper()
	c := authzRoot(account)
	c.Principal = policy.Principal{Type: policy.PrincipalUser, ARN: "arn:aws:iam::" + account + ":user/" + name,
		Account: account, UserID: "AIDA" + name}
	c.AccessKeyID = "AKIA" + name
	for i, d := range docs {
		p, err := policy.Parse(d, policy.ParseOptions{Kind: policy.KindIdentity, Name: name + "-policy-" + string(rune('a'+i)), IgnoreWhitespace: true})
		if err != nil {
			t.Fatalf("policy %d: %v", i, err)
		}
		c.Identity = append(c.Identity, p)
	}
	return c
}

// as returns a context carrying c.
func as(c *Caller) context.Context { return WithCaller(context.Background(), c) }
