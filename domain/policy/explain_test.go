package policy

import (
	"reflect"
	"testing"
)

func TestStatementSpans(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n      \"Sid\": \"A\", \"Effect\": \"Allow\", \"Action\": \"kms:*\", \"Resource\": \"*\"\n    },\n    {\"Sid\": \"é\", \"Effect\": \"Deny\", \"Action\": [\"kms:Decrypt\"], \"Resource\": \"*\"}\n  ]\n}"
	if _, err := Parse(doc, ParseOptions{Kind: KindIdentity}); err != nil {
		t.Fatal(err)
	}
	got := StatementSpans(doc)
	want := []Span{
		{Start: Position{3, 17}, End: Position{5, 6}},
		{Start: Position{6, 5}, End: Position{6, 79}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("spans: got %+v, want %+v", got, want)
	}
	single := `{"Statement":{"Effect":"Allow","Action":"kms:*","Resource":"*"},"Version":"2012-10-17"}`
	if got := StatementSpans(single); !reflect.DeepEqual(got, []Span{{Start: Position{1, 14}, End: Position{1, 64}}}) {
		t.Fatalf("single statement: got %+v", got)
	}
	for _, bad := range []string{"", "[]", `{"Statement":`, `{"Statement":"x"}`, `{"Statement":[1]}`} {
		if got := StatementSpans(bad); got != nil {
			t.Errorf("StatementSpans(%q) = %+v, want nil", bad, got)
		}
	}
}

func TestApplicableAndConditionKeys(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Sid":"Enc","Effect":"Allow","Action":"kms:Encrypt","Resource":"*"},
		{"Sid":"Dec","Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*",
		 "Condition":{"StringEquals":{"kms:EncryptionContext:team":"cats"},"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"Other","Effect":"Deny","Action":"kms:ScheduleKeyDeletion","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`,
		ParseOptions{Kind: KindIdentity, Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := NewContext()
	r := &Request{Principal: Principal{Type: PrincipalUser, Account: "111122223333"}, Action: "kms:Encrypt", Resource: "*", Context: ctx}
	if got := p.ConditionKeys(r); !reflect.DeepEqual(got, []string{"aws:SecureTransport", "kms:EncryptionContext:team"}) {
		t.Fatalf("ConditionKeys: got %q", got)
	}
	if got := p.Applicable(r); len(got) != 1 || got[0].Sid != "Enc" {
		t.Fatalf("Applicable without context: got %+v", got)
	}
	ctx.Set("kms:EncryptionContext:team", "cats")
	ctx.Set("aws:SecureTransport", "true")
	got := p.Applicable(r)
	if len(got) != 2 || got[1].Sid != "Dec" || got[1].Index != 1 || p.EffectOf(got[1]) != EffectAllow {
		t.Fatalf("Applicable with context: got %+v", got)
	}
	if p.EffectOf(StatementRef{Policy: "other", Index: 0}) != EffectInvalid {
		t.Fatal("EffectOf a statement of another policy")
	}
	// Every statement's keys, whatever the request: Other's too.
	if got := p.AppendConditionKeys(nil, map[string]bool{}); !reflect.DeepEqual(got, []string{"aws:SecureTransport", "kms:EncryptionContext:team", "aws:SourceIp"}) {
		t.Fatalf("AppendConditionKeys: got %q", got)
	}
}

func TestAppendConditionKeysOnceWhateverTheCase(t *testing.T) {
	p, err := Parse(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Team":"cats"}}},
		{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"KMS:ENCRYPTIONCONTEXT:TEAM":"c*"}}},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
		ParseOptions{Kind: KindIdentity, Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.AppendConditionKeys(nil, map[string]bool{}); !reflect.DeepEqual(got, []string{"kms:EncryptionContext:Team"}) {
		t.Fatalf("AppendConditionKeys: got %q, want the key once, as first written (no policy variables)", got)
	}
}

func TestValidContextValue(t *testing.T) {
	for _, c := range []struct {
		kind, v string
		ok      bool
	}{
		{"string", "anything", true}, {"numeric", "12.5", true}, {"numeric", "ten", false},
		{"boolean", "TRUE", true}, {"boolean", "yes", false}, {"ip", "192.0.2.1", true},
		{"ip", "10.0.0.0/8", false}, {"binary", "bWVvdw==", true}, {"binary", "%%", false},
		{"date", "2026-12-07T12:00:00Z", true}, {"date", "1765000000", true}, {"date", "yesterday", false},
		{"stringList", "x", false},
	} {
		if got := ValidContextValue(c.kind, c.v); got != c.ok {
			t.Errorf("ValidContextValue(%q, %q) = %v, want %v", c.kind, c.v, got, c.ok)
		}
	}
}
