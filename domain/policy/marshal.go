package policy

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON writes the policy's canonical document: elements in AWS's usual order, every
// multi-valued element as an array, conditions grouped by operator and sorted. Parsing the
// result with the same options gives a Policy equal to p (FuzzParse checks this). The canonical
// form is for storage and comparison; GetKeyPolicy and GetBucketPolicy should return the
// document as the client wrote it, which the caller keeps.
func (p *Policy) MarshalJSON() ([]byte, error) {
	type statement struct {
		Sid          string                         `json:"Sid,omitempty"`
		Effect       string                         `json:"Effect"`
		Principal    any                            `json:"Principal,omitempty"`
		NotPrincipal any                            `json:"NotPrincipal,omitempty"`
		Action       []string                       `json:"Action,omitempty"`
		NotAction    []string                       `json:"NotAction,omitempty"`
		Resource     []string                       `json:"Resource,omitempty"`
		NotResource  []string                       `json:"NotResource,omitempty"`
		Condition    map[string]map[string][]string `json:"Condition,omitempty"`
	}
	type document struct {
		Version   string      `json:"Version,omitempty"`
		ID        string      `json:"Id,omitempty"`
		Statement []statement `json:"Statement"`
	}
	doc := document{Version: p.Version, ID: p.ID}
	for _, s := range p.Statements {
		out := statement{Sid: s.Sid, Effect: s.Effect.String()}
		if s.Principal != nil {
			var pv any
			if s.Principal.Wildcard {
				pv = "*"
			} else {
				m := map[string][]string{}
				if s.Principal.AWS != nil {
					m["AWS"] = s.Principal.AWS
				}
				if s.Principal.Service != nil {
					m["Service"] = s.Principal.Service
				}
				if s.Principal.Federated != nil {
					m["Federated"] = s.Principal.Federated
				}
				pv = m
			}
			if s.NotPrincipal {
				out.NotPrincipal = pv
			} else {
				out.Principal = pv
			}
		}
		if s.NotAction {
			out.NotAction = s.Actions
		} else {
			out.Action = s.Actions
		}
		if s.NotResource {
			out.NotResource = s.Resources
		} else {
			out.Resource = s.Resources
		}
		if len(s.Conditions) > 0 {
			out.Condition = map[string]map[string][]string{}
			for _, c := range s.Conditions {
				if out.Condition[c.Operator] == nil {
					out.Condition[c.Operator] = map[string][]string{}
				}
				out.Condition[c.Operator][c.Key] = c.Values
			}
		}
		doc.Statement = append(doc.Statement, out)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Policies hold ARNs and patterns; escaping & < > would only make stored documents harder
	// to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
