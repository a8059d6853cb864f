package database

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	dutyRotaColumns = `coalition_id, people, daily, weekday, minute, anchor, created_by, created_at`
	getDutyRotaSQL  = `SELECT ` + dutyRotaColumns + ` FROM duty_rota WHERE coalition_id=$1`
	putDutyRotaSQL  = `
		INSERT INTO duty_rota (` + dutyRotaColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (coalition_id) DO UPDATE SET people=excluded.people, daily=excluded.daily, weekday=excluded.weekday,
			minute=excluded.minute, anchor=excluded.anchor, created_by=excluded.created_by, created_at=excluded.created_at`
	deleteDutyRotaSQL = `DELETE FROM duty_rota WHERE coalition_id=$1`
)

// DutyRota is a coalition's responders taking turns being on duty.
type DutyRota struct {
	CoalitionID string
	People      []id.UserID
	// Daily hand-overs, else weekly on Weekday; at Minute after midnight in
	// the zone of the person taking over.
	Daily   bool
	Weekday time.Weekday
	Minute  int
	// Anchor is the calendar day of the hand-over to People[0].
	Anchor    string
	CreatedBy id.UserID
	CreatedAt time.Time
}

func newDutyRota(_ *dbutil.QueryHelper[*DutyRota]) *DutyRota { return &DutyRota{} }

func (r *DutyRota) Scan(row dbutil.Scannable) (*DutyRota, error) {
	var people string
	var created int64
	if err := row.Scan(&r.CoalitionID, &people, &r.Daily, &r.Weekday, &r.Minute, &r.Anchor, &r.CreatedBy, &created); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(people), &r.People); err != nil {
		return nil, fmt.Errorf("failed to read duty rota people: %w", err)
	}
	r.CreatedAt = ms(created)
	return r, nil
}

type DutyRotaQuery struct {
	*dbutil.QueryHelper[*DutyRota]
}

// Get returns the coalition's rota, or nil.
func (q *DutyRotaQuery) Get(ctx context.Context, coalitionID string) (*DutyRota, error) {
	r, err := q.QueryOne(ctx, getDutyRotaSQL, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to get duty rota: %w", err)
	}
	return r, nil
}

// Put sets the coalition's rota, replacing any earlier one.
func (q *DutyRotaQuery) Put(ctx context.Context, r *DutyRota) error {
	people, err := json.Marshal(r.People)
	if err != nil {
		return err
	}
	if err = q.Exec(ctx, putDutyRotaSQL, r.CoalitionID, string(people), r.Daily, int(r.Weekday), r.Minute, r.Anchor,
		r.CreatedBy, r.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("failed to store duty rota: %w", err)
	}
	return nil
}

// Delete removes the coalition's rota.
func (q *DutyRotaQuery) Delete(ctx context.Context, coalitionID string) error {
	if err := q.Exec(ctx, deleteDutyRotaSQL, coalitionID); err != nil {
		return fmt.Errorf("failed to delete duty rota: %w", err)
	}
	return nil
}
