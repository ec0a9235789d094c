package iam

import (
	"net/url"
	"testing"

	"github.com/keyhold/keyhold/api/query"
)

// TestEncodeDocumentRoundTrips: policy documents come back percent-encoded as IAM encodes them
// (only unreserved characters stay), and url.QueryUnescape, what SDK users apply, gives the
// document back byte for byte, spaces, pluses and non-ASCII included.
func TestEncodeDocumentRoundTrips(t *testing.T) {
	for _, doc := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`,
		"{\n  \"Sid\": \"a b+c/d~e\", \"x\": \"ünï\"\n}",
		"",
	} {
		enc := encodeDocument(doc)
		for _, ch := range enc {
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_' || ch == '.' || ch == '~' || ch == '%') {
				t.Fatalf("%q left %q unencoded", enc, ch)
			}
		}
		if got, err := url.QueryUnescape(enc); err != nil || got != doc {
			t.Fatalf("QueryUnescape(%q) = %q, %v", enc, got, err)
		}
	}
}

// TestPageMarkers: pages cover every item once, in order; a marker names the next item, so a
// page is stable when earlier items are removed; MaxItems outside 1..1000 is refused.
func TestPageMarkers(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	call := func(max, marker string) *query.Call {
		v := url.Values{}
		if max != "" {
			v.Set("MaxItems", max)
		}
		if marker != "" {
			v.Set("Marker", marker)
		}
		return &query.Call{Params: v}
	}
	id := func(s string) string { return s }
	var got []string
	marker := ""
	for i := 0; ; i++ {
		pg, next, trunc, err := page(call("2", marker), items, id)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, pg...)
		if !trunc {
			break
		}
		if i > 5 {
			t.Fatal("pagination does not end")
		}
		marker = next
	}
	if len(got) != 5 || got[4] != "e" {
		t.Fatalf("pages gave %v", got)
	}
	// The marker after the first page names "c": with "a" deleted meanwhile, the next page still
	// starts at "c".
	_, next, _, _ := page(call("2", ""), items, id)
	pg, _, _, _ := page(call("2", next), items[1:], id)
	if pg[0] != "c" {
		t.Fatalf("page after a delete starts at %q, want c", pg[0])
	}
	for _, bad := range []string{"0", "1001", "x", "-1"} {
		if _, _, _, err := page(call(bad, ""), items, id); err == nil {
			t.Errorf("MaxItems %q accepted", bad)
		}
	}
	if _, _, _, err := page(call("", "!!!"), items, id); err == nil {
		t.Error("a marker that is not base64 accepted")
	}
}

// TestVersionKeyOrdersNewestFirst: v10 lists before v9, v2 before v1.
func TestVersionKeyOrdersNewestFirst(t *testing.T) {
	if !(versionKey("v10") < versionKey("v9") && versionKey("v2") < versionKey("v1")) {
		t.Fatalf("keys: v10 %s v9 %s v2 %s v1 %s", versionKey("v10"), versionKey("v9"), versionKey("v2"), versionKey("v1"))
	}
}
