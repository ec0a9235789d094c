package kms

import (
	"context"

	"github.com/keyhold/keyhold/domain"
)

// grantConstraints is KMS's GrantConstraints structure.
type grantConstraints struct {
	EncryptionContextEquals map[string]string `json:",omitempty"`
	EncryptionContextSubset map[string]string `json:",omitempty"`
}

// grantListEntry is KMS's GrantListEntry structure.
type grantListEntry struct {
	KeyID             string `json:"KeyId"`
	GrantID           string `json:"GrantId"`
	Name              string `json:",omitempty"`
	CreationDate      epoch
	GranteePrincipal  string
	RetiringPrincipal string `json:",omitempty"`
	IssuingAccount    string
	Operations        []string
	Constraints       *grantConstraints `json:",omitempty"`
}

func handleCreateGrant(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID             string `json:"KeyId"`
		GranteePrincipal  string
		RetiringPrincipal string
		Operations        []string
		Constraints       *grantConstraints
		Name              string
		GrantTokens       []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	if err := domain.CheckGrantTokens(req.GrantTokens); err != nil {
		return nil, err
	}
	in := domain.CreateGrantInput{KeyRef: req.KeyID, GranteePrincipal: req.GranteePrincipal, RetiringPrincipal: req.RetiringPrincipal,
		Operations: req.Operations, Name: req.Name}
	if req.Constraints != nil {
		in.Constraints = &domain.GrantConstraints{EncryptionContextEquals: req.Constraints.EncryptionContextEquals,
			EncryptionContextSubset: req.Constraints.EncryptionContextSubset}
	}
	id, token, err := s.svc.CreateGrant(ctx, in)
	if err != nil {
		return nil, err
	}
	return struct {
		GrantID    string `json:"GrantId"`
		GrantToken string
	}{id, token}, nil
}

func (s *Server) grantList(grants []*domain.Grant, next string) any {
	out := struct {
		Grants     []grantListEntry
		NextMarker string `json:",omitempty"`
		Truncated  bool
	}{Grants: make([]grantListEntry, len(grants)), NextMarker: next, Truncated: next != ""}
	for i, g := range grants {
		e := grantListEntry{KeyID: s.keyARN(g.KeyID), GrantID: g.ID, Name: g.Name, CreationDate: epoch(g.CreatedAt),
			GranteePrincipal: g.GranteePrincipal, RetiringPrincipal: g.RetiringPrincipal, IssuingAccount: g.IssuingAccount,
			Operations: g.Operations}
		if g.Constraints != nil {
			e.Constraints = &grantConstraints{g.Constraints.EncryptionContextEquals, g.Constraints.EncryptionContextSubset}
		}
		out.Grants[i] = e
	}
	return out
}

func handleListGrants(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID            string `json:"KeyId"`
		Limit            int
		Marker           string
		GrantID          string `json:"GrantId"`
		GranteePrincipal string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	grants, next, err := s.svc.ListGrants(ctx, req.KeyID, req.Limit, req.Marker, req.GrantID, req.GranteePrincipal)
	if err != nil {
		return nil, err
	}
	return s.grantList(grants, next), nil
}

func handleListRetirableGrants(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		RetiringPrincipal string
		Limit             int
		Marker            string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	grants, next, err := s.svc.ListRetirableGrants(ctx, req.RetiringPrincipal, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	return s.grantList(grants, next), nil
}

func handleRetireGrant(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		GrantToken string
		KeyID      string `json:"KeyId"`
		GrantID    string `json:"GrantId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.RetireGrant(ctx, req.GrantToken, req.KeyID, req.GrantID)
}

func handleRevokeGrant(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID   string `json:"KeyId"`
		GrantID string `json:"GrantId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.RevokeGrant(ctx, req.KeyID, req.GrantID)
}
