package iam

import (
	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/iam"
)

// roleXML is IAM's Role shape. ListRoles leaves out tags, as AWS does.
type roleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string `xml:",omitempty"`
	MaxSessionDuration       int
	Tags                     *members[xTag] `xml:",omitempty"`
}

func (h *handlers) roleXML(r *iam.Role, full bool) roleXML {
	x := roleXML{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: h.svc.RoleARN(r), CreateDate: date(r.CreatedAt),
		AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
	if full {
		x.Tags = tagsOf(r.Tags)
	}
	return x
}

// roleCheck turns a parameter check of the identity model into the domain error the API maps.
func roleCheck(err error) error { return domain.IAMError(err) }

// roleTags reads Tags.member.N and checks them as role (and session) tags.
func roleTags(c *query.Call) ([]iam.Tag, error) {
	tags, err := tagsParam(c)
	if err != nil {
		return nil, err
	}
	if err := iam.CheckRoleTags(tags); err != nil {
		return nil, roleCheck(err)
	}
	return tags, nil
}
