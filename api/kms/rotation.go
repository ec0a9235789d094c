package kms

import "context"

func handleEnableKeyRotation(ctx context.Context, s *Server, c *call) (any, error) {
	var req struct {
		KeyID                string `json:"KeyId"`
		RotationPeriodInDays int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.EnableKeyRotation(ctx, req.KeyID, req.RotationPeriodInDays)
}

func handleDisableKeyRotation(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	c.keyID = req.KeyID
	return struct{}{}, s.svc.DisableKeyRotation(ctx, req.KeyID)
}

func handleGetKeyRotationStatus(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	st, err := s.svc.GetKeyRotationStatus(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(st.KeyID)
	return struct {
		KeyRotationEnabled   bool
		KeyID                string `json:"KeyId"`
		RotationPeriodInDays int    `json:",omitempty"`
		NextRotationDate     *epoch `json:",omitempty"`
	}{st.Enabled, c.keyID, st.PeriodDays, epochPtr(st.NextRotation)}, nil
}

func handleRotateKeyOnDemand(ctx context.Context, s *Server, c *call) (any, error) {
	var req keyIDRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	id, err := s.svc.RotateKeyOnDemand(ctx, req.KeyID)
	if err != nil {
		return nil, err
	}
	c.keyID = s.keyARN(id)
	return struct {
		KeyID string `json:"KeyId"`
	}{id.String()}, nil
}

type rotationEntry struct {
	KeyID        string `json:"KeyId"`
	RotationDate epoch
	RotationType string
}

func handleListKeyRotations(ctx context.Context, s *Server, c *call) (any, error) {
	var req listRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	rs, next, err := s.svc.ListKeyRotations(ctx, req.KeyID, req.Limit, req.Marker)
	if err != nil {
		return nil, err
	}
	out := struct {
		Rotations  []rotationEntry `json:"Rotations"`
		NextMarker string          `json:",omitempty"`
		Truncated  bool
	}{Rotations: make([]rotationEntry, len(rs)), NextMarker: next, Truncated: next != ""}
	for i, r := range rs {
		out.Rotations[i] = rotationEntry{r.KeyID.String(), epoch(r.At), r.Type.String()}
	}
	return out, nil
}
