package iam

import (
	"encoding/base64"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
	"github.com/keyhold/keyhold/domain/iam"
)

// roleXML is IAM's Role shape. ListRoles leaves out tags and RoleLastUsed, as AWS does.
type roleXML struct {
	Path                     string
	RoleName                 string
	RoleId                   string
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string `xml:",omitempty"`
	MaxSessionDuration       int
	Tags                     *roleMembers[roleTagXML] `xml:",omitempty"`
}

func (h *handlers) roleXML(r *iam.Role, full bool) roleXML {
	x := roleXML{Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: h.svc.RoleARN(r),
		CreateDate: r.CreatedAt.UTC().Format(time.RFC3339), AssumeRolePolicyDocument: roleDocEncode(r.TrustPolicy),
		Description: r.Description, MaxSessionDuration: r.MaxSessionDuration}
	if full && len(r.Tags) > 0 {
		x.Tags = &roleMembers[roleTagXML]{}
		for _, t := range r.Tags {
			x.Tags.Member = append(x.Tags.Member, roleTagXML(t))
		}
	}
	return x
}

// roleMembers is the Query protocol's list: <Name><member>..</member>...</Name>.
type roleMembers[T any] struct {
	Member []T `xml:"member"`
}

// roleTagXML is a tag as IAM writes it.
type roleTagXML struct{ Key, Value string }

// roleDocEncode URL-encodes a policy document as IAM returns documents (RFC 3986
// percent-encoding: a space is %20, never '+').
func roleDocEncode(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// roleCheck turns a parameter check of the identity model into the domain error the API maps.
func roleCheck(err error) error { return domain.IAMError(err) }

// rolePage applies Marker and MaxItems (1..1000, default 100) to keys, a sorted list; the
// marker is the next item's key, base64url-encoded, so that it stays valid while other items
// come and go.
func rolePage(c *query.Call, keys []string) (from, to int, next string, err error) {
	max := 100
	if v := c.Param("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, 0, "", query.Errorf(query.ErrValidation, "1 validation error detected: Value '"+v+"' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		max = n
	}
	if m := c.Param("Marker"); m != "" {
		k, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return 0, 0, "", query.Errorf(query.ErrInvalidParameter, "Invalid Marker.")
		}
		from = slices.Index(keys, string(k))
		if from < 0 {
			// The item was removed meanwhile: resume where it stood (keys are in name order).
			from = sort.Search(len(keys), func(i int) bool { return strings.ToLower(keys[i]) >= strings.ToLower(string(k)) })
		}
	}
	to = min(from+max, len(keys))
	if to < len(keys) {
		next = base64.RawURLEncoding.EncodeToString([]byte(keys[to]))
	}
	return from, to, next, nil
}

// roleTagsParam reads Name.member.N.Key / .Value (N from 1, consecutive, at most 50).
func roleTagsParam(c *query.Call, name string) ([]iam.Tag, error) {
	var tags []iam.Tag
	for i := 1; ; i++ {
		p := name + ".member." + strconv.Itoa(i) + "."
		k, hasK := c.Params[p+"Key"]
		v, hasV := c.Params[p+"Value"]
		if !hasK && !hasV {
			break
		}
		if i > iam.MaxTags {
			return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
		}
		t := iam.Tag{}
		if hasK {
			t.Key = k[0]
		}
		if hasV {
			t.Value = v[0]
		}
		tags = append(tags, t)
	}
	if err := iam.CheckRoleTags(tags); err != nil {
		return nil, roleCheck(err)
	}
	return tags, nil
}

// roleListParam reads Name.member.N (N from 1, consecutive, at most max).
func roleListParam(c *query.Call, name string, max int) ([]string, error) {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.Params[name+".member."+strconv.Itoa(i)]
		if !ok {
			break
		}
		if i > max {
			return nil, query.Errorf(query.ErrValidation, "1 validation error detected: Value at '"+name+"' failed to satisfy constraint: Member must have length less than or equal to "+strconv.Itoa(max))
		}
		out = append(out, v[0])
	}
	return out, nil
}

// roleHasPolicyPath reports whether a policy ARN's path starts with prefix.
func roleHasPolicyPath(arn, prefix string) bool {
	_, rest, ok := strings.Cut(arn, ":policy")
	return ok && strings.HasPrefix(rest, prefix)
}
