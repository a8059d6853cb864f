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
	insertLedgerAuditQuery = `INSERT INTO ledger_audit (entry_id, at, actor, action, before) VALUES ($1, $2, $3, $4, $5)`
	ledgerAuditQuery       = `SELECT at, actor, action, before FROM ledger_audit WHERE entry_id=$1 ORDER BY id`
)

// LedgerAudit is one change to a ledger entry: who, when, what, and how it
// read before.
type LedgerAudit struct {
	At     time.Time
	Actor  id.UserID
	Action string
	Before *LedgerEntry
}

// Audit actions.
const (
	LedgerAdded     = "added"
	LedgerEdited    = "edited"
	LedgerCorrected = "corrected"
	LedgerWithdrawn = "withdrawn"
)

func newLedgerAudit(_ *dbutil.QueryHelper[*LedgerAudit]) *LedgerAudit { return &LedgerAudit{} }

func (a *LedgerAudit) Scan(row dbutil.Scannable) (*LedgerAudit, error) {
	var at int64
	var before string
	if err := row.Scan(&at, &a.Actor, &a.Action, &before); err != nil {
		return nil, err
	}
	a.At = time.UnixMilli(at)
	if before != "" {
		a.Before = &LedgerEntry{}
		if err := json.Unmarshal([]byte(before), a.Before); err != nil {
			return nil, fmt.Errorf("failed to read ledger audit: %w", err)
		}
	}
	return a, nil
}

type LedgerAuditQuery struct {
	*dbutil.QueryHelper[*LedgerAudit]
}

// List is an entry's changes, oldest first.
func (q *LedgerAuditQuery) List(ctx context.Context, entryID int64) ([]*LedgerAudit, error) {
	lines, err := q.QueryMany(ctx, ledgerAuditQuery, entryID)
	if err != nil {
		return nil, fmt.Errorf("failed to read ledger audit: %w", err)
	}
	return lines, nil
}

// auditLedger records a change, in the transaction of the change itself.
func auditLedger(ctx context.Context, db *dbutil.Database, entryID int64, at time.Time, actor id.UserID, action string, before *LedgerEntry) error {
	var data []byte
	if before != nil {
		var err error
		if data, err = json.Marshal(before); err != nil {
			return err
		}
	}
	if _, err := db.Exec(ctx, insertLedgerAuditQuery, entryID, at.UnixMilli(), actor, action, string(data)); err != nil {
		return fmt.Errorf("failed to record ledger change: %w", err)
	}
	return nil
}
