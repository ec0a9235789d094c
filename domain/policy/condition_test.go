package policy

import (
	"fmt"
	"testing"
)

// TestConditionOperators pins each operator's semantics (IAM user guide, "IAM JSON policy
// elements: Condition operators",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// Each row is one condition `{op: {key: values}}` in an Allow statement and a request context;
// want says whether the statement applies.
func TestConditionOperators(t *testing.T) {
	tests := []struct {
		op, key, values string // values is the JSON value
		ctx             []string
		want            bool
	}{
		// String operators: case-sensitive, values OR-ed.
		{"StringEquals", "aws:username", `["alice","bob"]`, []string{"aws:username", "bob"}, true},
		{"StringEquals", "aws:username", `"alice"`, []string{"aws:username", "Alice"}, false},
		{"StringEquals", "aws:username", `"al*"`, []string{"aws:username", "alice"}, false}, // no wildcards
		{"StringEquals", "aws:username", `"alice"`, nil, false},
		{"StringNotEquals", "aws:username", `["alice","bob"]`, []string{"aws:username", "carol"}, true},
		{"StringNotEquals", "aws:username", `["alice","bob"]`, []string{"aws:username", "bob"}, false},
		{"StringNotEquals", "aws:username", `"alice"`, nil, true}, // negated operators hold for absent keys
		{"StringEqualsIgnoreCase", "aws:username", `"alice"`, []string{"aws:username", "ALICE"}, true},
		{"StringNotEqualsIgnoreCase", "aws:username", `"alice"`, []string{"aws:username", "ALICE"}, false},
		{"StringLike", "s3:prefix", `"home/*/a?c"`, []string{"s3:prefix", "home/x/y/abc"}, true},
		{"StringLike", "s3:prefix", `"home/*/a?c"`, []string{"s3:prefix", "home/x/abbc"}, false},
		{"StringLike", "s3:prefix", `"a?c"`, []string{"s3:prefix", "aéc"}, true}, // ? is one character, not one byte
		{"StringLike", "s3:prefix", `"Home/*"`, []string{"s3:prefix", "home/x"}, false},
		{"StringNotLike", "s3:prefix", `"home/*"`, []string{"s3:prefix", "etc/x"}, true},
		{"StringNotLike", "s3:prefix", `"home/*"`, []string{"s3:prefix", "home/x"}, false},
		// Numeric.
		{"NumericEquals", "s3:max-keys", `"10"`, []string{"s3:max-keys", "10.0"}, true},
		{"NumericNotEquals", "s3:max-keys", `10`, []string{"s3:max-keys", "11"}, true},
		{"NumericLessThan", "s3:max-keys", `10`, []string{"s3:max-keys", "10"}, false},
		{"NumericLessThanEquals", "s3:max-keys", `10`, []string{"s3:max-keys", "10"}, true},
		{"NumericGreaterThan", "s3:max-keys", `10`, []string{"s3:max-keys", "10.5"}, true},
		{"NumericGreaterThanEquals", "s3:max-keys", `10`, []string{"s3:max-keys", "9"}, false},
		{"NumericLessThan", "s3:max-keys", `10`, []string{"s3:max-keys", "ten"}, false}, // unparsable request value
		// Dates: ISO 8601 and epoch seconds on either side.
		{"DateLessThan", "aws:CurrentTime", `"2020-06-30T23:59:59Z"`, []string{"aws:CurrentTime", "2020-06-30T23:59:58Z"}, true},
		{"DateLessThan", "aws:CurrentTime", `"2020-06-30T23:59:59Z"`, []string{"aws:CurrentTime", "1593561599"}, false}, // equal, as epoch
		{"DateLessThanEquals", "aws:CurrentTime", `"1593561599"`, []string{"aws:CurrentTime", "2020-06-30T23:59:59Z"}, true},
		{"DateEquals", "aws:EpochTime", `"2020-06-30T23:59:59+00:00"`, []string{"aws:EpochTime", "1593561599"}, true},
		{"DateNotEquals", "aws:EpochTime", `"2020-06-30"`, []string{"aws:EpochTime", "1593561599"}, true},
		{"DateGreaterThan", "aws:CurrentTime", `"2020-06-30"`, []string{"aws:CurrentTime", "2020-06-30T00:00:01Z"}, true},
		{"DateGreaterThanEquals", "aws:CurrentTime", `"2020-06-30T12:00:00+02:00"`, []string{"aws:CurrentTime", "2020-06-30T10:00:00Z"}, true},
		// Bool.
		{"Bool", "aws:SecureTransport", `true`, []string{"aws:SecureTransport", "true"}, true},
		{"Bool", "aws:SecureTransport", `"false"`, []string{"aws:SecureTransport", "true"}, false},
		{"Bool", "aws:SecureTransport", `"false"`, nil, false},
		{"BoolIfExists", "aws:MultiFactorAuthPresent", `"true"`, nil, true},
		// Binary.
		{"BinaryEquals", "x:bin", `"QmluYXJ5VmFsdWU="`, []string{"x:bin", "QmluYXJ5VmFsdWU="}, true},
		{"BinaryEquals", "x:bin", `"QmluYXJ5VmFsdWU="`, []string{"x:bin", "b3RoZXI="}, false},
		// IP addresses, IPv4 and IPv6.
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, []string{"aws:SourceIp", "203.0.113.9"}, true},
		{"IpAddress", "aws:SourceIp", `"203.0.113.9"`, []string{"aws:SourceIp", "203.0.113.9"}, true},
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, []string{"aws:SourceIp", "::ffff:203.0.113.9"}, true},
		{"IpAddress", "aws:SourceIp", `"2001:DB8:1234:5678::/64"`, []string{"aws:SourceIp", "2001:db8:1234:5678::1"}, true},
		{"IpAddress", "aws:SourceIp", `"2001:DB8:1234:5678::/64"`, []string{"aws:SourceIp", "2001:db8:1234:5679::1"}, false},
		{"IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, []string{"aws:SourceIp", "not-an-ip"}, false},
		{"NotIpAddress", "aws:SourceIp", `["203.0.113.0/24","2001:DB8::/32"]`, []string{"aws:SourceIp", "198.51.100.1"}, true},
		{"NotIpAddress", "aws:SourceIp", `["203.0.113.0/24","2001:DB8::/32"]`, []string{"aws:SourceIp", "2001:db8::5"}, false},
		// ARNs: each of the six components matched on its own.
		{"ArnLike", "aws:SourceArn", `"arn:aws:iam::*:role/*"`, []string{"aws:SourceArn", "arn:aws:iam::111122223333:role/path/R"}, true},
		{"ArnLike", "aws:SourceArn", `"arn:aws:iam::*"`, []string{"aws:SourceArn", "arn:aws:iam::111122223333:role/R"}, true}, // fewer than six parts: whole-string glob
		{"ArnLike", "aws:SourceArn", `"arn:aws:*:us-east-1:111122223333:*"`, []string{"aws:SourceArn", "arn:aws:s3:us-east-1:111122223333:x:y"}, true},
		{"ArnLike", "aws:SourceArn", `"arn:aws:s3:*:111122223333:*"`, []string{"aws:SourceArn", "arn:aws:s3:us-east-1:999:111122223333:x"}, false}, // * does not cross a colon
		{"ArnEquals", "aws:SourceArn", `"arn:aws:sns:us-*:111122223333:topic"`, []string{"aws:SourceArn", "arn:aws:sns:us-west-2:111122223333:topic"}, true},
		{"ArnEquals", "aws:SourceArn", `"arn:aws:sns:us-west-2:111122223333:Topic"`, []string{"aws:SourceArn", "arn:aws:sns:us-west-2:111122223333:topic"}, false},
		{"ArnNotLike", "aws:SourceArn", `"arn:aws:sns:*:111122223333:*"`, []string{"aws:SourceArn", "arn:aws:sns:us-west-2:444455556666:t"}, true},
		{"ArnNotEquals", "aws:SourceArn", `"arn:aws:sns:*:111122223333:*"`, []string{"aws:SourceArn", "arn:aws:sns:us-west-2:111122223333:t"}, false},
		// Null.
		{"Null", "aws:TokenIssueTime", `"true"`, nil, true},
		{"Null", "aws:TokenIssueTime", `"true"`, []string{"aws:TokenIssueTime", "2020-01-01T00:00:00Z"}, false},
		{"Null", "aws:TokenIssueTime", `"false"`, []string{"aws:TokenIssueTime", "2020-01-01T00:00:00Z"}, true},
		{"Null", "aws:TokenIssueTime", `false`, nil, false},
		// ...IfExists.
		{"StringEqualsIfExists", "ec2:InstanceType", `"t2.micro"`, nil, true},
		{"StringEqualsIfExists", "ec2:InstanceType", `"t2.micro"`, []string{"ec2:InstanceType", "m5.large"}, false},
		{"NumericLessThanIfExists", "s3:max-keys", `10`, []string{"s3:max-keys", "5"}, true},
		// Multivalued keys without a set operator: positive = any value matches, negated = none.
		{"StringEquals", "aws:TagKeys", `"a"`, []string{"aws:TagKeys", "b|a"}, true},
		{"StringNotEquals", "aws:TagKeys", `"a"`, []string{"aws:TagKeys", "b|a"}, false},
		// Set operators.
		{"ForAllValues:StringLike", "aws:TagKeys", `["env*","team"]`, []string{"aws:TagKeys", "env-x|team"}, true},
		{"ForAllValues:StringLike", "aws:TagKeys", `["env*","team"]`, []string{"aws:TagKeys", "env-x|cost"}, false},
		{"ForAllValues:StringLike", "aws:TagKeys", `["env*"]`, nil, true},
		{"ForAnyValue:StringLike", "aws:TagKeys", `["env*"]`, []string{"aws:TagKeys", "cost|env-x"}, true},
		{"ForAnyValue:StringLike", "aws:TagKeys", `["env*"]`, nil, false},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", `["a","b"]`, []string{"aws:TagKeys", "a|c"}, true},
		{"ForAnyValue:StringNotEquals", "aws:TagKeys", `["a","b"]`, []string{"aws:TagKeys", "a|b"}, false},
		{"ForAllValues:StringNotEquals", "aws:TagKeys", `["a","b"]`, []string{"aws:TagKeys", "c|d"}, true},
		{"ForAllValues:StringNotEquals", "aws:TagKeys", `["a","b"]`, []string{"aws:TagKeys", "c|a"}, false},
		{"ForAnyValue:StringEqualsIgnoreCase", "kms:ResourceAliases", `"alias/ProjectAlpha"`, []string{"kms:ResourceAliases", "alias/x|alias/projectalpha"}, true},
		// Condition key names are case-insensitive.
		{"StringEquals", "AWS:USERNAME", `"alice"`, []string{"aws:username", "alice"}, true},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%d_%s", i, tt.op), func(t *testing.T) {
			doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{%q:{%q:%s}}}}`, tt.op, tt.key, tt.values)
			p := mustParse(t, doc, KindIdentity)
			got := p.Evaluate(req(Principal{Type: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/u", Account: acct}, "x:Y", "", tt.ctx...)).Outcome == Allow
			if got != tt.want {
				t.Errorf("%s {%s: %s} with context %q: applies = %v, want %v", tt.op, tt.key, tt.values, tt.ctx, got, tt.want)
			}
		})
	}
}

// TestConditionsAreANDedAcrossKeysAndOperators: every key of every operator must hold.
func TestConditionsAreANDedAcrossKeysAndOperators(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{
		"StringEquals":{"kms:EncryptionContext:Dept":"IT","kms:CallerAccount":"111122223333"},
		"Bool":{"aws:SecureTransport":"true"}}}}`, KindIdentity)
	all := []string{"kms:EncryptionContext:Dept", "IT", "kms:CallerAccount", acct, "aws:SecureTransport", "true"}
	if got := p.Evaluate(req(alice, "kms:Decrypt", keyARN, all...)).Outcome; got != Allow {
		t.Fatalf("all conditions hold: %v", got)
	}
	for i := 0; i < len(all); i += 2 {
		partial := append(append([]string{}, all[:i]...), all[i+2:]...)
		if got := p.Evaluate(req(alice, "kms:Decrypt", keyARN, partial...)).Outcome; got != NotApplicable {
			t.Errorf("without %s: %v, want NotApplicable", all[i], got)
		}
	}
}

// TestVariablesInConditions: substitution in condition values, the escapes ${*} ${?} ${$}, and
// an unresolvable variable voiding the statement rather than satisfying a negated operator.
func TestVariablesInConditions(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"Own","Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Owner":"${aws:username}"}}},
		{"Sid":"Lit","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"kms:EncryptionContext:Path":"${*}${?}${$}/*"}}},
		{"Sid":"Deny","Effect":"Deny","Action":"kms:Sign","Resource":"*","Condition":{"StringNotEquals":{"kms:EncryptionContext:Owner":"${aws:username}"}}}]}`, KindIdentity)
	cases := []struct {
		name string
		r    *Request
		want Outcome
	}{
		{"own context", req(alice, "kms:Encrypt", keyARN, "kms:EncryptionContext:Owner", "alice"), Allow},
		{"another owner", req(alice, "kms:Encrypt", keyARN, "kms:EncryptionContext:Owner", "bob"), NotApplicable},
		{"escapes are literal", req(alice, "kms:Decrypt", keyARN, "kms:EncryptionContext:Path", "*?$/x"), Allow},
		{"escapes are not wildcards", req(alice, "kms:Decrypt", keyARN, "kms:EncryptionContext:Path", "ab$/x"), NotApplicable},
		{"negated operator with the variable resolved", req(alice, "kms:Sign", keyARN, "kms:EncryptionContext:Owner", "bob"), ExplicitDeny},
		{"negated operator with the variable unresolved voids the statement", req(exampleRole, "kms:Sign", keyARN, "kms:EncryptionContext:Owner", "bob"), NotApplicable},
	}
	for _, c := range cases {
		if got := p.Evaluate(c.r).Outcome; got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Under the 2008 grammar the same text is literal.
	old := mustParse(t, `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"kms:EncryptionContext:Owner":"${aws:username}"}}}}`, KindIdentity)
	if got := old.Evaluate(req(alice, "kms:Encrypt", keyARN, "kms:EncryptionContext:Owner", "${aws:username}")).Outcome; got != Allow {
		t.Errorf("2008-10-17 substituted a variable: %v", got)
	}
}

// TestNotActionNotResource: the Not forms match everything except what they list.
func TestNotActionNotResource(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllButIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"},
		{"Sid":"DenyOutsideKeys","Effect":"Deny","Action":"kms:*","NotResource":"arn:aws:kms:*:111122223333:key/*"}]}`, KindIdentity)
	cases := []struct {
		action, resource string
		want             Outcome
	}{
		{"kms:Encrypt", keyARN, Allow},
		{"iam:CreateUser", "arn:aws:iam::111122223333:user/x", NotApplicable},
		{"kms:Encrypt", "arn:aws:kms:us-east-2:444455556666:key/x", ExplicitDeny},
		{"kms:CreateAlias", "arn:aws:kms:us-east-2:111122223333:alias/x", ExplicitDeny},
		{"s3:GetObject", "arn:aws:s3:::b/k", Allow},
	}
	for _, c := range cases {
		if got := p.Evaluate(req(alice, c.action, c.resource)).Outcome; got != c.want {
			t.Errorf("%s on %s: %v, want %v", c.action, c.resource, got, c.want)
		}
	}
}

// TestSetEncryptionContext: the pairs become condition keys, and a context whose keys differ only
// in case is refused instead of giving kms:EncryptionContext:<key> two values.
func TestSetEncryptionContext(t *testing.T) {
	c := NewContext()
	if err := c.SetEncryptionContext(map[string]string{"Dept": "IT", "purpose": "backup"}); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("kms:EncryptionContextKeys"); len(got) != 2 || got[0] != "Dept" || got[1] != "purpose" {
		t.Errorf("kms:EncryptionContextKeys = %q", got)
	}
	if got := c.Get("KMS:ENCRYPTIONCONTEXT:dept"); len(got) != 1 || got[0] != "IT" {
		t.Errorf("kms:EncryptionContext:Dept = %q", got)
	}
	if err := NewContext().SetEncryptionContext(map[string]string{"tenant": "evil", "Tenant": "acme"}); err != ErrAmbiguousContext {
		t.Errorf("colliding keys: err = %v, want ErrAmbiguousContext", err)
	}
}

// TestBoolWithVariable: Bool values may hold policy variables; they resolve at evaluation.
func TestBoolWithVariable(t *testing.T) {
	p := mustParse(t, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/needs-tls}"}}}}`, KindIdentity)
	tagged := func(v string) Principal {
		u := user(acct, "t")
		u.Tags = map[string]string{"needs-tls": v}
		return u
	}
	cases := []struct {
		p    Principal
		tls  string
		want Outcome
	}{
		{tagged("TRUE"), "true", Allow},
		{tagged("true"), "false", NotApplicable},
		{tagged("false"), "false", Allow},
		{alice, "true", NotApplicable}, // unresolved
	}
	for i, c := range cases {
		if got := p.Evaluate(req(c.p, "x:Y", "", "aws:SecureTransport", c.tls)).Outcome; got != c.want {
			t.Errorf("case %d: %v, want %v", i, got, c.want)
		}
	}
	if _, err := Parse(`{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"${aws:x}"}}}}`, ParseOptions{Kind: KindIdentity}); err == nil {
		t.Error("without Version 2012-10-17, a Bool value must be true or false")
	}
}
