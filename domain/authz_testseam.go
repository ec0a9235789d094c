package domain

import (
	"context"
	"sync"

	"github.com/keyhold/keyhold/domain/policy"
)

// TEST-ONLY seam, until IAM users land (helper "iam", domain/iam): end-to-end tests of
// authorization need callers other than an account's root. CreateTestAccessKey makes a real
// access key (the replicated Principal record, its secret sealed under the domain key, exactly
// as CreateAccessKey will) for a principal of any account, and remembers in this process only
// which identity-based policies its caller carries; Authenticate consults that memory for a
// key that names a user. Nothing on the wire can reach it, and a key whose identity is not
// remembered (on another node, after a restart) is refused as before. Remove it once
// Authenticate resolves IAM users from domain/iam.

// TestIdentity is the caller a test access key authenticates as.
type TestIdentity struct {
	// User is the IAM user name; "" makes the key the account root's.
	User string
	// Tags are the principal's tags (aws:PrincipalTag/*).
	Tags map[string]string
	// Policies are the user's identity-based policies, compiled.
	Policies []*policy.Policy
}

type testIdentities struct {
	mu sync.Mutex
	m  map[string]TestIdentity // by access key id
}

func (t *testIdentities) get(akid string) (TestIdentity, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	id, ok := t.m[akid]
	return id, ok
}

// CreateTestAccessKey creates an access key of account for id. TEST ONLY (see above).
func (s *Service) CreateTestAccessKey(ctx context.Context, account string, id TestIdentity) (accessKeyID string, secret []byte, err error) {
	accessKeyID, secret, err = s.createPrincipal(ctx, id.User, id.User == "", account, id.User)
	if err != nil {
		return "", nil, err
	}
	s.testIDs.mu.Lock()
	if s.testIDs.m == nil {
		s.testIDs.m = make(map[string]TestIdentity)
	}
	s.testIDs.m[accessKeyID] = id
	s.testIDs.mu.Unlock()
	return accessKeyID, secret, nil
}

// testCaller is the caller of a test access key of a user, if this process made it.
func (s *Service) testCaller(p *Principal, account string) (*Caller, bool) {
	id, ok := s.testIDs.get(p.AccessKeyID)
	if !ok || id.User == "" {
		return nil, false
	}
	arn := "arn:" + s.cfg.ARNs.Partition + ":iam::" + account + ":user/" + id.User
	return &Caller{AccessKeyID: p.AccessKeyID, Identity: id.Policies, Principal: policy.Principal{
		Type: policy.PrincipalUser, ARN: arn, Account: account, UserID: "AIDATEST" + id.User, Tags: id.Tags}}, true
}
