package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertOccurrencePostQuery = `
		INSERT INTO occurrence_post (schedule_id, occurs_at, room_id, event_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (event_id) DO NOTHING`
	occurrencePostByEventQuery = `SELECT schedule_id, occurs_at, room_id FROM occurrence_post WHERE event_id=$1`
)

type OccurrencePostQuery struct {
	db *dbutil.Database
}

func (q *OccurrencePostQuery) Put(ctx context.Context, scheduleID int64, at time.Time, roomID id.RoomID, eventID id.EventID) error {
	if _, err := q.db.Exec(ctx, insertOccurrencePostQuery, scheduleID, at.UnixMilli(), roomID, eventID); err != nil {
		return fmt.Errorf("failed to record posted prompt: %w", err)
	}
	return nil
}

// ByEvent finds the occurrence a posted prompt belongs to; ok is false for
// any other event.
func (q *OccurrencePostQuery) ByEvent(ctx context.Context, eventID id.EventID) (scheduleID int64, at time.Time, roomID id.RoomID, ok bool, err error) {
	var ms int64
	err = q.db.QueryRow(ctx, occurrencePostByEventQuery, eventID).Scan(&scheduleID, &ms, &roomID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, "", false, nil
	} else if err != nil {
		return 0, time.Time{}, "", false, fmt.Errorf("failed to look up prompt: %w", err)
	}
	return scheduleID, time.UnixMilli(ms), roomID, true, nil
}
