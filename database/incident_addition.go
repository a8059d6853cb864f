package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertAdditionQuery  = `INSERT INTO incident_addition (incident_id, at, text) VALUES ($1, $2, $3) RETURNING id`
	pendingAdditionQuery = `
		SELECT a.id, a.incident_id, a.at, a.text FROM incident_addition a JOIN incident i ON i.id = a.incident_id
		WHERE a.relayed_event='' AND i.relayed_event<>'' ORDER BY a.id`
	setAdditionRelayedQuery = `UPDATE incident_addition SET relayed_event=$2 WHERE id=$1`
)

// Addition is something a reporter wrote to an incident after the intake.
type Addition struct {
	ID         int64
	IncidentID int64
	At         time.Time
	Text       string
}

func newAddition(_ *dbutil.QueryHelper[*Addition]) *Addition { return &Addition{} }

func (a *Addition) Scan(row dbutil.Scannable) (*Addition, error) {
	var at int64
	if err := row.Scan(&a.ID, &a.IncidentID, &at, &a.Text); err != nil {
		return nil, err
	}
	a.At = time.UnixMilli(at)
	return a, nil
}

type IncidentAdditionQuery struct {
	*dbutil.QueryHelper[*Addition]
}

// Insert stores an addition; it is durable when this returns.
func (q *IncidentAdditionQuery) Insert(ctx context.Context, a *Addition) error {
	if err := q.GetDB().QueryRow(ctx, insertAdditionQuery, a.IncidentID, a.At.UnixMilli(), a.Text).Scan(&a.ID); err != nil {
		return fmt.Errorf("failed to store incident addition: %w", err)
	}
	return nil
}

// Pending lists additions not yet relayed to incidents that have been.
func (q *IncidentAdditionQuery) Pending(ctx context.Context) ([]*Addition, error) {
	additions, err := q.QueryMany(ctx, pendingAdditionQuery)
	if err != nil {
		return nil, fmt.Errorf("failed to list incident additions: %w", err)
	}
	return additions, nil
}

func (q *IncidentAdditionQuery) SetRelayed(ctx context.Context, additionID int64, eventID id.EventID) error {
	if err := q.Exec(ctx, setAdditionRelayedQuery, additionID, eventID); err != nil {
		return fmt.Errorf("failed to mark incident addition relayed: %w", err)
	}
	return nil
}
