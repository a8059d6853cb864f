package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"go.mau.fi/util/dbutil"
)

const (
	getBotStateQuery = `SELECT value FROM bot_state WHERE key=$1`
	setBotStateQuery = `
		INSERT INTO bot_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value=excluded.value`
)

type BotStateQuery struct {
	db *dbutil.Database
}

// Get returns the stored value and whether there was one.
func (q *BotStateQuery) Get(ctx context.Context, key string) (string, bool, error) {
	var value string
	err := q.db.QueryRow(ctx, getBotStateQuery, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("failed to get bot state %s: %w", key, err)
	}
	return value, true, nil
}

func (q *BotStateQuery) Set(ctx context.Context, key, value string) error {
	if _, err := q.db.Exec(ctx, setBotStateQuery, key, value); err != nil {
		return fmt.Errorf("failed to set bot state %s: %w", key, err)
	}
	return nil
}
