package kms

import "context"

type listRequest struct {
	KeyID  string `json:"KeyId"`
	Limit  int
	Marker string
}

type keyListEntry struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

type listKeysResponse struct {
	Keys       []keyListEntry `json:"Keys"`
	NextMarker string         `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

func handleListKeys(ctx context.Context, s *Server, c *call) (any, error) {
	var req listRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	ids, next, err := s.svc.ListKeys(ctx, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	out := listKeysResponse{Keys: make([]keyListEntry, len(ids)), NextMarker: next, Truncated: next != ""}
	for i, id := range ids {
		out.Keys[i] = keyListEntry{KeyID: id.String(), KeyArn: s.keyARN(id)}
	}
	return out, nil
}
