package policy

import (
	"bytes"
	"encoding/base64"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// opFamily is how an operator compares values; negation, IfExists and set qualifiers are
// separate flags so that every family gets them the same way.
type opFamily uint8

const (
	famInvalid opFamily = iota
	famStringEquals
	famStringEqualsIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

// cmpKind orders numbers and dates.
type cmpKind uint8

const (
	cmpEq cmpKind = iota + 1
	cmpLt
	cmpLe
	cmpGt
	cmpGe
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAllValues
	setForAnyValue
)

type opSpec struct {
	fam    opFamily
	negate bool
	cmp    cmpKind
}

// operators lists every condition operator by its exact name (IAM user guide, "IAM JSON policy
// elements: Condition operators"). ArnEquals and ArnLike behave the same: both accept wildcards
// in each of the six ARN components, as documented.
var operators = map[string]opSpec{
	"StringEquals":              {fam: famStringEquals},
	"StringNotEquals":           {fam: famStringEquals, negate: true},
	"StringEqualsIgnoreCase":    {fam: famStringEqualsIgnoreCase},
	"StringNotEqualsIgnoreCase": {fam: famStringEqualsIgnoreCase, negate: true},
	"StringLike":                {fam: famStringLike},
	"StringNotLike":             {fam: famStringLike, negate: true},
	"NumericEquals":             {fam: famNumeric, cmp: cmpEq},
	"NumericNotEquals":          {fam: famNumeric, cmp: cmpEq, negate: true},
	"NumericLessThan":           {fam: famNumeric, cmp: cmpLt},
	"NumericLessThanEquals":     {fam: famNumeric, cmp: cmpLe},
	"NumericGreaterThan":        {fam: famNumeric, cmp: cmpGt},
	"NumericGreaterThanEquals":  {fam: famNumeric, cmp: cmpGe},
	"DateEquals":                {fam: famDate, cmp: cmpEq},
	"DateNotEquals":             {fam: famDate, cmp: cmpEq, negate: true},
	"DateLessThan":              {fam: famDate, cmp: cmpLt},
	"DateLessThanEquals":        {fam: famDate, cmp: cmpLe},
	"DateGreaterThan":           {fam: famDate, cmp: cmpGt},
	"DateGreaterThanEquals":     {fam: famDate, cmp: cmpGe},
	"Bool":                      {fam: famBool},
	"BinaryEquals":              {fam: famBinary},
	"IpAddress":                 {fam: famIP},
	"NotIpAddress":              {fam: famIP, negate: true},
	"ArnEquals":                 {fam: famARN},
	"ArnLike":                   {fam: famARN},
	"ArnNotEquals":              {fam: famARN, negate: true},
	"ArnNotLike":                {fam: famARN, negate: true},
	"Null":                      {fam: famNull},
}

// Condition is one (operator, key) pair of a statement's Condition block, as written.
type Condition struct {
	Operator string   // as written, e.g. "ForAnyValue:StringLike" or "DateLessThanIfExists"
	Key      string   // as written; matched case-insensitively
	Values   []string // as written; JSON numbers and booleans are kept as their literal text
}

// cond is a compiled Condition.
type cond struct {
	spec     opSpec
	set      setQualifier
	ifExists bool
	key      string // lowercased
	// One of the following holds the values, by family.
	patterns []pattern // string families
	arns     []arnPattern
	nums     []float64
	times    []time.Time
	bools    []bool // Bool and Null
	bins     [][]byte
	prefixes []netip.Prefix
}

// parseOperator splits "ForAllValues:StringLikeIfExists" into its parts.
func parseOperator(name string) (opSpec, setQualifier, bool, error) {
	base := name
	set := setNone
	if rest, ok := strings.CutPrefix(base, "ForAllValues:"); ok {
		base, set = rest, setForAllValues
	} else if rest, ok := strings.CutPrefix(base, "ForAnyValue:"); ok {
		base, set = rest, setForAnyValue
	}
	spec, ok := operators[base]
	ifExists := false
	if !ok {
		if b, cut := strings.CutSuffix(base, "IfExists"); cut {
			spec, ok = operators[b]
			ifExists = true
		}
	}
	// Null tests existence itself, so neither IfExists nor a set qualifier means anything with it.
	if !ok || spec.fam == famNull && (ifExists || set != setNone) {
		return opSpec{}, 0, false, malformed("invalid condition operator %q", name)
	}
	return spec, set, ifExists, nil
}

// compileCondition compiles one condition. Policy variables are substituted only in String, Arn
// and Bool operators' values (the operators the IAM user guide marks "Policy variables –
// Supported"); other
// operators' values must parse as their type when the policy is written, so that a typo cannot
// silently make a condition never match.
func compileCondition(c Condition, vars bool, where string) (cond, error) {
	spec, set, ifExists, err := parseOperator(c.Operator)
	if err != nil {
		return cond{}, malformed("%s: %s", where, err.(*SyntaxError).Msg)
	}
	if !validContextKey(c.Key) {
		return cond{}, malformed("%s: invalid condition key %q (a key is \"prefix:name\")", where, c.Key)
	}
	out := cond{spec: spec, set: set, ifExists: ifExists, key: strings.ToLower(c.Key)}
	var flags patternFlags
	if vars {
		flags |= withVariables
	}
	bad := func(v, what string) error {
		return malformed("%s: %s value %q for %s is not %s", where, c.Operator, v, c.Key, what)
	}
	for _, v := range c.Values {
		switch spec.fam {
		case famStringEquals, famStringEqualsIgnoreCase:
			p, err := compilePattern(v, flags)
			if err != nil {
				return cond{}, malformed("%s: %s", where, err.(*SyntaxError).Msg)
			}
			out.patterns = append(out.patterns, p)
		case famStringLike:
			p, err := compilePattern(v, flags|withWildcards)
			if err != nil {
				return cond{}, malformed("%s: %s", where, err.(*SyntaxError).Msg)
			}
			out.patterns = append(out.patterns, p)
		case famARN:
			a, err := compileARN(v, flags|withWildcards)
			if err != nil {
				return cond{}, malformed("%s: %s", where, err.(*SyntaxError).Msg)
			}
			out.arns = append(out.arns, a)
		case famNumeric:
			n, ok := parseNumber(v)
			if !ok {
				return cond{}, bad(v, "a number")
			}
			out.nums = append(out.nums, n)
		case famDate:
			t, ok := parseDate(v)
			if !ok {
				return cond{}, bad(v, "an ISO 8601 date or epoch seconds")
			}
			out.times = append(out.times, t)
		case famBool, famNull:
			if spec.fam == famBool && vars && strings.Contains(v, "${") {
				// Bool is the one non-string operator whose values may hold policy variables
				// (IAM user guide, "Boolean condition operators"); such a value is resolved and
				// compared as text, folding case, when evaluated.
				p, err := compilePattern(v, flags)
				if err != nil {
					return cond{}, malformed("%s: %s", where, err.(*SyntaxError).Msg)
				}
				out.patterns = append(out.patterns, p)
				continue
			}
			b, ok := parseBool(v)
			if !ok {
				return cond{}, bad(v, "true or false")
			}
			out.bools = append(out.bools, b)
		case famBinary:
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return cond{}, bad(v, "base64")
			}
			out.bins = append(out.bins, b)
		case famIP:
			p, ok := parseIPPolicy(v)
			if !ok {
				return cond{}, bad(v, "an IP address or CIDR block")
			}
			out.prefixes = append(out.prefixes, p)
		}
	}
	return out, nil
}

func parseNumber(s string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, false
	}
	return n, true
}

// dateLayouts are the ISO 8601 forms AWS accepts in Date conditions, most specific first.
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date-time or a count of seconds since the Unix epoch (the form of
// aws:EpochTime). A time without a zone is UTC.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:T") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	if t, ok := parseUTCSeconds(s); ok {
		return t, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseUTCSeconds reads "2006-01-02T15:04:05Z", the form aws:CurrentTime takes on every
// request, without time.Parse (which a Date condition would otherwise pay per evaluation). It
// answers as time.Parse(time.RFC3339Nano, s) does for that form; anything else, a field out of
// range included, it leaves to the general layouts.
func parseUTCSeconds(s string) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		n := 0
		for _, c := range []byte(s[i:j]) {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d, h, mi, sec := num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // a day the month does not have (Date would roll it over)
	}
	return t, true
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func parseIPPolicy(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// eval evaluates the condition against the request context. It returns unresolved when a policy
// variable in the condition cannot be resolved, which voids the whole statement.
func (c *cond) eval(ctx *Context) matchResult {
	vals := ctx.get(c.key)
	if c.spec.fam == famNull {
		absent := len(vals) == 0
		for _, want := range c.bools {
			if want == absent {
				return matched
			}
		}
		return noMatch
	}
	// Missing keys (IAM user guide, "Condition operators" and "Multivalued context keys"):
	// ForAllValues is true when the key is absent or empty, ForAnyValue false; otherwise an
	// absent key fails a positive operator and satisfies a negated one or an ...IfExists one.
	if len(vals) == 0 {
		switch {
		case c.set == setForAllValues:
			return matched
		case c.set == setForAnyValue:
			return noMatch
		case c.ifExists || c.spec.negate:
			return matched
		}
		return noMatch
	}
	switch c.set {
	case setForAllValues:
		// Every request value must satisfy the (possibly negated) operator.
		for _, v := range vals {
			r := c.one(v, ctx)
			if r == unresolved {
				return unresolved
			}
			if r == noMatch {
				return noMatch
			}
		}
		return matched
	case setForAnyValue:
		result := noMatch
		for _, v := range vals {
			switch c.one(v, ctx) {
			case unresolved:
				return unresolved
			case matched:
				result = matched
			}
		}
		return result
	}
	// A single-valued operator on several values: the positive operator holds when any value
	// matches; a negated one when none does.
	any := false
	for _, v := range vals {
		switch c.anyPolicyValue(v, ctx) {
		case unresolved:
			return unresolved
		case matched:
			any = true
		}
	}
	return boolMatch(any != c.spec.negate)
}

// one applies the operator, negation included, to one request value.
func (c *cond) one(v string, ctx *Context) matchResult {
	r := c.anyPolicyValue(v, ctx)
	if r == unresolved || !c.spec.negate {
		return r
	}
	return boolMatch(r == noMatch)
}

// anyPolicyValue reports whether request value v matches any of the policy's values under the
// positive form of the operator (policy values are OR-ed). A request value that does not parse
// as the operator's type matches nothing.
func (c *cond) anyPolicyValue(v string, ctx *Context) matchResult {
	result := noMatch
	switch c.spec.fam {
	case famStringEquals, famStringEqualsIgnoreCase:
		fold := c.spec.fam == famStringEqualsIgnoreCase
		for i := range c.patterns {
			switch c.patterns[i].equal(v, fold, ctx) {
			case unresolved:
				return unresolved
			case matched:
				result = matched
			}
		}
	case famStringLike:
		for i := range c.patterns {
			switch c.patterns[i].match(v, false, ctx) {
			case unresolved:
				return unresolved
			case matched:
				result = matched
			}
		}
	case famARN:
		for i := range c.arns {
			switch c.arns[i].match(v, ctx) {
			case unresolved:
				return unresolved
			case matched:
				result = matched
			}
		}
	case famNumeric:
		n, ok := parseNumber(v)
		if !ok {
			return noMatch
		}
		for _, p := range c.nums {
			if compare(cmpFloat(n, p), c.spec.cmp) {
				return matched
			}
		}
	case famDate:
		t, ok := parseDate(v)
		if !ok {
			return noMatch
		}
		for _, p := range c.times {
			if compare(t.Compare(p), c.spec.cmp) {
				return matched
			}
		}
	case famBool:
		b, ok := parseBool(v)
		if !ok {
			return noMatch
		}
		for _, p := range c.bools {
			if b == p {
				return matched
			}
		}
		text := "false"
		if b {
			text = "true"
		}
		for i := range c.patterns {
			switch c.patterns[i].equal(text, true, ctx) {
			case unresolved:
				return unresolved
			case matched:
				result = matched
			}
		}
	case famBinary:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return noMatch
		}
		for _, p := range c.bins {
			if bytes.Equal(b, p) {
				return matched
			}
		}
	case famIP:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return noMatch
		}
		a = a.WithZone("").Unmap()
		for _, p := range c.prefixes {
			if p.Contains(a) || p.Addr().Is4In6() && netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96).Contains(a) {
				return matched
			}
		}
	}
	return result
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(c int, k cmpKind) bool {
	switch k {
	case cmpEq:
		return c == 0
	case cmpLt:
		return c < 0
	case cmpLe:
		return c <= 0
	case cmpGt:
		return c > 0
	case cmpGe:
		return c >= 0
	}
	return false
}
