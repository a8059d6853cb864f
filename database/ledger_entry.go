package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	ledgerColumns = `id, coalition_id, from_room, to_room, kind, hundredths, unit, note, note_lang, link_event, author,
		encrypted, created_at, updated_at, version, withdrawn`
	insertLedgerQuery = `
		INSERT INTO ledger_entry (coalition_id, from_room, to_room, kind, hundredths, unit, note, note_lang, link_event, author,
			encrypted, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`
	getLedgerQuery = `SELECT ` + ledgerColumns + ` FROM ledger_entry WHERE id=$1`
	// A period's entries, withdrawn ones left out.
	ledgerPeriodQuery = `
		SELECT ` + ledgerColumns + ` FROM ledger_entry
		WHERE coalition_id=$1 AND NOT withdrawn AND created_at>=$2 AND created_at<$3 ORDER BY created_at, id`
	// updateLedgerQuery changes an entry only as it was read (its version),
	// so that of two changes at once the second is refused, not lost.
	updateLedgerQuery = `
		UPDATE ledger_entry SET to_room=$2, kind=$3, hundredths=$4, unit=$5, note=$6, note_lang=$7, encrypted=$8, updated_at=$9,
			version=version+1
		WHERE id=$1 AND version=$10 AND NOT withdrawn`
	withdrawLedgerQuery = `UPDATE ledger_entry SET withdrawn=true, updated_at=$2, version=version+1 WHERE id=$1 AND version=$3 AND NOT withdrawn`
	pruneLedgerQuery    = `DELETE FROM ledger_entry WHERE updated_at < $1`
)

// LedgerEntry is one contribution recorded in a coalition's reciprocity
// ledger: from a room, to another room or ("" ) the coalition.
type LedgerEntry struct {
	ID          int64
	CoalitionID string
	FromRoom    id.RoomID
	ToRoom      id.RoomID
	Kind        string
	// Hundredths and Unit are the amount (hours, a currency, items); Unit
	// is "" when none was given.
	Hundredths int64
	Unit       string
	Note       string
	NoteLang   string
	// LinkEvent is a message in FromRoom the entry is about.
	LinkEvent id.EventID
	Author    id.UserID
	// Encrypted: the entry was written in an end-to-end encrypted event.
	Encrypted bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the changes made to the entry.
	Version   int64
	Withdrawn bool
}

func newLedgerEntry(_ *dbutil.QueryHelper[*LedgerEntry]) *LedgerEntry { return &LedgerEntry{} }

func (e *LedgerEntry) Scan(row dbutil.Scannable) (*LedgerEntry, error) {
	var created, updated int64
	if err := row.Scan(&e.ID, &e.CoalitionID, &e.FromRoom, &e.ToRoom, &e.Kind, &e.Hundredths, &e.Unit, &e.Note, &e.NoteLang,
		&e.LinkEvent, &e.Author, &e.Encrypted, &created, &updated, &e.Version, &e.Withdrawn); err != nil {
		return nil, err
	}
	e.CreatedAt, e.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return e, nil
}

type LedgerEntryQuery struct {
	*dbutil.QueryHelper[*LedgerEntry]
}

// Insert stores a new entry and its first audit line.
func (q *LedgerEntryQuery) Insert(ctx context.Context, e *LedgerEntry) error {
	return q.GetDB().DoTxn(ctx, nil, func(ctx context.Context) error {
		err := q.GetDB().QueryRow(ctx, insertLedgerQuery, e.CoalitionID, e.FromRoom, e.ToRoom, e.Kind, e.Hundredths, e.Unit, e.Note,
			e.NoteLang, e.LinkEvent, e.Author, e.Encrypted, e.CreatedAt.UnixMilli()).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("failed to store ledger entry: %w", err)
		}
		e.UpdatedAt = e.CreatedAt
		return auditLedger(ctx, q.GetDB(), e.ID, e.CreatedAt, e.Author, LedgerAdded, nil)
	})
}

func (q *LedgerEntryQuery) Get(ctx context.Context, entryID int64) (*LedgerEntry, error) {
	e, err := q.QueryOne(ctx, getLedgerQuery, entryID)
	if err != nil {
		return nil, fmt.Errorf("failed to get ledger entry: %w", err)
	}
	return e, nil
}

// Period lists a coalition's standing entries made in [from, until).
func (q *LedgerEntryQuery) Period(ctx context.Context, coalitionID string, from, until time.Time) ([]*LedgerEntry, error) {
	entries, err := q.QueryMany(ctx, ledgerPeriodQuery, coalitionID, from.UnixMilli(), until.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("failed to list ledger entries: %w", err)
	}
	return entries, nil
}

// Update saves changed, as actor did it (action), if the entry still reads
// as before; it tells whether it did, and keeps before in the audit.
func (q *LedgerEntryQuery) Update(ctx context.Context, before, changed *LedgerEntry, actor id.UserID, action string, at time.Time) (bool, error) {
	var done bool
	err := q.GetDB().DoTxn(ctx, nil, func(ctx context.Context) error {
		res, err := q.GetDB().Exec(ctx, updateLedgerQuery, changed.ID, changed.ToRoom, changed.Kind, changed.Hundredths, changed.Unit,
			changed.Note, changed.NoteLang, changed.Encrypted, at.UnixMilli(), before.Version)
		if err != nil {
			return fmt.Errorf("failed to change ledger entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		changed.UpdatedAt, changed.Version = at, before.Version+1
		return auditLedger(ctx, q.GetDB(), changed.ID, at, actor, action, before)
	})
	return done, err
}

// Withdraw takes an entry back; it tells whether it stood until now.
func (q *LedgerEntryQuery) Withdraw(ctx context.Context, before *LedgerEntry, actor id.UserID, at time.Time) (bool, error) {
	var done bool
	err := q.GetDB().DoTxn(ctx, nil, func(ctx context.Context) error {
		res, err := q.GetDB().Exec(ctx, withdrawLedgerQuery, before.ID, at.UnixMilli(), before.Version)
		if err != nil {
			return fmt.Errorf("failed to withdraw ledger entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		done = true
		return auditLedger(ctx, q.GetDB(), before.ID, at, actor, LedgerWithdrawn, before)
	})
	return done, err
}

// Prune deletes entries, and their audit (ON DELETE CASCADE), unchanged
// since before.
func (q *LedgerEntryQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.GetDB().Exec(ctx, pruneLedgerQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune ledger: %w", err)
	}
	return nil
}
