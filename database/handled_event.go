package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	claimEventQuery = `
		INSERT INTO handled_event (event_id, room_id, handled_at) VALUES ($1, $2, $3)
		ON CONFLICT (event_id) DO NOTHING`
	pruneHandledEventsQuery = `DELETE FROM handled_event WHERE handled_at < $1`
	handledEventExistsQuery = `SELECT EXISTS (SELECT 1 FROM handled_event WHERE event_id=$1)`
)

type HandledEventQuery struct {
	db *dbutil.Database
}

// Claim records that the bot takes on this event. It returns false when the
// event was claimed before, so that nothing is done twice.
func (q *HandledEventQuery) Claim(ctx context.Context, roomID id.RoomID, eventID id.EventID, now time.Time) (bool, error) {
	res, err := q.db.Exec(ctx, claimEventQuery, eventID, roomID, now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("failed to claim event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("failed to claim event: %w", err)
	}
	return n == 1, nil
}

// Prune forgets events handled before the cutoff; the sync token keeps them
// from coming back long before that.
func (q *HandledEventQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.db.Exec(ctx, pruneHandledEventsQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune handled events: %w", err)
	}
	return nil
}

// Has tells whether the event was claimed (and not pruned yet).
func (q *HandledEventQuery) Has(ctx context.Context, eventID id.EventID) (bool, error) {
	var ok bool
	if err := q.db.QueryRow(ctx, handledEventExistsQuery, eventID).Scan(&ok); err != nil {
		return false, fmt.Errorf("failed to look up handled event: %w", err)
	}
	return ok, nil
}
