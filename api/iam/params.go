package iam

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/keyhold/keyhold/api/query"
	"github.com/keyhold/keyhold/domain"
	model "github.com/keyhold/keyhold/domain/iam"
)

// Pagination: IAM's MaxItems is 1 to 1000 and defaults to 100; Marker is opaque to clients.
const (
	defaultMaxItems = 100
	maxMaxItems     = 1000
	// maxListMembers bounds how many members a list parameter (Tags.member.N, TagKeys.member.N)
	// may have: more than the largest quota, so the quota's own error is the one a client sees.
	maxListMembers = 200
)

// page cuts items (sorted by key, unique keys) at the request's Marker and MaxItems. The
// marker names the first item of the next page, so that items added or removed between pages
// neither repeat nor shift what follows.
func page[T any](c *query.Call, items []T, key func(T) string) (out []T, marker string, truncated bool, err error) {
	max := defaultMaxItems
	if v := c.Param("MaxItems"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > maxMaxItems {
			return nil, "", false, query.Errorf(query.ErrValidation, "1 validation error detected: Value '"+v+"' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000")
		}
		max = n
	}
	start := 0
	if m := c.Param("Marker"); m != "" {
		b, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil {
			return nil, "", false, query.Errorf(query.ErrValidation, "Invalid Marker.")
		}
		from := string(b)
		for start < len(items) && key(items[start]) < from {
			start++
		}
	}
	end := start + max
	if end >= len(items) {
		return items[start:], "", false, nil
	}
	return items[start:end], base64.RawURLEncoding.EncodeToString([]byte(key(items[end]))), true, nil
}

// nameKey orders entities as the model lists them.
func nameKey(name string) string { return strings.ToLower(name) }

// listParam reads a Query-protocol list: Name.member.1, Name.member.2, ... up to the first gap.
func listParam(c *query.Call, name string) ([]string, error) {
	var out []string
	for i := 1; ; i++ {
		v, ok := c.Params[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out, nil
		}
		if i > maxListMembers {
			return nil, query.Errorf(query.ErrValidation, "Too many members in "+name+".")
		}
		out = append(out, v[0])
	}
}

// tagsParam reads Tags.member.N.Key / .Value.
func tagsParam(c *query.Call) ([]model.Tag, error) {
	var out []model.Tag
	for i := 1; ; i++ {
		p := "Tags.member." + strconv.Itoa(i) + "."
		k, ok := c.Params[p+"Key"]
		if !ok {
			return out, nil
		}
		if i > maxListMembers {
			return nil, query.Errorf(query.ErrValidation, "Too many tags.")
		}
		out = append(out, model.Tag{Key: k[0], Value: c.Param(p + "Value")})
	}
}

// date formats a time as IAM does (ISO 8601, UTC, seconds).
func date(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// encodeDocument percent-encodes a policy document as IAM returns it (RFC 3986: every byte but
// the unreserved characters), which the AWS CLI decodes for display and SDK users decode with
// url.QueryUnescape.
func encodeDocument(doc string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(doc); i++ {
		ch := doc[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

// caller is the request's authenticated caller (the pipeline attached it; never absent for a
// signed action, refused if it were).
func caller(ctx context.Context) (*domain.Caller, error) {
	c, ok := domain.CallerFrom(ctx)
	if !ok {
		return nil, &domain.Error{Kind: domain.ErrAccessDenied, Msg: "The request has no authenticated caller."}
	}
	return c, nil
}

func noSuchEntity(msg string) error { return &domain.Error{Kind: domain.ErrNotFound, Msg: msg} }

// callerUserName is the name of the IAM user making the request, or "" for an account's root
// (AWS's rule for the actions whose UserName defaults to the caller).
func (h *handlers) callerUserName(ctx context.Context) (string, error) {
	who, err := caller(ctx)
	if err != nil {
		return "", err
	}
	if who.Principal.Type != policyUser {
		if who.Principal.Type == policyRoot {
			return "", nil
		}
		return "", query.Errorf(query.ErrValidation, "Must specify userName when calling with non-User credentials")
	}
	var name string
	err = h.svc.IAMRead(ctx, func(acct string, st *model.Store) error {
		if u := st.UserByID(acct, who.Principal.UserID); u != nil {
			name = u.Name
			return nil
		}
		return noSuchEntity("The user making the request no longer exists.")
	})
	return name, err
}
