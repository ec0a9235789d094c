package domain

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sort"
	"time"

	"github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/wrap"
)

// AccessKey describes an access key without its secret.
type AccessKey struct {
	AccessKeyID string
	// User owns the key; "" for the account's root.
	User      string
	Active    bool
	CreatedAt time.Time
}

// CreateAccessKey creates an access key for user of the caller's account, or for the account's
// root when user is "". The secret is returned once; the state keeps it only sealed under the
// current domain key, as CreatePrincipal does. The caller owns the secret and must clear it.
func (s *Service) CreateAccessKey(ctx context.Context, user string) (AccessKey, []byte, error) {
	acct, err := iamAccount(ctx)
	if err != nil {
		return AccessKey{}, nil, err
	}
	id, err := newIAMID("AKIA")
	if err != nil {
		return AccessKey{}, nil, err
	}
	// 30 random bytes give a 40-character secret of base64 characters, AWS's length.
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return AccessKey{}, nil, dependencyError("generating an access key", err)
	}
	secret := []byte(base64.RawStdEncoding.EncodeToString(raw))
	clear(raw)
	created := s.now()
	err = s.proposeSealed(ctx, func() ([]byte, error) {
		dkv, dk, err := s.currentDomainKey(ctx)
		if err != nil {
			return nil, err
		}
		tok, err := wrap.SealKeyToken(dk, dkv, wrap.KindCredential, []byte(id), secret)
		if err != nil {
			return nil, dependencyError("wrapping the access key", err)
		}
		p := Principal{AccessKeyID: id, DKVersion: dkv, Token: tok, CreatedAt: created, Account: acct, User: user, Root: user == ""}
		c, err := iam.NewCommand("CreateAccessKey", acct, created, CreateAccessKeyInput{Principal: p})
		if err != nil {
			return nil, err
		}
		return encode(cmdIAM, c), nil
	})
	if err != nil {
		clear(secret)
		return AccessKey{}, nil, err
	}
	k := AccessKey{AccessKeyID: id, User: user, Active: true, CreatedAt: created}
	s.st.View(func(v *View) {
		if p := v.Principal(id); p != nil {
			k.User = p.User // as the user's name is spelled
		}
	})
	return k, secret, nil
}

// AccessKeys lists the access keys of user of the caller's account ("" = the root's), ordered
// by creation time. A user that does not exist is NotFound.
func (s *Service) AccessKeys(ctx context.Context, user string) ([]AccessKey, error) {
	acct, err := iamAccount(ctx)
	if err != nil {
		return nil, err
	}
	if user != "" {
		if err := s.IAMRead(ctx, func(acct string, st *iam.Store) error {
			if st.User(acct, user) == nil {
				return errorf(ErrNotFound, "The user with name %s cannot be found.", user)
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	var out []AccessKey
	s.st.View(func(v *View) {
		for _, p := range v.s.principals {
			if v.s.ownedBy(p, acct, user) {
				out = append(out, AccessKey{AccessKeyID: p.AccessKeyID, User: p.User, Active: !p.Inactive, CreatedAt: p.CreatedAt})
			}
		}
	})
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].AccessKeyID < out[j].AccessKeyID
	})
	return out, nil
}

// UpdateAccessKey makes an access key of user ("" = root) Active or Inactive. An inactive key
// is refused at authentication from the moment the command applies on the node that verifies.
func (s *Service) UpdateAccessKey(ctx context.Context, user, accessKeyID string, active bool) error {
	acct, err := iamAccount(ctx)
	if err != nil {
		return err
	}
	return s.proposeIAM(ctx, "UpdateAccessKey", acct, AccessKeyInput{AccessKeyID: accessKeyID, User: user, Inactive: !active})
}

// DeleteAccessKey deletes an access key of user ("" = root). Its cached secret is dropped too.
func (s *Service) DeleteAccessKey(ctx context.Context, user, accessKeyID string) error {
	acct, err := iamAccount(ctx)
	if err != nil {
		return err
	}
	if err := s.proposeIAM(ctx, "DeleteAccessKey", acct, AccessKeyInput{AccessKeyID: accessKeyID, User: user}); err != nil {
		return err
	}
	s.creds.drop(accessKeyID)
	return nil
}

// AccessKeyOwner returns the owner of an access key of the caller's account ("" = root) and
// what this node remembers of its last use.
func (s *Service) AccessKeyOwner(ctx context.Context, accessKeyID string) (user string, used KeyUse, err error) {
	acct, err := iamAccount(ctx)
	if err != nil {
		return "", KeyUse{}, err
	}
	found := false
	s.st.View(func(v *View) {
		if p := v.Principal(accessKeyID); p != nil && !isSTSKeyRecord(p) && v.s.keyAccount(p) == acct {
			found, user = true, p.User
		}
	})
	if !found {
		return "", KeyUse{}, errorf(ErrNotFound, "The Access Key with id %s cannot be found.", accessKeyID)
	}
	return user, s.idents.lastUse(accessKeyID), nil
}
