package kms

import "context"

type aliasRequest struct {
	AliasName   string
	TargetKeyID string `json:"TargetKeyId"`
}

func handleCreateAlias(ctx context.Context, s *Server, c *call) (any, error) {
	var req aliasRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.TargetKeyID
	return struct{}{}, s.svc.CreateAlias(ctx, req.AliasName, req.TargetKeyID)
}

func handleUpdateAlias(ctx context.Context, s *Server, c *call) (any, error) {
	var req aliasRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.TargetKeyID
	return struct{}{}, s.svc.UpdateAlias(ctx, req.AliasName, req.TargetKeyID)
}

func handleDeleteAlias(ctx context.Context, s *Server, c *call) (any, error) {
	var req aliasRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return struct{}{}, s.svc.DeleteAlias(ctx, req.AliasName)
}

type aliasListEntry struct {
	AliasName       string `json:"AliasName"`
	AliasArn        string `json:"AliasArn"`
	TargetKeyID     string `json:"TargetKeyId"`
	CreationDate    epoch  `json:"CreationDate"`
	LastUpdatedDate epoch  `json:"LastUpdatedDate"`
}

func handleListAliases(ctx context.Context, s *Server, c *call) (any, error) {
	var req listRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	aliases, next, err := s.svc.ListAliases(ctx, req.KeyID, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	out := struct {
		Aliases    []aliasListEntry `json:"Aliases"`
		NextMarker string           `json:"NextMarker,omitempty"`
		Truncated  bool             `json:"Truncated"`
	}{Aliases: make([]aliasListEntry, len(aliases)), NextMarker: next, Truncated: next != ""}
	arns := s.svc.ARNs().In(s.svc.CallerAccount(ctx))
	for i, a := range aliases {
		out.Aliases[i] = aliasListEntry{a.Name, arns.Alias(a.Name), a.KeyID.String(), epoch(a.CreatedAt), epoch(a.UpdatedAt)}
	}
	return out, nil
}
