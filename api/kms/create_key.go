package kms

import (
	"context"

	"github.com/keyhold/keyhold/domain"
)

type createKeyRequest struct {
	Description                    string
	KeyUsage                       string
	KeySpec                        string
	CustomerMasterKeySpec          string
	Origin                         string
	Policy                         string
	MultiRegion                    bool
	BypassPolicyLockoutSafetyCheck bool
	Tags                           []tag
}

func handleCreateKey(ctx context.Context, s *Server, c *call) (any, error) {
	var req createKeyRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	spec := req.KeySpec
	if spec == "" {
		spec = req.CustomerMasterKeySpec
	}
	var tags map[string]string
	if len(req.Tags) > 0 {
		tags = make(map[string]string, len(req.Tags))
		for _, t := range req.Tags {
			tags[t.TagKey] = t.TagValue
		}
	}
	k, err := s.svc.CreateKey(ctx, domain.CreateKeyInput{
		Description: req.Description, KeyUsage: req.KeyUsage, KeySpec: spec, Origin: req.Origin,
		Policy: req.Policy, BypassPolicyLockoutSafetyCheck: req.BypassPolicyLockoutSafetyCheck, Tags: tags, MultiRegion: req.MultiRegion,
	})
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(k.ID)
	return struct{ KeyMetadata keyMetadata }{s.metadata(k)}, nil
}
