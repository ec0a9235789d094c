package iam

import (
	"context"

	"github.com/keyhold/keyhold/domain"
	model "github.com/keyhold/keyhold/domain/iam"
)

// userService is what the handlers of users, access keys, groups and policies need of the
// domain. Every method acts in the caller's account (the context's domain.Caller).
type userService interface {
	IAMChange(ctx context.Context, in domain.IAMInput) error
	IAMRead(ctx context.Context, fn func(account string, st *model.Store) error) error
	IAMCreateUser(ctx context.Context, in model.CreateUserInput) (*model.User, error)
	IAMCreateGroup(ctx context.Context, in model.CreateGroupInput) (*model.Group, error)
	IAMCreatePolicy(ctx context.Context, in model.CreatePolicyInput) (*model.ManagedPolicy, error)
	CreateAccessKey(ctx context.Context, user string) (domain.AccessKey, []byte, error)
	AccessKeys(ctx context.Context, user string) ([]domain.AccessKey, error)
	UpdateAccessKey(ctx context.Context, user, accessKeyID string, active bool) error
	DeleteAccessKey(ctx context.Context, user, accessKeyID string) error
	AccessKeyOwner(ctx context.Context, accessKeyID string) (string, domain.KeyUse, error)
}
