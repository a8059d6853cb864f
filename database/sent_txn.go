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
	insertSentTxnQuery = `
		INSERT INTO sent_txn (txn_id, room_id, event_id, sent_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (txn_id) DO NOTHING`
	getSentTxnQuery   = `SELECT event_id FROM sent_txn WHERE txn_id=$1`
	pruneSentTxnQuery = `DELETE FROM sent_txn WHERE sent_at < $1`
)

type SentTxnQuery struct {
	db *dbutil.Database
}

// Put records that the transaction produced the event.
func (q *SentTxnQuery) Put(ctx context.Context, txnID string, roomID id.RoomID, eventID id.EventID, at time.Time) error {
	if _, err := q.db.Exec(ctx, insertSentTxnQuery, txnID, roomID, eventID, at.UnixMilli()); err != nil {
		return fmt.Errorf("failed to record sent event: %w", err)
	}
	return nil
}

// Get returns the event a transaction produced, or "".
func (q *SentTxnQuery) Get(ctx context.Context, txnID string) (id.EventID, error) {
	var eventID id.EventID
	err := q.db.QueryRow(ctx, getSentTxnQuery, txnID).Scan(&eventID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to look up sent event: %w", err)
	}
	return eventID, nil
}

func (q *SentTxnQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.db.Exec(ctx, pruneSentTxnQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune sent events: %w", err)
	}
	return nil
}
