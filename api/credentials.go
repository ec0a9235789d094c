package api

import (
	"context"
	"errors"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// credentialStore adapts the domain's principals to the SigV4 verifier.
type credentialStore struct{ svc *domain.Service }

func (c credentialStore) SecretKey(ctx context.Context, accessKeyID string) ([]byte, string, error) {
	sec, name, err := c.svc.SecretKey(ctx, accessKeyID)
	if errors.Is(err, domain.ErrAccessDenied) {
		return nil, "", sigv4.ErrUnknownAccessKey
	}
	return sec, name, err
}
