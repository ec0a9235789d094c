package policy

import (
	"strings"
	"unicode/utf8"
)

// pattern is a compiled Action, Resource or condition value: a sequence of pieces matched
// without building strings, so that evaluation allocates nothing even when policy variables are
// involved. A variable piece is resolved from the request context at match time and then matched
// as literal text (AWS substitutes once; the value's own `*` and `?` are not wildcards).
type pattern struct {
	pieces []piece
}

type piece struct {
	kind   pieceKind
	text   string // literal text; for a variable, its lowercased context key
	def    string // a variable's default value
	hasDef bool
}

type pieceKind uint8

const (
	pieceLiteral  pieceKind = iota + 1
	pieceStar               // `*`: any run of characters, possibly empty
	pieceQuestion           // `?`: exactly one character
	pieceVar                // `${key}` or `${key, 'default'}`
)

// patternFlags say how to read a policy string.
type patternFlags uint8

const (
	withWildcards patternFlags = 1 << iota // `*` and `?` are wildcards
	withVariables                          // `${...}` is a policy variable (Version 2012-10-17)
)

// compilePattern splits s into pieces. Text that is not a wildcard or variable stays literal,
// including an unterminated "${".
func compilePattern(s string, flags patternFlags) (pattern, error) {
	var p pattern
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			p.pieces = append(p.pieces, piece{kind: pieceLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case flags&withWildcards != 0 && c == '*':
			flush()
			// Consecutive stars mean the same as one; merging them keeps matching linear.
			if n := len(p.pieces); n == 0 || p.pieces[n-1].kind != pieceStar {
				p.pieces = append(p.pieces, piece{kind: pieceStar})
			}
			i++
		case flags&withWildcards != 0 && c == '?':
			flush()
			p.pieces = append(p.pieces, piece{kind: pieceQuestion})
			i++
		case flags&withVariables != 0 && c == '$' && strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				lit.WriteString(s[i:])
				i = len(s)
				continue
			}
			inner := s[i+2 : i+end]
			i += end + 1
			switch inner {
			case "*", "?", "$":
				// AWS's escapes for the characters that would otherwise be special.
				lit.WriteString(inner)
				continue
			}
			v, err := parseVariable(inner)
			if err != nil {
				return pattern{}, err
			}
			flush()
			p.pieces = append(p.pieces, v)
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return p, nil
}

// parseVariable reads the inside of ${...}: a context key, optionally followed by a comma and a
// single-quoted default value in which ” stands for one quote. Whitespace around both is
// ignored, as AWS documents.
func parseVariable(inner string) (piece, error) {
	key, rest, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if !validContextKey(key) {
		return piece{}, malformed("invalid policy variable ${%s}: %q is not a condition key", inner, key)
	}
	v := piece{kind: pieceVar, text: strings.ToLower(key)}
	if !hasDef {
		return v, nil
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 2 || rest[0] != '\'' || rest[len(rest)-1] != '\'' {
		return piece{}, malformed("invalid policy variable ${%s}: the default value must be in single quotes", inner)
	}
	body := rest[1 : len(rest)-1]
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		if body[i] == '\'' {
			if i+1 < len(body) && body[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return piece{}, malformed("invalid policy variable ${%s}: a quote in the default value must be doubled", inner)
		}
		b.WriteByte(body[i])
	}
	v.def, v.hasDef = b.String(), true
	return v, nil
}

// validContextKey: a condition key is "prefix:name" with a non-empty prefix and name. A
// web identity provider's keys are prefixed with its host and path ("accounts.google.com:aud",
// "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:sub"), so the prefix may hold '.' and '/'.
func validContextKey(k string) bool {
	pre, name, ok := strings.Cut(k, ":")
	if !ok || pre == "" || name == "" {
		return false
	}
	for i := 0; i < len(pre); i++ {
		c := pre[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	return true
}

// isLiteral reports whether p is one literal piece (or empty), for fast exact comparisons.
func (p *pattern) isLiteral() (string, bool) {
	switch len(p.pieces) {
	case 0:
		return "", true
	case 1:
		if p.pieces[0].kind == pieceLiteral {
			return p.pieces[0].text, true
		}
	}
	return "", false
}

// matchResult is a three-way answer: a variable that cannot be resolved makes the statement
// invalid (AWS: "this might cause the entire statement to be invalid"), which is neither a match
// nor a non-match, so that negated operators do not turn it into a match.
type matchResult uint8

const (
	noMatch matchResult = iota
	matched
	unresolved
)

// resolve returns a variable piece's value: a single-valued context key, else its default.
// Multivalued keys cannot be variables (IAM user guide, "Single-valued vs. multivalued
// condition keys").
func (pc *piece) resolve(c *Context) (string, bool) {
	if vs := c.get(pc.text); len(vs) == 1 {
		return vs[0], true
	}
	if pc.hasDef {
		return pc.def, true
	}
	return "", false
}

// match matches s against p. fold compares ASCII letters case-insensitively (actions).
func (p *pattern) match(s string, fold bool, c *Context) matchResult {
	if lit, ok := p.isLiteral(); ok {
		if fold {
			return boolMatch(equalFoldASCII(lit, s))
		}
		return boolMatch(lit == s)
	}
	// Resolve variables once into a stack buffer; policies rarely hold more than a few pieces.
	var buf [16]string
	var texts []string
	if len(p.pieces) <= len(buf) {
		texts = buf[:len(p.pieces)]
	} else {
		texts = make([]string, len(p.pieces))
	}
	for i := range p.pieces {
		pc := &p.pieces[i]
		switch pc.kind {
		case pieceLiteral:
			texts[i] = pc.text
		case pieceVar:
			v, ok := pc.resolve(c)
			if !ok {
				return unresolved
			}
			texts[i] = v
		}
	}
	return boolMatch(globPieces(p.pieces, texts, s, fold))
}

func boolMatch(b bool) matchResult {
	if b {
		return matched
	}
	return noMatch
}

// globPieces is the classic linear-time wildcard match with single-star backtracking, walking
// the pattern as (piece, offset) positions. `*` and `?` step over whole UTF-8 characters.
func globPieces(pieces []piece, texts []string, s string, fold bool) bool {
	pi, off, si := 0, 0, 0
	starPi, starSi := -1, 0
	for {
		// Skip exhausted literal pieces.
		for pi < len(pieces) && pieces[pi].kind != pieceStar && pieces[pi].kind != pieceQuestion && off >= len(texts[pi]) {
			pi, off = pi+1, 0
		}
		if pi == len(pieces) && si == len(s) {
			return true
		}
		if pi < len(pieces) {
			switch pieces[pi].kind {
			case pieceStar:
				if pi == len(pieces)-1 {
					return true // a trailing star matches whatever is left
				}
				starPi, starSi = pi+1, si
				pi, off = pi+1, 0
				continue
			case pieceQuestion:
				if si < len(s) {
					si += runeLen(s, si)
					pi, off = pi+1, 0
					continue
				}
			default:
				if si < len(s) && byteEq(texts[pi][off], s[si], fold) {
					off++
					si++
					continue
				}
			}
		}
		if starPi < 0 || starSi >= len(s) {
			return false
		}
		starSi += runeLen(s, starSi)
		pi, off, si = starPi, 0, starSi
	}
}

// runeLen is the length of the UTF-8 character at s[i], with a fast path for ASCII.
func runeLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return size
}

func byteEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	return fold && lowerASCII(a) == lowerASCII(b)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

// equalPieces compares s with the concatenation of a wildcard-free pattern's resolved pieces
// (StringEquals with variables), without building the concatenation.
func (p *pattern) equal(s string, fold bool, c *Context) matchResult {
	if lit, ok := p.isLiteral(); ok {
		if fold {
			return boolMatch(strings.EqualFold(lit, s))
		}
		return boolMatch(lit == s)
	}
	rest := s
	ok := true
	for i := range p.pieces {
		pc := &p.pieces[i]
		t := pc.text
		if pc.kind == pieceVar {
			v, found := pc.resolve(c)
			if !found {
				return unresolved
			}
			t = v
		}
		if !ok {
			continue // keep resolving: an unresolved variable anywhere still voids the statement
		}
		if len(rest) < len(t) || !(rest[:len(t)] == t || fold && strings.EqualFold(rest[:len(t)], t)) {
			ok = false
			continue
		}
		rest = rest[len(t):]
	}
	return boolMatch(ok && rest == "")
}

// arnPattern matches ARNs component by component: the six colon-separated parts (the last one
// keeps any further colons) are matched separately, so a wildcard never spans a colon in the
// first five parts (IAM user guide, "ARN condition operators"). A pattern with fewer than six
// parts, such as "*", is matched against the whole string.
type arnPattern struct {
	parts [6]pattern
	whole pattern
	split bool
}

func compileARN(s string, flags patternFlags) (arnPattern, error) {
	whole, err := compilePattern(s, flags)
	if err != nil {
		return arnPattern{}, err
	}
	a := arnPattern{whole: whole}
	// Split the compiled pieces at the first five colons of literal text, so that a colon inside
	// ${aws:username} never splits.
	part := 0
	for _, pc := range whole.pieces {
		if pc.kind != pieceLiteral || part == 5 {
			a.parts[part].pieces = append(a.parts[part].pieces, pc)
			continue
		}
		t := pc.text
		for part < 5 {
			before, after, found := strings.Cut(t, ":")
			if !found {
				break
			}
			if before != "" {
				a.parts[part].pieces = append(a.parts[part].pieces, piece{kind: pieceLiteral, text: before})
			}
			part++
			t = after
		}
		if t != "" {
			a.parts[part].pieces = append(a.parts[part].pieces, piece{kind: pieceLiteral, text: t})
		}
	}
	a.split = part == 5
	if !a.split {
		a.parts = [6]pattern{}
	}
	return a, nil
}

func (a *arnPattern) match(s string, c *Context) matchResult {
	if !a.split {
		return a.whole.match(s, false, c)
	}
	rest := s
	result := matched
	for i := 0; i < 6; i++ {
		seg := rest
		if i < 5 {
			var found bool
			seg, rest, found = strings.Cut(rest, ":")
			if !found {
				return noMatch
			}
		}
		switch a.parts[i].match(seg, false, c) {
		case unresolved:
			return unresolved
		case noMatch:
			result = noMatch
		}
	}
	return result
}
