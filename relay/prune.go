package relay

import (
	"context"
	"errors"
	"time"
)

const (
	// jobRetention outlives any sync that could bring a finished job's event
	// back, and any join code's life.
	jobRetention = 7 * 24 * time.Hour
	// copyRetention is long after anyone still edits, deletes or answers a
	// message; a reaction goes with the copies of the message it is on.
	copyRetention = 90 * 24 * time.Hour
)

// Prune forgets the relay's finished jobs, expired join codes, and copies
// and failures nobody can act on any more.
func (r *Relay) Prune(ctx context.Context) error {
	now := r.now()
	return errors.Join(
		r.db.RelayJob.Prune(ctx, now.Add(-jobRetention)),
		r.db.JoinCode.Prune(ctx, now),
		r.db.RelayCopy.Prune(ctx, now.Add(-copyRetention)),
		r.db.RelayFailure.Prune(ctx, now.Add(-copyRetention)),
		// After the copies: it forgets reactions whose copies are gone.
		r.db.RelayReaction.Prune(ctx),
	)
}
