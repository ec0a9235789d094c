package policy

import (
	"reflect"
	"testing"
)

// checkRoundTrip marshals p canonically, parses the result with the same options, and requires
// the same compiled policy; a second marshal must give the same bytes.
func checkRoundTrip(t *testing.T, p *Policy, opts ParseOptions) {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatalf("MarshalJSON: %v", err)
	}
	q, err := Parse(string(b), opts)
	if err != nil {
		t.Fatalf("canonical form does not parse: %v\n%s", err, b)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip changed the compiled policy:\n%s", b)
	}
	b2, _ := q.MarshalJSON()
	if string(b) != string(b2) {
		t.Fatalf("canonical form is not stable:\n%s\n%s", b, b2)
	}
}

// FuzzParse: Parse never panics on any input, and whatever it accepts survives
// parse → canonical marshal → parse unchanged, for every policy kind. Seeds are the corpus in
// testdata/fuzz/FuzzParse (edge cases of the grammar) plus the AWS examples the other tests use.
func FuzzParse(f *testing.F) {
	for _, ex := range awsExamples {
		f.Add(ex.doc, uint8(ex.kind))
	}
	f.Fuzz(func(t *testing.T, doc string, kind uint8) {
		opts := ParseOptions{Kind: Kind((int(kind)+3)%4 + 1), Name: "fuzz", MaxBytes: 32768}
		p, err := Parse(doc, opts)
		if err != nil {
			return
		}
		checkRoundTrip(t, p, opts)
		// Evaluation must not panic either, whatever the policy and request.
		r := req(roleSession(acct, "R", "s"), "kms:Encrypt", keyARN,
			"kms:EncryptionContextKeys", "a|b", "aws:SourceIp", "10.1.2.3", "aws:CurrentTime", "2026-01-01T00:00:00Z")
		p.Evaluate(r)
	})
}
