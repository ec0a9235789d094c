package api

import (
	"context"
	"errors"

	"github.com/keyhold/keyhold/api/sigv4"
	"github.com/keyhold/keyhold/domain"
)

// credentialStore adapts the domain's access keys to the SigV4 verifier. The credential's Info
// is the *domain.Caller the key belongs to; protocol handlers attach it, with the request's
// own fields, to the context they hand the service (pipeline.WithCaller).
type credentialStore struct{ svc *domain.Service }

func (c credentialStore) Credential(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Credential, error) {
	sec, caller, err := c.svc.Authenticate(ctx, accessKeyID, sessionToken)
	if errors.Is(err, domain.ErrAccessDenied) {
		return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return sigv4.Credential{}, err
	}
	return sigv4.Credential{Secret: sec, Principal: caller.Principal.ARN, Info: caller}, nil
}
