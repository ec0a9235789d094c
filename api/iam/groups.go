package iam

import (
	"context"

	"github.com/keyhold/keyhold/api/query"
	model "github.com/keyhold/keyhold/domain/iam"
)

// authorizeGroup authorizes action on the group named by the GroupName parameter.
func (h *handlers) authorizeGroup(ctx context.Context, c *query.Call, action string) (string, error) {
	name, err := c.Required("GroupName")
	if err != nil {
		return "", err
	}
	arn, err := h.entityARN(ctx, "group", name)
	if err != nil {
		return "", err
	}
	return name, c.Authorize(ctx, action, arn)
}

func (h *handlers) createGroup(ctx context.Context, c *query.Call) (any, error) {
	name, err := c.Required("GroupName")
	if err != nil {
		return nil, err
	}
	path := c.Param("Path")
	if path == "" {
		path = "/"
	}
	if err := h.authorizeNew(ctx, c, "iam:CreateGroup", "group", path, name); err != nil {
		return nil, err
	}
	g, err := h.svc.IAMCreateGroup(ctx, model.CreateGroupInput{Name: name, Path: path})
	if err != nil {
		return nil, err
	}
	var x xGroup
	err = h.svc.IAMRead(ctx, func(_ string, st *model.Store) error { x = groupOf(st, g); return nil })
	return struct{ Group xGroup }{x}, err
}

func (h *handlers) getGroup(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeGroup(ctx, c, "iam:GetGroup")
	if err != nil {
		return nil, err
	}
	type result struct {
		Group       xGroup
		Users       members[xUser]
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	var r result
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		g := st.Group(acct, name)
		if g == nil {
			return noSuchEntity("The group with name " + name + " cannot be found.")
		}
		r.Group = groupOf(st, g)
		pg, marker, trunc, err := page(c, st.GroupMembers(acct, g.Name), func(u *model.User) string { return nameKey(u.Name) })
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

type groupList struct {
	Groups      members[xGroup]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

func (h *handlers) listGroups(ctx context.Context, c *query.Call) (any, error) {
	if err := c.Authorize(ctx, "iam:ListGroups", "*"); err != nil {
		return nil, err
	}
	prefix := c.Param("PathPrefix")
	var r groupList
	err := h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		var all []*model.Group
		for _, g := range st.Groups(acct) {
			if hasPathPrefix(g.Path, prefix) {
				all = append(all, g)
			}
		}
		return r.fill(c, st, all)
	})
	return r, err
}

func (r *groupList) fill(c *query.Call, st *model.Store, all []*model.Group) error {
	pg, marker, trunc, err := page(c, all, func(g *model.Group) string { return nameKey(g.Name) })
	if err != nil {
		return err
	}
	for _, g := range pg {
		r.Groups.Member = append(r.Groups.Member, groupOf(st, g))
	}
	r.Marker, r.IsTruncated = marker, trunc
	return nil
}

func (h *handlers) listGroupsForUser(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeUser(ctx, c, "iam:ListGroupsForUser")
	if err != nil {
		return nil, err
	}
	var r groupList
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		u := st.User(acct, name)
		if u == nil {
			return noSuchEntity("The user with name " + name + " cannot be found.")
		}
		return r.fill(c, st, st.GroupsForUser(acct, u))
	})
	return r, err
}

func (h *handlers) groupMember(ctx context.Context, c *query.Call, action string) (model.GroupMemberInput, error) {
	group, err := h.authorizeGroup(ctx, c, action)
	if err != nil {
		return model.GroupMemberInput{}, err
	}
	user, err := c.Required("UserName")
	return model.GroupMemberInput{Group: group, User: user}, err
}

func (h *handlers) addUserToGroup(ctx context.Context, c *query.Call) (any, error) {
	in, err := h.groupMember(ctx, c, "iam:AddUserToGroup")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.AddUserToGroupInput(in))
}

func (h *handlers) removeUserFromGroup(ctx context.Context, c *query.Call) (any, error) {
	in, err := h.groupMember(ctx, c, "iam:RemoveUserFromGroup")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.RemoveUserFromGroupInput(in))
}

func (h *handlers) deleteGroup(ctx context.Context, c *query.Call) (any, error) {
	name, err := h.authorizeGroup(ctx, c, "iam:DeleteGroup")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.IAMChange(ctx, model.DeleteGroupInput{Name: name})
}
