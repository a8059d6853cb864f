package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertCheckinReportQuery = `
		INSERT INTO checkin_report (schedule_id, occurs_at, room_id, event_id, sender) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (schedule_id, occurs_at, event_id) DO NOTHING`
	listCheckinReportsQuery = `SELECT room_id, event_id, sender FROM checkin_report WHERE schedule_id=$1 AND occurs_at=$2 ORDER BY room_id, event_id`
)

// Report is one reply counted as a room's report.
type Report struct {
	RoomID  id.RoomID
	EventID id.EventID
	Sender  id.UserID
}

func newReport(_ *dbutil.QueryHelper[*Report]) *Report { return &Report{} }

func (r *Report) Scan(row dbutil.Scannable) (*Report, error) {
	return r, row.Scan(&r.RoomID, &r.EventID, &r.Sender)
}

type CheckinReportQuery struct {
	*dbutil.QueryHelper[*Report]
}

func (q *CheckinReportQuery) Put(ctx context.Context, scheduleID int64, at time.Time, r *Report) error {
	if err := q.Exec(ctx, insertCheckinReportQuery, scheduleID, at.UnixMilli(), r.RoomID, r.EventID, r.Sender); err != nil {
		return fmt.Errorf("failed to record report: %w", err)
	}
	return nil
}

func (q *CheckinReportQuery) List(ctx context.Context, scheduleID int64, at time.Time) ([]*Report, error) {
	reports, err := q.QueryMany(ctx, listCheckinReportsQuery, scheduleID, at.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("failed to list reports: %w", err)
	}
	return reports, nil
}
