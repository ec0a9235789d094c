package iam

import (
	"net/url"
	"testing"

	"github.com/keyhold/keyhold/api/query"
)

// FuzzQueryParams: the IAM API's parameter readers (lists, tags, paging, the simulator's
// parameters and context entries) take any form-encoded body a client sends. They return a
// value or a client error, never panic.
func FuzzQueryParams(f *testing.F) {
	for _, seed := range []string{
		"Action=ListUsers&Version=2010-05-08&MaxItems=2&Marker=YWJj",
		"Tags.member.1.Key=team&Tags.member.1.Value=cats&Tags.member.3.Key=gap",
		"ActionNames.member.1=kms:Decrypt&ResourceArns.member.1=*&ContextEntries.member.1.ContextKeyName=aws:SourceIp" +
			"&ContextEntries.member.1.ContextKeyValues.member.1=192.0.2.1&ContextEntries.member.1.ContextKeyType=ip",
		"ActionNames.member.1=x&ContextEntries.member.1.ContextKeyType=dateList&ContextEntries.member.1.ContextKeyValues.member.1=nope",
		"PolicyInputList.member.1=%7B%7D&PermissionsBoundaryPolicyInputList.member.1=x&MaxItems=0",
		"MaxItems=-1&Marker=%%%",
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
		_, _ = listParam(c, "ActionNames")
		_, _ = tagsParam(c)
		_, _, _, _ = page(c, []string{"a", "b", "c"}, func(s string) string { return s })
		_, _ = simulationParams(c)
		_, _ = contextEntriesParam(c)
	})
}
