package sts

import (
	"net/url"
	"testing"

	"github.com/keyhold/keyhold/api/query"
)

// FuzzSessionParams: AssumeRole's and AssumeRoleWithWebIdentity's parameter readers (role,
// session name, duration, session policy and policy ARNs, tags, transitive tag keys) take any
// form-encoded body, AssumeRoleWithWebIdentity's from unauthenticated callers. They return a
// value or a client error, never panic.
func FuzzSessionParams(f *testing.F) {
	for _, seed := range []string{
		"RoleArn=arn:aws:iam::111122223333:role/r&RoleSessionName=ops&DurationSeconds=900",
		"RoleArn=x&RoleSessionName=y&DurationSeconds=99999999999999999999&Policy=%7B%7D",
		"RoleArn=x&RoleSessionName=y&Tags.member.1.Key=team&Tags.member.1.Value=cats&Tags.member.2.Value=v" +
			"&TransitiveTagKeys.member.1=team&PolicyArns.member.1.arn=arn:aws:iam::111122223333:policy/p",
		"RoleArn=x&RoleSessionName=y&SourceIdentity=&DurationSeconds=-1",
		"",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // the query layer answers MalformedQueryString before any reader runs
		}
		c := &query.Call{Params: v}
		_, _ = sessionParams(c)
		_, _ = stsTags(c)
		_, _ = stsList(c, "TransitiveTagKeys", 50)
	})
}
