package policy

import (
	"errors"
	"strings"
	"testing"
)

// TestParseRefuses pins every refusal to a message that names the problem, and checks each
// wraps ErrMalformed (mapped to MalformedPolicyDocument by package api).
func TestParseRefuses(t *testing.T) {
	const okStmt = `{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}`
	tests := []struct {
		name string
		kind Kind
		doc  string
		want string
	}{
		{"not JSON", KindIdentity, `{"Version":`, "invalid JSON"},
		{"trailing data", KindIdentity, `{"Statement":` + okStmt + `} {}`, "unexpected data after"},
		{"array document", KindIdentity, `[` + okStmt + `]`, "must be a JSON object"},
		{"duplicate top-level key", KindIdentity, `{"Statement":` + okStmt + `,"Statement":` + okStmt + `}`, `duplicate key "Statement"`},
		{"duplicate statement key", KindIdentity, `{"Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}`, `duplicate key "Effect"`},
		{"duplicate key differing in case", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","action":"*","Resource":"*"}}`, `duplicate key "action"`},
		{"duplicate condition key", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}}}`, `duplicate key "AWS:UserName"`},
		{"unknown top-level element", KindIdentity, `{"Statement":` + okStmt + `,"Statment":[]}`, `unknown element "Statment" in the policy document`},
		{"unknown statement element", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Conditions":{}}}`, `Statement[0]: unknown element "Conditions"`},
		{"bad version", KindIdentity, `{"Version":"2012-10-18","Statement":` + okStmt + `}`, `invalid Version "2012-10-18"`},
		{"no statement", KindIdentity, `{"Version":"2012-10-17"}`, "no Statement"},
		{"empty statement", KindIdentity, `{"Statement":[]}`, "Statement must not be empty"},
		{"statement not object", KindIdentity, `{"Statement":["x"]}`, "Statement[0] must be an object"},
		{"lowercase effect", KindIdentity, `{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}`, `Statement[0]: invalid Effect "allow"`},
		{"missing effect", KindIdentity, `{"Statement":{"Action":"*","Resource":"*"}}`, "missing required element Effect"},
		{"missing action", KindIdentity, `{"Statement":{"Effect":"Allow","Resource":"*"}}`, "missing required element Action"},
		{"action and notaction", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}`, "Action and NotAction cannot both"},
		{"action without vendor", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"Encrypt","Resource":"*"}}`, `invalid Action "Encrypt"`},
		{"empty action array", KindIdentity, `{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, "Action must not be an empty array"},
		{"numeric action", KindIdentity, `{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}`, "Action must contain only strings"},
		{"missing resource", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*"}}`, "missing required element Resource"},
		{"resource not arn", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"key/abc"}}`, `invalid Resource "key/abc"`},
		{"principal in identity policy", KindIdentity, `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`, "must not specify a Principal"},
		{"missing principal in key policy", KindResource, `{"Statement":` + okStmt + `}`, "missing required element Principal"},
		{"wildcard inside principal arn", KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*"}}`, "wildcards are allowed only"},
		{"bad principal string", KindResource, `{"Statement":{"Effect":"Allow","Principal":"111122223333","Action":"*","Resource":"*"}}`, `bare string principal must be "*"`},
		{"canonical user", KindResource, `{"Statement":{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, "CanonicalUser is not supported"},
		{"unknown principal type", KindResource, `{"Statement":{"Effect":"Allow","Principal":{"Azure":"x"},"Action":"*","Resource":"*"}}`, `unknown Principal type "Azure"`},
		{"short account id", KindResource, `{"Statement":{"Effect":"Allow","Principal":{"AWS":"12345"},"Action":"*","Resource":"*"}}`, `invalid Principal "12345"`},
		{"invalid operator", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}}`, `invalid condition operator "StringEqualz"`},
		{"null with IfExists", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"aws:username":"true"}}}}`, `invalid condition operator "NullIfExists"`},
		{"bad set prefix", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSomeValues:StringLike":{"aws:TagKeys":"a"}}}}`, `invalid condition operator "ForSomeValues:StringLike"`},
		{"condition key without prefix", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}}`, `invalid condition key "username"`},
		{"empty condition values", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}}}`, "at least one value"},
		{"null condition value", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":null}}}}`, "not null"},
		{"bad number", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}}`, `value "ten" for s3:max-keys is not a number`},
		{"bad date", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}}}`, "is not an ISO 8601 date"},
		{"bad cidr", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}}`, "is not an IP address or CIDR block"},
		{"bad bool", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}}`, "is not true or false"},
		{"bad base64", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"BinaryEquals":{"x:bin":"@@"}}}}`, "is not base64"},
		{"bad variable default", KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username, none}/*"}}`, "default value must be in single quotes"},
		{"duplicate sid", KindIdentity, `{"Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}`, `duplicate Sid "A"`},
		{"too deep", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":[[[[["x"]]]]]}}}}`, "nested deeper"},
		{"invalid utf8", KindIdentity, "{\"Statement\":{\"Sid\":\"\xff\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.doc, ParseOptions{Kind: tt.kind})
			if err == nil {
				t.Fatalf("Parse accepted %s", tt.doc)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestParseSizeLimit: the caller's limit is enforced in characters, optionally without white
// space (IAM), and the error is ErrTooLarge, not ErrMalformed.
func TestParseSizeLimit(t *testing.T) {
	doc := `{"Statement": {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}}`
	compact := strings.Join(strings.Fields(doc), "")
	if _, err := Parse(doc, ParseOptions{Kind: KindIdentity, MaxLength: len(doc)}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := Parse(doc, ParseOptions{Kind: KindIdentity, MaxLength: len(doc) - 1})
	if !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrMalformed) {
		t.Fatalf("one over the limit: err = %v, want ErrTooLarge only", err)
	}
	if _, err := Parse(doc, ParseOptions{Kind: KindIdentity, MaxLength: len(compact), IgnoreWhitespace: true}); err != nil {
		t.Fatalf("IAM counting ignores white space: %v", err)
	}
	// Characters, not bytes: a 32,768-character key policy with multi-byte characters fits.
	sid := strings.Repeat("é", 100)
	doc2 := `{"Statement":{"Sid":"` + sid + `","Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}`
	if _, err := Parse(doc2, ParseOptions{Kind: KindResource, MaxLength: len(doc2) - 100}); err != nil {
		t.Fatalf("limit counted bytes, not characters: %v", err)
	}
	// Bytes, for KMS's 32 KB key policy limit.
	if _, err := Parse(doc2, ParseOptions{Kind: KindResource, MaxBytes: len(doc2)}); err != nil {
		t.Fatalf("at the byte limit: %v", err)
	}
	if _, err := Parse(doc2, ParseOptions{Kind: KindResource, MaxBytes: len(doc2) - 1}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: err = %v, want ErrTooLarge", err)
	}
	if _, err := Parse(doc, ParseOptions{}); err == nil {
		t.Fatal("Parse accepted the zero Kind")
	}
}

// TestParseAcceptsForms: the alternative spellings AWS allows compile to the same policy.
func TestParseAcceptsForms(t *testing.T) {
	a := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:Encrypt","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}}`, KindResource)
	b := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Condition":{"NumericLessThan":{"s3:max-keys":["10"]},"Bool":{"aws:SecureTransport":"true"}},"Resource":["*"],"Action":["kms:Encrypt"],"Principal":{"AWS":["111122223333"]},"Effect":"Allow"}]}`, KindResource)
	ja, _ := a.MarshalJSON()
	jb, _ := b.MarshalJSON()
	if string(ja) != string(jb) {
		t.Errorf("equivalent documents marshal differently:\n%s\n%s", ja, jb)
	}
	// Sids with spaces (KMS default key policies use them), Id, 2008 version, NotPrincipal,
	// NotAction, NotResource, Service and Federated principals.
	mustParse(t, `{"Version":"2008-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:sts::111122223333:assumed-role/R/s"]},"NotAction":"kms:Decrypt","NotResource":"arn:aws:kms:*:111122223333:key/*"},{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`, KindTrust)
}

// TestMarshalRoundTrip: parse(marshal(p)) compiles to exactly p, including variables and the
// wildcard principal.
func TestMarshalRoundTrip(t *testing.T) {
	docs := []string{
		`{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s1","Effect":"Allow","Principal":"*","Action":["kms:Encrypt","kms:Gen*"],"Resource":"arn:aws:kms:us-east-2:111122223333:key/${aws:username, 'it''s'}","Condition":{"StringLike":{"kms:EncryptionContext:Dept":"IT-${*}?"},"ForAnyValue:StringEquals":{"kms:EncryptionContextKeys":["a","b"]}}}]}`,
		`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333","Service":["s3.amazonaws.com"]},"Action":"*","NotResource":"*"}}`,
	}
	for _, doc := range docs {
		p := mustParse(t, doc, KindResource)
		checkRoundTrip(t, p, ParseOptions{Kind: KindResource, Name: "test-policy"})
	}
}
