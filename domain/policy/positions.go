package policy

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Position is a place in a policy document: Line and Column count from 1, Column in
// characters (not bytes), as IAM's policy simulator reports statement positions.
type Position struct {
	Line, Column int
}

// Span is where one statement is written: Start is its opening brace, End the character just
// after its closing brace.
type Span struct {
	Start, End Position
}

// StatementSpans returns where each statement of doc is written, in the order of
// Policy.Statements (a Statement given as a single object is statement 0). It reads the
// document separately from Parse, so that parsing stays free of position bookkeeping; it is
// meant for documents Parse accepted and returns nil for anything else (the caller then
// reports no positions).
func StatementSpans(doc string) []Span {
	dec := json.NewDecoder(strings.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil
		}
		if k != "Statement" {
			if skipValue(dec) != nil {
				return nil
			}
			continue
		}
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		switch t {
		case json.Delim('{'):
			sp, ok := objectSpan(dec, doc)
			if !ok {
				return nil
			}
			return []Span{sp}
		case json.Delim('['):
			var out []Span
			for dec.More() {
				t, err := dec.Token()
				if err != nil || t != json.Delim('{') {
					return nil
				}
				sp, ok := objectSpan(dec, doc)
				if !ok {
					return nil
				}
				out = append(out, sp)
			}
			return out
		}
		return nil
	}
	return nil
}

// objectSpan finishes reading an object whose '{' the decoder has just returned and gives its
// span.
func objectSpan(dec *json.Decoder, doc string) (Span, bool) {
	start := int(dec.InputOffset()) - 1
	if err := skipRest(dec); err != nil {
		return Span{}, false
	}
	end := int(dec.InputOffset())
	if start < 0 || end > len(doc) {
		return Span{}, false
	}
	return Span{Start: position(doc, start), End: position(doc, end)}, true
}

// skipValue reads one whole value.
func skipValue(dec *json.Decoder) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
		return skipRest(dec)
	}
	return nil
}

// skipRest reads up to the end of the object or array whose opening delimiter was just read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// position converts a byte offset of doc to a line and column.
func position(doc string, off int) Position {
	head := doc[:off]
	line := 1 + strings.Count(head, "\n")
	if i := strings.LastIndexByte(head, '\n'); i >= 0 {
		head = head[i+1:]
	}
	return Position{Line: line, Column: 1 + utf8.RuneCountInString(head)}
}
