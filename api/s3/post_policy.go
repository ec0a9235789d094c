package s3

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// POST Object policies (browser uploads). The form's "policy" field is a base64 JSON document
//
//	{"expiration": "2026-12-30T12:00:00.000Z",
//	 "conditions": [{"bucket": "b"}, ["starts-with", "$key", "user/"], ["content-length-range", 1, 1048576], ...]}
//
// whose SigV4 signature is the form's x-amz-signature. Every form field but the signature, the
// file, the policy and x-ignore-* fields must be allowed by a condition; the conditions are
// checked against the fields as sent (so a key condition sees "${filename}" literally), and the
// bucket condition against the bucket the form is posted to.

// maxPolicySize bounds the decoded policy document (S3 bounds the whole form before the file
// to 20 KB).
const maxPolicySize = 20 << 10

// maxPolicyConditions bounds how many conditions a policy may carry.
const maxPolicyConditions = 256

// postPolicy is a parsed POST policy.
type postPolicy struct {
	expiration time.Time
	conds      []policyCondition
	// minLen and maxLen are the content-length-range, when the policy has one.
	hasRange       bool
	minLen, maxLen int64
}

// policyCondition is an eq or starts-with condition on one form field (lower-case name).
type policyCondition struct {
	op, field, value string
	text             string // the condition as written, for the error message
}

var errPolicy = errors.New("api: s3: POST policy")

// policyErr is AccessDenied "Invalid according to Policy: <why>", as S3 words it.
func policyErr(why string) error {
	return s3Err(errPolicy, "Invalid according to Policy: "+why)
}

// invalidPolicy is a policy document S3 cannot read: 400 InvalidPolicyDocument.
var errInvalidPolicyDocument = errors.New("api: s3: invalid POST policy document")

func invalidPolicy(why string) error {
	return s3Err(errInvalidPolicyDocument, "Invalid Policy: "+why)
}

// parsePostPolicy decodes and parses the base64 policy document.
func parsePostPolicy(b64 string) (*postPolicy, error) {
	if len(b64) > base64.StdEncoding.EncodedLen(maxPolicySize) {
		return nil, invalidPolicy("Policy document too large.")
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, invalidPolicy("Invalid Base64 encoding.")
	}
	var doc struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, invalidPolicy("Invalid JSON.")
	}
	if doc.Expiration == nil {
		return nil, invalidPolicy("Policy missing expiration.")
	}
	p := &postPolicy{}
	if p.expiration, err = time.Parse(time.RFC3339, *doc.Expiration); err != nil {
		return nil, invalidPolicy("Invalid 'expiration' value: '" + *doc.Expiration + "'")
	}
	if doc.Conditions == nil {
		return nil, invalidPolicy("Policy missing conditions.")
	}
	if len(doc.Conditions) > maxPolicyConditions {
		return nil, invalidPolicy("Too many conditions.")
	}
	for _, rc := range doc.Conditions {
		if err := p.addCondition(rc); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *postPolicy) addCondition(rc json.RawMessage) error {
	var obj map[string]any
	if json.Unmarshal(rc, &obj) == nil && obj != nil {
		if len(obj) != 1 {
			return invalidPolicy("Condition must have exactly one field.")
		}
		for k, v := range obj {
			s, ok := v.(string)
			if !ok {
				return invalidPolicy("Condition value must be a string: " + k)
			}
			p.conds = append(p.conds, policyCondition{op: "eq", field: strings.ToLower(k), value: s, text: string(rc)})
		}
		return nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(rc, &arr); err != nil || len(arr) != 3 {
		return invalidPolicy("Invalid condition: " + truncate(string(rc)))
	}
	var op string
	if json.Unmarshal(arr[0], &op) != nil {
		return invalidPolicy("Invalid condition operator.")
	}
	switch strings.ToLower(op) {
	case "eq", "starts-with":
		var field, value string
		if json.Unmarshal(arr[1], &field) != nil || json.Unmarshal(arr[2], &value) != nil || !strings.HasPrefix(field, "$") {
			return invalidPolicy("Invalid condition: " + truncate(string(rc)))
		}
		p.conds = append(p.conds, policyCondition{op: strings.ToLower(op), field: strings.ToLower(field[1:]), value: value, text: string(rc)})
	case "content-length-range":
		lo, err1 := policyInt(arr[1])
		hi, err2 := policyInt(arr[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return invalidPolicy("Invalid content-length-range condition.")
		}
		p.hasRange, p.minLen, p.maxLen = true, lo, hi
	default:
		return invalidPolicy("Invalid condition operator: " + truncate(op))
	}
	return nil
}

// policyInt reads a content-length-range bound: a JSON integer, or a string holding one.
func policyInt(raw json.RawMessage) (int64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
		n = json.Number(s)
	}
	return n.Int64()
}

func truncate(s string) string {
	if len(s) > 128 {
		return s[:128] + "..."
	}
	return s
}

// check applies the policy to the form fields (lower-case names, values as sent) at now.
func (p *postPolicy) check(fields map[string]string, now time.Time) error {
	if !now.Before(p.expiration) {
		return policyErr("Policy expired.")
	}
	covered := map[string]bool{}
	for _, c := range p.conds {
		v, ok := fields[c.field]
		covered[c.field] = true
		switch {
		case !ok && !(c.op == "starts-with" && c.value == ""):
			return policyErr("Policy Condition failed: " + truncate(c.text))
		case c.op == "eq" && v != c.value:
			return policyErr("Policy Condition failed: " + truncate(c.text))
		case c.op == "starts-with" && !startsWithAny(c.field, v, c.value):
			return policyErr("Policy Condition failed: " + truncate(c.text))
		}
	}
	var extra []string
	for name := range fields {
		switch {
		case covered[name], name == "x-amz-signature", name == "policy", name == "file", name == "bucket",
			strings.HasPrefix(name, "x-ignore-"):
		default:
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		return policyErr(fmt.Sprintf("Extra input fields: %s", strings.Join(slices.Sorted(slices.Values(extra)), ", ")))
	}
	return nil
}

// startsWithAny is starts-with; for Content-Type S3 allows a comma-separated list of types,
// each of which must start with the prefix.
func startsWithAny(field, v, prefix string) bool {
	if field != "content-type" {
		return strings.HasPrefix(v, prefix)
	}
	for t := range strings.SplitSeq(v, ",") {
		if !strings.HasPrefix(strings.TrimSpace(t), prefix) {
			return false
		}
	}
	return true
}
