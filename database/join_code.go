package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertJoinCodeQuery = `INSERT INTO join_code (code_hash, coalition_id, created_by, expires_at) VALUES ($1, $2, $3, $4)`
	// useJoinCodeQuery takes a code once, and only while it is valid.
	useJoinCodeQuery = `
		UPDATE join_code SET used_by_room=$2, used_at=$3
		WHERE code_hash=$1 AND used_by_room IS NULL AND expires_at > $3
		RETURNING coalition_id`
	pruneJoinCodesQuery = `DELETE FROM join_code WHERE expires_at < $1`
)

type JoinCodeQuery struct {
	db *dbutil.Database
}

// Insert stores a code's hash valid until expires.
func (q *JoinCodeQuery) Insert(ctx context.Context, codeHash, coalitionID string, by id.UserID, expires time.Time) error {
	if _, err := q.db.Exec(ctx, insertJoinCodeQuery, codeHash, coalitionID, by, expires.UnixMilli()); err != nil {
		return fmt.Errorf("failed to store join code: %w", err)
	}
	return nil
}

// Use marks the code used by room and returns its coalition, or "" when the
// code is unknown, used or expired.
func (q *JoinCodeQuery) Use(ctx context.Context, codeHash string, roomID id.RoomID, now time.Time) (string, error) {
	rows, err := q.db.Query(ctx, useJoinCodeQuery, codeHash, roomID, now.UnixMilli())
	if err != nil {
		return "", fmt.Errorf("failed to use join code: %w", err)
	}
	defer rows.Close()
	var coalitionID string
	if rows.Next() {
		if err = rows.Scan(&coalitionID); err != nil {
			return "", fmt.Errorf("failed to use join code: %w", err)
		}
	}
	return coalitionID, rows.Err()
}

// Prune forgets codes that expired before the cutoff.
func (q *JoinCodeQuery) Prune(ctx context.Context, before time.Time) error {
	if _, err := q.db.Exec(ctx, pruneJoinCodesQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune join codes: %w", err)
	}
	return nil
}
