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
	insertRelayJobQuery = `
		INSERT INTO relay_job (event_id, room_id, event, received_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (event_id) DO NOTHING RETURNING id`
	insertRelayDeliveryQuery = `INSERT INTO relay_delivery (job_id, target_room) VALUES ($1, $2)`
	nextRelayDeliveryQuery   = `
		SELECT d.job_id, j.event_id, j.room_id, j.event, j.received_at, d.target_room, d.attempted, d.attempts, d.next_attempt
		FROM relay_delivery d JOIN relay_job j ON j.id = d.job_id
		WHERE d.target_room=$1 AND NOT d.done ORDER BY d.job_id LIMIT 1`
	pendingRelayTargetsQuery = `SELECT DISTINCT target_room FROM relay_delivery WHERE NOT done`
	doneRelayDeliveryQuery   = `UPDATE relay_delivery SET done=true WHERE job_id=$1 AND target_room=$2`
	// A finished job keeps its row, so the same event replayed by a sync
	// after a crash is recognised, but not its content.
	clearFinishedRelayJob = `
		UPDATE relay_job SET event='' WHERE id=$1
		AND NOT EXISTS (SELECT 1 FROM relay_delivery WHERE job_id=$1 AND NOT done)`
	pruneRelayJobsQuery = `
		DELETE FROM relay_job WHERE received_at < $1
		AND NOT EXISTS (SELECT 1 FROM relay_delivery WHERE job_id=relay_job.id AND NOT done)`
	retryRelayDeliveryQuery = `UPDATE relay_delivery SET attempts=$3, next_attempt=$4 WHERE job_id=$1 AND target_room=$2`
	countRelayPendingQuery  = `SELECT COUNT(*) FROM relay_delivery WHERE NOT done`
	relayJobExistsQuery     = `SELECT EXISTS (SELECT 1 FROM relay_job WHERE event_id=$1)`
	attemptRelayDelivery    = `UPDATE relay_delivery SET attempted=true WHERE job_id=$1 AND target_room=$2`
)

// Delivery is one event waiting to be relayed into one room.
type Delivery struct {
	JobID      int64
	EventID    id.EventID
	SourceRoom id.RoomID
	Event      string
	// ReceivedAt is when the bot took the event in.
	ReceivedAt  time.Time
	TargetRoom  id.RoomID
	Attempted   bool
	Attempts    int
	NextAttempt time.Time
}

func (d *Delivery) Scan(row dbutil.Scannable) (*Delivery, error) {
	var received, next int64
	if err := row.Scan(&d.JobID, &d.EventID, &d.SourceRoom, &d.Event, &received, &d.TargetRoom, &d.Attempted, &d.Attempts, &next); err != nil {
		return nil, err
	}
	d.ReceivedAt, d.NextAttempt = time.UnixMilli(received), time.UnixMilli(next)
	return d, nil
}

type RelayJobQuery struct {
	db *dbutil.Database
}

// Enqueue stores an event with one delivery per target room, once: it
// returns false for an event already queued.
func (q *RelayJobQuery) Enqueue(ctx context.Context, eventID id.EventID, roomID id.RoomID, raw string, at time.Time, targets []id.RoomID) (bool, error) {
	queued := false
	err := q.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		var jobID int64
		err := q.db.QueryRow(ctx, insertRelayJobQuery, eventID, roomID, raw, at.UnixMilli()).Scan(&jobID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		for _, t := range targets {
			if _, err = q.db.Exec(ctx, insertRelayDeliveryQuery, jobID, t); err != nil {
				return err
			}
		}
		queued = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("failed to queue event for relay: %w", err)
	}
	return queued, nil
}

// Next returns the oldest delivery into the room still to do, or nil.
func (q *RelayJobQuery) Next(ctx context.Context, target id.RoomID) (*Delivery, error) {
	d, err := (&Delivery{}).Scan(q.db.QueryRow(ctx, nextRelayDeliveryQuery, target))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("failed to get next delivery: %w", err)
	}
	return d, nil
}

// PendingTargets lists the rooms with deliveries still to do.
func (q *RelayJobQuery) PendingTargets(ctx context.Context) ([]id.RoomID, error) {
	rows, err := q.db.Query(ctx, pendingRelayTargetsQuery)
	targets, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.RoomID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list relay targets: %w", err)
	}
	return targets, nil
}

// Done marks a delivery finished and drops the job's content once every
// room has it.
func (q *RelayJobQuery) Done(ctx context.Context, jobID int64, target id.RoomID) error {
	return q.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		if _, err := q.db.Exec(ctx, doneRelayDeliveryQuery, jobID, target); err != nil {
			return fmt.Errorf("failed to mark delivery done: %w", err)
		}
		if _, err := q.db.Exec(ctx, clearFinishedRelayJob, jobID); err != nil {
			return fmt.Errorf("failed to clear finished job: %w", err)
		}
		return nil
	})
}

// Retry records a failed attempt and when to try again.
func (q *RelayJobQuery) Retry(ctx context.Context, jobID int64, target id.RoomID, attempts int, next time.Time) error {
	if _, err := q.db.Exec(ctx, retryRelayDeliveryQuery, jobID, target, attempts, next.UnixMilli()); err != nil {
		return fmt.Errorf("failed to schedule retry: %w", err)
	}
	return nil
}

// Pending counts deliveries still to do.
func (q *RelayJobQuery) Pending(ctx context.Context) (int, error) {
	var n int
	if err := q.db.QueryRow(ctx, countRelayPendingQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("failed to count pending deliveries: %w", err)
	}
	return n, nil
}

// Prune forgets finished jobs received before the cutoff; by then no sync
// can bring their events back.
func (q *RelayJobQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.db.Exec(ctx, pruneRelayJobsQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune relay jobs: %w", err)
	}
	return nil
}

// Attempt records that a send is about to start.
func (q *RelayJobQuery) Attempt(ctx context.Context, jobID int64, target id.RoomID) error {
	if _, err := q.db.Exec(ctx, attemptRelayDelivery, jobID, target); err != nil {
		return fmt.Errorf("failed to record send attempt: %w", err)
	}
	return nil
}

// Has tells whether the event was queued for relaying (and not pruned yet).
func (q *RelayJobQuery) Has(ctx context.Context, eventID id.EventID) (bool, error) {
	var ok bool
	if err := q.db.QueryRow(ctx, relayJobExistsQuery, eventID).Scan(&ok); err != nil {
		return false, fmt.Errorf("failed to look up relay job: %w", err)
	}
	return ok, nil
}
