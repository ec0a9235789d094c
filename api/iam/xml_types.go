package iam

import (
	model "github.com/keyhold/keyhold/domain/iam"
	"github.com/keyhold/keyhold/domain/policy"
)

// The result shapes below follow the IAM API reference's element names: the SDKs parse them.
// Lists are <Name><member>...</member></Name>; members[T] writes the wrapper even when empty,
// as IAM does.

const (
	policyUser = policy.PrincipalUser
	policyRoot = policy.PrincipalRoot
)

type members[T any] struct {
	Member []T `xml:"member"`
}

type xTag struct{ Key, Value string }

type xUser struct {
	Path       string `xml:",omitempty"`
	UserName   string `xml:",omitempty"`
	UserId     string
	Arn        string
	CreateDate string         `xml:",omitempty"`
	Tags       *members[xTag] `xml:",omitempty"`
}

type xGroup struct {
	Path, GroupName, GroupId, Arn, CreateDate string
}

type xAccessKey struct {
	UserName        string `xml:",omitempty"`
	AccessKeyId     string
	Status          string
	SecretAccessKey string
	CreateDate      string
}

type xAccessKeyMetadata struct {
	UserName    string `xml:",omitempty"`
	AccessKeyId string
	Status      string
	CreateDate  string
}

type xPolicy struct {
	PolicyName                    string
	PolicyId                      string
	Arn                           string
	Path                          string
	DefaultVersionId              string
	AttachmentCount               int
	PermissionsBoundaryUsageCount int
	IsAttachable                  bool
	Description                   string `xml:",omitempty"`
	CreateDate                    string
	UpdateDate                    string
	Tags                          *members[xTag] `xml:",omitempty"`
}

type xPolicyVersion struct {
	Document         string `xml:",omitempty"`
	VersionId        string
	IsDefaultVersion bool
	CreateDate       string
}

type xAttachedPolicy struct{ PolicyName, PolicyArn string }

func tagsOf(ts []model.Tag) *members[xTag] {
	if len(ts) == 0 {
		return nil
	}
	out := &members[xTag]{}
	for _, t := range ts {
		out.Member = append(out.Member, xTag{t.Key, t.Value})
	}
	return out
}

func userOf(st *model.Store, u *model.User, withTags bool) xUser {
	x := xUser{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: st.UserARN(u), CreateDate: date(u.CreatedAt)}
	if withTags {
		x.Tags = tagsOf(u.Tags)
	}
	return x
}

func groupOf(st *model.Store, g *model.Group) xGroup {
	return xGroup{Path: g.Path, GroupName: g.Name, GroupId: g.ID, Arn: st.GroupARN(g), CreateDate: date(g.CreatedAt)}
}

func policyOf(st *model.Store, p *model.ManagedPolicy, withTags bool) xPolicy {
	x := xPolicy{PolicyName: p.Name, PolicyId: p.ID, Arn: st.PolicyARN(p), Path: p.Path, DefaultVersionId: p.DefaultVersion,
		AttachmentCount: st.AttachmentCount(p), IsAttachable: true, Description: p.Description,
		CreateDate: date(p.CreatedAt), UpdateDate: date(p.UpdatedAt)}
	if withTags {
		x.Tags = tagsOf(p.Tags)
	}
	return x
}

func versionOf(p *model.ManagedPolicy, v *model.PolicyVersion, withDoc bool) xPolicyVersion {
	x := xPolicyVersion{VersionId: v.ID, IsDefaultVersion: v.ID == p.DefaultVersion, CreateDate: date(v.CreatedAt)}
	if withDoc {
		x.Document = encodeDocument(v.Document)
	}
	return x
}
