package policy

import (
	"encoding/json"
	"io"
	"strings"
)

// node is one JSON value of a policy document. encoding/json cannot be used to decode policies
// directly: it keeps the last of two duplicate keys without a word, matches field names
// case-insensitively and silently replaces invalid UTF-8, each of which would let a document
// mean something other than what a reviewer reads. This small tree keeps member order and
// refuses duplicates.
type node struct {
	kind  nodeKind
	str   string // string, number (its literal text) or bool ("true"/"false")
	arr   []*node
	obj   []member
	depth int
}

type nodeKind uint8

const (
	nodeInvalid nodeKind = iota
	nodeString
	nodeNumber
	nodeBool
	nodeNull
	nodeArray
	nodeObject
)

type member struct {
	key string
	val *node
}

// maxDepth bounds nesting. The deepest valid policy path is
// document > Statement array > statement > Condition > operator > key > value array (7 levels).
const maxDepth = 8

func (k nodeKind) String() string {
	switch k {
	case nodeString:
		return "a string"
	case nodeNumber:
		return "a number"
	case nodeBool:
		return "a boolean"
	case nodeNull:
		return "null"
	case nodeArray:
		return "an array"
	case nodeObject:
		return "an object"
	}
	return "invalid"
}

// parseJSON decodes doc into a node tree. Duplicate member names are refused, comparing names
// case-insensitively: policy element names and condition keys are matched that way in places,
// so two names differing only in case are just as ambiguous as two equal names.
func parseJSON(doc string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	n, err := readValue(dec, 1)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, malformed("unexpected data after the policy document")
	}
	return n, nil
}

func readValue(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, malformed("document nested deeper than any policy element allows")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(err)
	}
	switch t := tok.(type) {
	case string:
		return &node{kind: nodeString, str: t, depth: depth}, nil
	case json.Number:
		return &node{kind: nodeNumber, str: t.String(), depth: depth}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &node{kind: nodeBool, str: s, depth: depth}, nil
	case nil:
		return &node{kind: nodeNull, depth: depth}, nil
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: nodeArray, depth: depth}
			for dec.More() {
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.arr = append(n.arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxErr(err)
			}
			return n, nil
		case '{':
			n := &node{kind: nodeObject, depth: depth}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxErr(err)
				}
				key, ok := kt.(string)
				if !ok {
					return nil, malformed("invalid JSON: object key is not a string")
				}
				if lk := strings.ToLower(key); seen[lk] {
					return nil, malformed("duplicate key %q", key)
				} else {
					seen[lk] = true
				}
				v, err := readValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				n.obj = append(n.obj, member{key: key, val: v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxErr(err)
			}
			return n, nil
		}
	}
	return nil, malformed("invalid JSON")
}

func syntaxErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return malformed("invalid JSON: unexpected end of document")
	}
	return malformed("invalid JSON: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// strings returns a string-or-array-of-strings element as a slice. AWS lets every such element
// be a single string or an array; an empty array is refused because it can only be a mistake.
func (n *node) strings(what string) ([]string, error) {
	switch n.kind {
	case nodeString:
		return []string{n.str}, nil
	case nodeArray:
		if len(n.arr) == 0 {
			return nil, malformed("%s must not be an empty array", what)
		}
		out := make([]string, 0, len(n.arr))
		for _, v := range n.arr {
			if v.kind != nodeString {
				return nil, malformed("%s must contain only strings, not %s", what, v.kind)
			}
			out = append(out, v.str)
		}
		return out, nil
	}
	return nil, malformed("%s must be a string or an array of strings, not %s", what, n.kind)
}
