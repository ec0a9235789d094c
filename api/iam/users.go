package iam

import (
	"context"

	"sort"

	"github.com/keyhold/keyhold/api/query"
	model "github.com/keyhold/keyhold/domain/iam"
)

// entityARN returns the ARN of the entity kind ("user", "group") name of the caller's account,
// with its real path when it exists ("/" otherwise: the action then answers NoSuchEntity
// after authorization, as AWS does).
func (h *handlers) entityARN(ctx context.Context, kind, name string) (string, error) {
	var arn string
	err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		path := "/"
		switch kind {
		case "user":
			if u := st.User(acct, name); u != nil {
				path, name = u.Path, u.Name
			}
		case "group":
			if g := st.Group(acct, name); g != nil {
				path, name = g.Path, g.Name
			}
		}
		arn = st.ARN(acct, kind, path, name)
		return nil
	})
	return arn, err
}

// authorizeUser authorizes action on the user named by the UserName parameter and returns the
// name.
func (h *handlers) authorizeUser(ctx context.Context, c *query.Call, action string) (string, error) {
	name, err := c.Required("UserName")
	if err != nil {
		return "", err
	}
	arn, err := h.entityARN(ctx, "user", name)
	if err != nil {
		return "", err
	}
	return name, c.Authorize(ctx, action, arn)
}

func (h *handlers) createUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := c.Required("UserName")
	if err != nil {
		return nil, err
	}
	tags, err := tagsParam(c)
	if err != nil {
		return nil, err
	}
	path := c.Param("Path")
	if path == "" {
		path = "/"
	}
	if err := h.authorizeNew(ctx, c, "iam:CreateUser", "user", path, name); err != nil {
		return nil, err
	}
	u, err := h.svc.IAMCreateUser(ctx, model.CreateUserInput{Name: name, Path: path, Tags: tags})
	if err != nil {
		return nil, err
	}
	var x xUser
	err = h.svc.IAMRead(ctx, func(_ string, st *model.Store) error { x = userOf(st, u, true); return nil })
	return struct{ User xUser }{x}, err
}

// authorizeNew authorizes creating an entity at the ARN it will have.
func (h *handlers) authorizeNew(ctx context.Context, c *query.Call, action, kind, path, name string) error {
	var arn string
	if err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error { arn = st.ARN(acct, kind, path, name); return nil }); err != nil {
		return err
	}
	return c.Authorize(ctx, action, arn)
}

func (h *handlers) getUser(ctx context.Context, c *query.Call) (any, error) {
	name := c.Param("UserName")
	if name == "" {
		who, err := caller(ctx)
		if err != nil {
			return nil, err
		}
		if err := c.Authorize(ctx, "iam:GetUser", who.Principal.ARN); err != nil {
			return nil, err
		}
		if name, err = h.callerUserName(ctx); err != nil {
			return nil, err
		}
		if name == "" { // the account's root: its id, its ARN, when the account was created
			x := xUser{UserId: who.Principal.Account, Arn: who.Principal.ARN}
			err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
				// The first account records no creation time: then the date is left out
				// rather than invented.
				if a := st.Account(acct); a != nil && !a.CreatedAt.IsZero() {
					x.CreateDate = date(a.CreatedAt)
				}
				return nil
			})
			return struct{ User xUser }{x}, err
		}
	} else if _, err := h.authorizeUser(ctx, c, "iam:GetUser"); err != nil {
		return nil, err
	}
	var x xUser
	err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, name)
		if u == nil {
			return noSuchEntity("The user with name " + name + " cannot be found.")
		}
		x = userOf(st, u, true)
		return nil
	})
	return struct{ User xUser }{x}, err
}

func (h *handlers) listUsers(ctx context.Context, c *query.Call) (any, error) {
	if err := c.Authorize(ctx, "iam:ListUsers", "*"); err != nil {
		return nil, err
	}
	prefix := c.Param("PathPrefix")
	type result struct {
		Users       members[xUser]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	var r result
	err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		var all []*model.User
		for _, u := range st.Users(acct) {
			if hasPathPrefix(u.Path, prefix) {
				all = append(all, u)
			}
		}
		pg, marker, trunc, err := page(c, all, func(u *model.User) string { return nameKey(u.Name) })
		if err != nil {
			return err
		}
		for _, u := range pg {
			r.Users.Member = append(r.Users.Member, userOf(st, u, false))
		}
		r.Marker, r.IsTruncated = marker, trunc
		return nil
	})
	return r, err
}

func hasPathPrefix(path, prefix string) bool {
	return prefix == "" || len(path) >= len(prefix) && path[:len(prefix)] == prefix
}

func (h *handlers) deleteUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:DeleteUser")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeleteUserInput{Name: name})
}

func (h *handlers) updateUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:UpdateUser")
	if err != nil {
		return nil, err
	}
	in := model.UpdateUserInput{Name: name, NewName: c.Param("NewUserName"), NewPath: c.Param("NewPath")}
	if in.NewName != "" {
		// Renaming needs the permission on the new name too (AWS's rule for UpdateUser).
		path := in.NewPath
		if path == "" {
			path = "/"
			if err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
				if u := st.User(acct, name); u != nil {
					path = u.Path
				}
				return nil
			}); err != nil {
				return nil, err
			}
		}
		if err := h.authorizeNew(ctx, c, "iam:UpdateUser", "user", path, in.NewName); err != nil {
			return nil, err
		}
	}
	return nil, h.svc.IAMChange(ctx, in)
}

func (h *handlers) tagUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:TagUser")
	if err != nil {
		return nil, err
	}
	tags, err := tagsParam(c)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.TagUserInput{Name: name, Tags: tags})
}

func (h *handlers) untagUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:UntagUser")
	if err != nil {
		return nil, err
	}
	keys, err := listParam(c, "TagKeys")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.UntagUserInput{Name: name, Keys: keys})
}

func (h *handlers) listUserTags(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:ListUserTags")
	if err != nil {
		return nil, err
	}
	type result struct {
		Tags        members[xTag]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, name)
		if u == nil {
			return noSuchEntity("The user with name " + name + " cannot be found.")
		}
		tags := append([]model.Tag(nil), u.Tags...)
		sort.Slice(tags, func(i, j int) bool { return nameKey(tags[i].Key) < nameKey(tags[j].Key) })
		pg, marker, trunc, err := page(c, tags, func(t model.Tag) string { return nameKey(t.Key) })
		if err != nil {
			return err
		}
		for _, t := range pg {
			r.Tags.Member = append(r.Tags.Member, xTag{t.Key, t.Value})
		}
		r.Marker, r.IsTruncated = marker, trunc
		return nil
	})
	return r, err
}
