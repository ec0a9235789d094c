package kms

import (
	"context"

	"github.com/keyhold/keyhold/domain"
)

func handleTagResource(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID string `json:"KeyId"`
		Tags  []tag
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	tags := make([]domain.Tag, len(req.Tags))
	for i, t := range req.Tags {
		tags[i] = domain.Tag{Key: t.TagKey, Value: t.TagValue}
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.TagResource(ctx, req.KeyID, tags)
}

func handleUntagResource(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID   string `json:"KeyId"`
		TagKeys []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.UntagResource(ctx, req.KeyID, req.TagKeys)
}

func handleListResourceTags(ctx context.Context, s *Server, c *call) (any, error) {
	var req listRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	tags, next, err := s.svc.ListResourceTags(ctx, req.KeyID, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags       []tag  `json:"Tags"`
		NextMarker string `json:",omitempty"`
		Truncated  bool
	}{Tags: make([]tag, len(tags)), NextMarker: next, Truncated: next != ""}
	for i, t := range tags {
		out.Tags[i] = tag{t.Key, t.Value}
	}
	return out, nil
}
