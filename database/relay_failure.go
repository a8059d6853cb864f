package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertRelayFailureQuery = `
		INSERT INTO relay_failure (event_id, source_room, target_room, reason, failed_at) VALUES ($1, $2, $3, $4, $5)`
	recentRelayFailuresQuery = `
		SELECT event_id, source_room, target_room, reason, failed_at FROM relay_failure
		WHERE source_room=$1 OR target_room=$1 ORDER BY failed_at DESC, id DESC LIMIT $2`
	pruneRelayFailuresQuery = `DELETE FROM relay_failure WHERE failed_at < $1`
)

// Reasons a delivery was given up on.
const (
	FailureUnreadable = "unreadable" // the event could not be read or decoded
	FailureRefused    = "refused"    // the homeserver refused the copy for good
	FailureCrashed    = "crashed"    // the delivery met a bug
)

// RelayFailure is a copy the relay gave up on.
type RelayFailure struct {
	EventID    id.EventID
	SourceRoom id.RoomID
	TargetRoom id.RoomID
	Reason     string
	FailedAt   time.Time
}

type RelayFailureQuery struct {
	db *dbutil.Database
}

func (q *RelayFailureQuery) Put(ctx context.Context, f *RelayFailure) error {
	if _, err := q.db.Exec(ctx, insertRelayFailureQuery, f.EventID, f.SourceRoom, f.TargetRoom, f.Reason, f.FailedAt.UnixMilli()); err != nil {
		return fmt.Errorf("failed to record a relay failure: %w", err)
	}
	return nil
}

// Recent returns the latest failures of copies from or to the room, newest first.
func (q *RelayFailureQuery) Recent(ctx context.Context, room id.RoomID, limit int) ([]*RelayFailure, error) {
	rows, err := q.db.Query(ctx, recentRelayFailuresQuery, room, limit)
	if err != nil {
		return nil, fmt.Errorf("failed to list relay failures: %w", err)
	}
	defer rows.Close()
	var out []*RelayFailure
	for rows.Next() {
		var f RelayFailure
		var at int64
		if err = rows.Scan(&f.EventID, &f.SourceRoom, &f.TargetRoom, &f.Reason, &at); err != nil {
			return nil, fmt.Errorf("failed to read a relay failure: %w", err)
		}
		f.FailedAt = time.UnixMilli(at)
		out = append(out, &f)
	}
	return out, rows.Err()
}

// Prune forgets failures recorded before the cutoff.
func (q *RelayFailureQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.db.Exec(ctx, pruneRelayFailuresQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune relay failures: %w", err)
	}
	return nil
}
