package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
)

// Steps of an occurrence, recorded as bits once done.
const (
	StepPosted      = 1 << iota // check-in prompt or vigil announcement posted
	StepReminded                // check-in reminder to rooms that had not reported
	StepSummarised              // check-in summary sent
	StepVigilDay                // vigil reminder a day before
	StepVigilHour               // vigil reminder an hour before
	StepVigilStart              // vigil start notice
	StepCircleRetro             // a listening circle's retro form opened to its participants
)

const (
	insertOccurrenceQuery = `
		INSERT INTO occurrence (schedule_id, occurs_at, seq, late) VALUES ($1, $2, $3, $4)
		ON CONFLICT (schedule_id, occurs_at) DO NOTHING`
	getOccurrenceQuery  = `SELECT schedule_id, occurs_at, seq, late, steps FROM occurrence WHERE schedule_id=$1 AND occurs_at=$2`
	openOccurrenceQuery = `SELECT schedule_id, occurs_at, seq, late, steps FROM occurrence WHERE schedule_id=$1 ORDER BY occurs_at DESC LIMIT 1`
	markStepQuery       = `UPDATE occurrence SET steps = steps | $3 WHERE schedule_id=$1 AND occurs_at=$2`
)

// Occurrence is one time a schedule fires.
type Occurrence struct {
	ScheduleID int64
	At         time.Time
	Seq        int
	Late       bool
	Steps      int
}

// Done tells whether a step was recorded.
func (o *Occurrence) Done(step int) bool { return o.Steps&step != 0 }

func newOccurrence(_ *dbutil.QueryHelper[*Occurrence]) *Occurrence { return &Occurrence{} }

func (o *Occurrence) Scan(row dbutil.Scannable) (*Occurrence, error) {
	var at int64
	if err := row.Scan(&o.ScheduleID, &at, &o.Seq, &o.Late, &o.Steps); err != nil {
		return nil, err
	}
	o.At = time.UnixMilli(at)
	return o, nil
}

type OccurrenceQuery struct {
	*dbutil.QueryHelper[*Occurrence]
}

// Ensure creates the occurrence if it is new and returns it as stored.
func (q *OccurrenceQuery) Ensure(ctx context.Context, scheduleID int64, at time.Time, seq int, late bool) (*Occurrence, error) {
	if err := q.Exec(ctx, insertOccurrenceQuery, scheduleID, at.UnixMilli(), seq, late); err != nil {
		return nil, fmt.Errorf("failed to store occurrence: %w", err)
	}
	return q.Get(ctx, scheduleID, at)
}

func (q *OccurrenceQuery) Get(ctx context.Context, scheduleID int64, at time.Time) (*Occurrence, error) {
	o, err := q.QueryOne(ctx, getOccurrenceQuery, scheduleID, at.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("failed to get occurrence: %w", err)
	}
	return o, nil
}

// Latest returns the schedule's most recent occurrence, or nil.
func (q *OccurrenceQuery) Latest(ctx context.Context, scheduleID int64) (*Occurrence, error) {
	o, err := q.QueryOne(ctx, openOccurrenceQuery, scheduleID)
	if err != nil {
		return nil, fmt.Errorf("failed to get latest occurrence: %w", err)
	}
	return o, nil
}

// MarkStep records a step as done.
func (q *OccurrenceQuery) MarkStep(ctx context.Context, scheduleID int64, at time.Time, step int) error {
	if err := q.Exec(ctx, markStepQuery, scheduleID, at.UnixMilli(), step); err != nil {
		return fmt.Errorf("failed to record occurrence step: %w", err)
	}
	return nil
}
