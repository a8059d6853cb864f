package database

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

// Kinds of schedule. A briefing happens once, when it is made; a digest
// gathers the briefings since its previous occurrence.
const (
	KindCheckin = "checkin"
	KindVigil   = "vigil"
	KindBrief   = "brief"
	KindDigest  = "digest"
	KindCircle  = "circle"
)

const (
	scheduleColumns = `id, kind, room_id, coalition_id, created_by, created_at, when_text, zone, text, lang,
		window_ms, rotation, paused, cancelled, last_occurrence, occurrences, encrypted, template`
	insertScheduleQuery = `
		INSERT INTO schedule (kind, room_id, coalition_id, created_by, created_at, when_text, zone, text, lang, window_ms, rotation, encrypted, template)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`
	getScheduleQuery     = `SELECT ` + scheduleColumns + ` FROM schedule WHERE id=$1`
	activeSchedulesQuery = `SELECT ` + scheduleColumns + ` FROM schedule WHERE NOT cancelled`
	listSchedulesQuery   = `SELECT ` + scheduleColumns + ` FROM schedule WHERE NOT cancelled AND (room_id=$1 OR (coalition_id<>'' AND coalition_id=$2)) ORDER BY id`
	setSchedulePausedSQL = `UPDATE schedule SET paused=$2 WHERE id=$1`
	cancelScheduleQuery  = `UPDATE schedule SET cancelled=true WHERE id=$1`
	advanceScheduleQuery = `UPDATE schedule SET last_occurrence=$2, occurrences=occurrences+$3 WHERE id=$1 AND last_occurrence<$2`
	scheduleCountQuery   = `SELECT COUNT(*) FROM schedule WHERE NOT cancelled`
	pruneKindQuery       = `DELETE FROM schedule WHERE kind=$1 AND created_at < $2`
)

// Schedule is a check-in or a vigil.
type Schedule struct {
	ID             int64
	Kind           string
	RoomID         id.RoomID
	CoalitionID    string
	CreatedBy      id.UserID
	CreatedAt      time.Time
	When           string
	Zone           string
	Text           string
	Lang           string
	Window         time.Duration
	Rotation       []id.UserID
	Paused         bool
	Cancelled      bool
	LastOccurrence time.Time
	Occurrences    int
	// Encrypted: the text was written in an end-to-end encrypted event.
	Encrypted bool
	// Template is the form a listening circle opens afterwards.
	Template string
}

func newSchedule(_ *dbutil.QueryHelper[*Schedule]) *Schedule { return &Schedule{} }

func (s *Schedule) Scan(row dbutil.Scannable) (*Schedule, error) {
	var created, window, last int64
	var rotation string
	if err := row.Scan(&s.ID, &s.Kind, &s.RoomID, &s.CoalitionID, &s.CreatedBy, &created, &s.When, &s.Zone, &s.Text,
		&s.Lang, &window, &rotation, &s.Paused, &s.Cancelled, &last, &s.Occurrences, &s.Encrypted, &s.Template); err != nil {
		return nil, err
	}
	s.CreatedAt, s.Window = time.UnixMilli(created), time.Duration(window)*time.Millisecond
	if last > 0 {
		s.LastOccurrence = time.UnixMilli(last)
	}
	if err := json.Unmarshal([]byte(rotation), &s.Rotation); err != nil {
		return nil, fmt.Errorf("failed to read rotation: %w", err)
	}
	return s, nil
}

type ScheduleQuery struct {
	*dbutil.QueryHelper[*Schedule]
}

// Insert stores a new schedule and sets its id.
func (q *ScheduleQuery) Insert(ctx context.Context, s *Schedule) error {
	rotation, err := json.Marshal(s.Rotation)
	if err != nil {
		return err
	}
	if s.Rotation == nil {
		rotation = []byte("[]")
	}
	err = q.GetDB().QueryRow(ctx, insertScheduleQuery, s.Kind, s.RoomID, s.CoalitionID, s.CreatedBy, s.CreatedAt.UnixMilli(),
		s.When, s.Zone, s.Text, s.Lang, s.Window.Milliseconds(), string(rotation), s.Encrypted, s.Template).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("failed to store schedule: %w", err)
	}
	return nil
}

func (q *ScheduleQuery) Get(ctx context.Context, scheduleID int64) (*Schedule, error) {
	s, err := q.QueryOne(ctx, getScheduleQuery, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("failed to get schedule: %w", err)
	}
	return s, nil
}

// Active returns every schedule not cancelled.
func (q *ScheduleQuery) Active(ctx context.Context) ([]*Schedule, error) {
	s, err := q.QueryMany(ctx, activeSchedulesQuery)
	if err != nil {
		return nil, fmt.Errorf("failed to load schedules: %w", err)
	}
	return s, nil
}

// Visible returns the schedules of a room and of its coalition.
func (q *ScheduleQuery) Visible(ctx context.Context, roomID id.RoomID, coalitionID string) ([]*Schedule, error) {
	s, err := q.QueryMany(ctx, listSchedulesQuery, roomID, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to list schedules: %w", err)
	}
	return s, nil
}

func (q *ScheduleQuery) SetPaused(ctx context.Context, scheduleID int64, paused bool) error {
	if err := q.Exec(ctx, setSchedulePausedSQL, scheduleID, paused); err != nil {
		return fmt.Errorf("failed to pause schedule: %w", err)
	}
	return nil
}

func (q *ScheduleQuery) Cancel(ctx context.Context, scheduleID int64) error {
	if err := q.Exec(ctx, cancelScheduleQuery, scheduleID); err != nil {
		return fmt.Errorf("failed to cancel schedule: %w", err)
	}
	return nil
}

// Advance records the occurrence at t as handled. It returns false when it
// (or a later one) was handled before, so nothing fires twice.
func (q *ScheduleQuery) Advance(ctx context.Context, scheduleID int64, t time.Time, fired bool) (bool, error) {
	n := 0
	if fired {
		n = 1
	}
	res, err := q.GetDB().Exec(ctx, advanceScheduleQuery, scheduleID, t.UnixMilli(), n)
	if err != nil {
		return false, fmt.Errorf("failed to advance schedule: %w", err)
	}
	rows, err := res.RowsAffected()
	return rows == 1, err
}

// Count counts the schedules not cancelled.
func (q *ScheduleQuery) Count(ctx context.Context) (int, error) {
	var n int
	if err := q.GetDB().QueryRow(ctx, scheduleCountQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("failed to count schedules: %w", err)
	}
	return n, nil
}

// PruneKind deletes the schedules of a kind made before the cutoff, with
// their occurrences, posts and reports (ON DELETE CASCADE).
func (q *ScheduleQuery) PruneKind(ctx context.Context, kind string, before time.Time) error {
	if _, err := q.GetDB().Exec(ctx, pruneKindQuery, kind, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune schedules: %w", err)
	}
	return nil
}
