package domain

import (
	"context"
	"errors"
)

// Tick runs the scheduled work that is due now: it marks managed keys that earlier versions left
// unmarked, deletes keys whose deletion window has ended and rotates keys whose rotation period
// has passed. Only the leader should call it (the cluster
// runs it on a timer while it leads); a Tick on two nodes at once is still safe, because deletion
// and rotation commands are idempotent, but wastes HSM calls.
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	// Marking first: a managed key an earlier version left disabled or pending deletion is
	// enabled again before the deletion below could reach it.
	errs := []error{s.MarkManagedKeys(ctx)}
	for _, id := range s.dueForDeletion(now) {
		if err := s.propose(ctx, encode(cmdDeleteKey, deleteKeyCmd{ID: id, At: now})); err != nil {
			errs = append(errs, err)
			continue
		}
		s.log.Info("key deleted at the end of its deletion window", "key_id", id.String())
	}
	for _, id := range s.dueForRotation(now) {
		k, err := s.describe(id)
		if err != nil {
			continue // deleted meanwhile
		}
		if err := s.rotate(ctx, k, RotationAutomatic); err != nil {
			errs = append(errs, err)
			continue
		}
		s.log.Info("key rotated on schedule", "key_id", id.String(), "version", k.Current().Version+1)
	}
	return errors.Join(errs...)
}
