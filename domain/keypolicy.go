package domain

import (
	"errors"
	"strings"
	"sync"

	"github.com/keyhold/keyhold/domain/policy"
	"github.com/keyhold/keyhold/wrap"
)

// KeyPolicyName is the only key policy name KMS has.
const KeyPolicyName = "default"

// DefaultKeyPolicy is the key policy AWS KMS gives a key created without one: the account is
// trusted with kms:*, which delegates every decision to the account's IAM policies (the root
// is allowed by it directly). A key stores no policy text while it has this one (Key.Policy
// empty), so a million keys with the default cost nothing.
func (a ARNs) DefaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:` + a.Partition + `:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// ManagedKeyPolicy is the key policy of an AWS managed key for S3 (alias/aws/s3, and keyhold's
// SSE-S3 key), as AWS writes it: every principal of the account may use it through S3
// (kms:ViaService and kms:CallerAccount), and may describe it directly. Nobody may change it.
func (a ARNs) ManagedKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-s3-2",
  "Statement" : [ {
    "Sid" : "Allow access through S3 for all principals in the account that are authorized to use S3",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "s3.` + a.Region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:` + a.Partition + `:iam::` + account + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`
}

// parseKeyPolicy compiles a key policy document, with KMS's limits and KMS's error.
func parseKeyPolicy(doc string) (*policy.Policy, error) {
	p, err := policy.Parse(doc, policy.ParseOptions{Kind: policy.KindResource, Name: "key policy", MaxBytes: MaxPolicy})
	if err == nil {
		return p, nil
	}
	if errors.Is(err, policy.ErrTooLarge) {
		return nil, errorf(ErrValidation, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPolicy)
	}
	return nil, errorf(ErrMalformedPolicy, "%s", strings.TrimPrefix(err.Error(), "policy: "))
}

// keyPolicies keeps the compiled key policies of the keys that have their own, and the
// compiled default and managed policies per account, so that authorization parses nothing
// per request. Custom policies are compiled in Apply (deterministically: the parser reads
// nothing but the text) and on restore.
type keyPolicies struct {
	custom map[wrap.KeyID]*policy.Policy // guarded by the State lock
	// shared holds the default and managed policies per account, compiled on first use;
	// readers under the State's read lock fill it, hence its own lock.
	mu     sync.Mutex
	shared map[string]*policy.Policy // "default/ACCOUNT", "managed/ACCOUNT"
}

func newKeyPolicies() *keyPolicies {
	return &keyPolicies{custom: make(map[wrap.KeyID]*policy.Policy), shared: make(map[string]*policy.Policy)}
}

// set compiles k's own policy (Apply and restore); a key with the default policy has none.
func (kp *keyPolicies) set(k *Key) {
	if k.Policy == "" {
		delete(kp.custom, k.ID)
		return
	}
	p, err := parseKeyPolicy(k.Policy)
	if err != nil {
		// Stored text was valid when written; a stricter parser refusing it now leaves the
		// key with a policy that allows nothing, never with a wider one.
		p = nil
	}
	kp.custom[k.ID] = p
}

// forKey returns the compiled policy that governs k, owned by account.
func (kp *keyPolicies) forKey(k *Key, arn ARNs, account string) *policy.Policy {
	if k.Policy != "" {
		return kp.custom[k.ID] // nil: allows nothing
	}
	kind := "default/"
	if k.AWSManaged {
		kind = "managed/"
	}
	kp.mu.Lock()
	defer kp.mu.Unlock()
	if p, ok := kp.shared[kind+account]; ok {
		return p
	}
	text := arn.DefaultKeyPolicy(account)
	if k.AWSManaged {
		text = arn.ManagedKeyPolicy(account)
	}
	p, err := parseKeyPolicy(text)
	if err != nil {
		// Unreachable (TestBuiltInKeyPoliciesParse); a policy that allows nothing fails closed.
		return nil
	}
	kp.shared[kind+account] = p
	return p
}

// PolicyText returns the text of k's key policy, as GetKeyPolicy answers it.
func (a ARNs) PolicyText(k *Key, account string) string {
	switch {
	case k.Policy != "":
		return k.Policy
	case k.AWSManaged:
		return a.ManagedKeyPolicy(account)
	}
	return a.DefaultKeyPolicy(account)
}

// keyPolicy returns the compiled policy that governs k (nil when its stored text no longer
// parses) and whether it is the default key policy, which trusts k's account and nothing else.
func (v *View) keyPolicy(k *Key, arns ARNs) (*policy.Policy, bool) {
	return v.s.keyPols.forKey(k, arns, v.s.cmkAccount(k)), k.Policy == "" && !k.AWSManaged
}
