package domain

import "context"

// CreateTestAccountRootKey makes an access key for the root user of account, an account that
// need not exist in the identity model. TEST ONLY: until the create-account ceremony lands
// (helper "quota"), it is how end-to-end tests get a second tenant. The key is a real one (the
// replicated Principal record, its secret sealed under the domain key, as CreatePrincipal
// makes it); nothing on the wire can call this. Remove it once accounts are created by
// ceremony, and create the test's account that way.
func (s *Service) CreateTestAccountRootKey(ctx context.Context, account string) (accessKeyID string, secret []byte, err error) {
	return s.createPrincipal(ctx, "root", true, account, "")
}
