package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertVigilRSVPQuery = `
		INSERT INTO vigil_rsvp (schedule_id, occurs_at, user_id, event_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (schedule_id, occurs_at, user_id) DO NOTHING`
	deleteVigilRSVPQuery = `DELETE FROM vigil_rsvp WHERE event_id=$1`
	countVigilRSVPQuery  = `SELECT COUNT(*) FROM vigil_rsvp WHERE schedule_id=$1 AND occurs_at=$2`
	listVigilRSVPQuery   = `SELECT user_id FROM vigil_rsvp WHERE schedule_id=$1 AND occurs_at=$2 ORDER BY user_id`
)

type VigilRSVPQuery struct {
	db *dbutil.Database
}

func (q *VigilRSVPQuery) Put(ctx context.Context, scheduleID int64, at time.Time, userID id.UserID, eventID id.EventID) error {
	if _, err := q.db.Exec(ctx, insertVigilRSVPQuery, scheduleID, at.UnixMilli(), userID, eventID); err != nil {
		return fmt.Errorf("failed to record RSVP: %w", err)
	}
	return nil
}

// Withdraw removes the RSVP made by a reaction that was redacted.
func (q *VigilRSVPQuery) Withdraw(ctx context.Context, reactionID id.EventID) error {
	if _, err := q.db.Exec(ctx, deleteVigilRSVPQuery, reactionID); err != nil {
		return fmt.Errorf("failed to withdraw RSVP: %w", err)
	}
	return nil
}

func (q *VigilRSVPQuery) Count(ctx context.Context, scheduleID int64, at time.Time) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, countVigilRSVPQuery, scheduleID, at.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("failed to count RSVPs: %w", err)
	}
	return n, nil
}

// List is who said they would come, each once.
func (q *VigilRSVPQuery) List(ctx context.Context, scheduleID int64, at time.Time) ([]id.UserID, error) {
	rows, err := q.db.Query(ctx, listVigilRSVPQuery, scheduleID, at.UnixMilli())
	out, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.UserID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list RSVPs: %w", err)
	}
	return out, nil
}
