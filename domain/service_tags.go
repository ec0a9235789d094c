package domain

import (
	"context"
	"sort"
)

// Tag is a key tag.
type Tag struct{ Key, Value string }

// TagResource adds or overwrites tags on a key.
func (s *Service) TagResource(ctx context.Context, ref string, tags []Tag) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:TagResource", requestTags: tagMap(tags)})
	if len(tags) == 0 {
		return errorf(ErrValidation, "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null")
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if err := checkTag(t.Key, t.Value); err != nil {
			return err
		}
		m[t.Key] = t.Value
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:TagResource"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdTagKey, tagKeyCmd{ID: id, Tags: m}))
}

// UntagResource removes tags by key; absent keys are ignored, as in AWS.
func (s *Service) UntagResource(ctx context.Context, ref string, keys []string) error {
	ctx = withAccess(ctx, keyAccess{action: "kms:UntagResource", tagKeys: keys})
	if len(keys) == 0 {
		return errorf(ErrValidation, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return err
	}
	if err := s.customerManaged(id, "kms:UntagResource"); err != nil {
		return err
	}
	return s.propose(ctx, encode(cmdUntagKey, untagKeyCmd{ID: id, Keys: keys}))
}

// ListResourceTags lists a key's tags sorted by key; the marker is the last tag key returned.
func (s *Service) ListResourceTags(ctx context.Context, ref string, limit int, marker string) ([]Tag, string, error) {
	ctx = withAccess(ctx, keyAccess{action: "kms:ListResourceTags"})
	if limit == 0 {
		limit = 50
	}
	if err := checkRange("limit", limit, 1, 50); err != nil {
		return nil, "", err
	}
	id, err := s.resolve(ctx, ref, false)
	if err != nil {
		return nil, "", err
	}
	k, err := s.describe(id)
	if err != nil {
		return nil, "", err
	}
	tags := SortedTags(k.Tags)
	start := 0
	if marker != "" {
		start = sort.Search(len(tags), func(i int) bool { return tags[i].Key > marker })
	}
	tags = tags[start:]
	next := ""
	if len(tags) > limit {
		tags = tags[:limit]
		next = tags[limit-1].Key
	}
	return tags, next, nil
}

// SortedTags returns m as tags sorted by key.
func SortedTags(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
