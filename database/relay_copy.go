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
	insertRelayCopyQuery = `
		INSERT INTO relay_copy (source_event, source_room, target_room, copy_event, source_sender, copied_at, translation, route)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (source_event, target_room) DO NOTHING`
	relayCopyColumns      = `source_event, source_room, target_room, copy_event, source_sender, copied_at, translation, route, copied_by`
	getRelayCopyQuery     = `SELECT copy_event FROM relay_copy WHERE source_event=$1 AND target_room=$2`
	relayCopiesQuery      = `SELECT ` + relayCopyColumns + ` FROM relay_copy WHERE source_event=$1`
	relayCopyOriginQuery  = `SELECT ` + relayCopyColumns + ` FROM relay_copy WHERE copy_event=$1`
	deleteRelayCopiesByID = `DELETE FROM relay_copy WHERE source_event=$1`
	setCopyTranslationSQL = `UPDATE relay_copy SET translation=$3, route=$4 WHERE source_event=$1 AND target_room=$2`
	pruneRelayCopiesQuery = `DELETE FROM relay_copy WHERE copied_at < $1`
)

// Copy ties a relayed copy to the event it was made from.
type Copy struct {
	SourceEvent id.EventID
	SourceRoom  id.RoomID
	TargetRoom  id.RoomID
	CopyEvent   id.EventID
	// SourceSender sent the source event ("" for copies made before it was kept).
	SourceSender id.UserID
	// CopiedAt is when the copy was made; Put takes the current time when
	// it is zero.
	CopiedAt time.Time
	// Translation is the engine that translated the copy, TranslationNone
	// or TranslationFailed ("" for copies made before it was kept); Route
	// the languages it passed through, e.g. fr>ca>en.
	Translation string
	Route       string
	// CopiedBy is the bot that made the copy when it was not this one: the
	// coalition moved here from another instance ("" for this bot).
	CopiedBy id.UserID
}

const (
	TranslationNone   = "none"   // nothing to translate
	TranslationFailed = "failed" // the original was relayed instead
)

func newCopy(_ *dbutil.QueryHelper[*Copy]) *Copy { return &Copy{} }

func (c *Copy) Scan(row dbutil.Scannable) (*Copy, error) {
	var copied int64
	if err := row.Scan(&c.SourceEvent, &c.SourceRoom, &c.TargetRoom, &c.CopyEvent, &c.SourceSender, &copied, &c.Translation, &c.Route, &c.CopiedBy); err != nil {
		return nil, err
	}
	c.CopiedAt = ms(copied)
	return c, nil
}

type RelayCopyQuery struct {
	*dbutil.QueryHelper[*Copy]
}

func (q *RelayCopyQuery) Put(ctx context.Context, c *Copy) error {
	at := c.CopiedAt
	if at.IsZero() {
		// A copy stamped 0 would be the first to be pruned, right after
		// it was made.
		at = time.Now()
	}
	if err := q.Exec(ctx, insertRelayCopyQuery, c.SourceEvent, c.SourceRoom, c.TargetRoom, c.CopyEvent, c.SourceSender, at.UnixMilli(),
		c.Translation, c.Route); err != nil {
		return fmt.Errorf("failed to store relayed copy: %w", err)
	}
	return nil
}

// Get returns the copy of the source event in the target room, or "".
func (q *RelayCopyQuery) Get(ctx context.Context, source id.EventID, target id.RoomID) (id.EventID, error) {
	var copyID id.EventID
	err := q.GetDB().QueryRow(ctx, getRelayCopyQuery, source, target).Scan(&copyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to get relayed copy: %w", err)
	}
	return copyID, nil
}

// Of lists every copy made of the source event.
func (q *RelayCopyQuery) Of(ctx context.Context, source id.EventID) ([]*Copy, error) {
	copies, err := q.QueryMany(ctx, relayCopiesQuery, source)
	if err != nil {
		return nil, fmt.Errorf("failed to list relayed copies: %w", err)
	}
	return copies, nil
}

// Origin returns the copy row when eventID is a relayed copy, else nil.
func (q *RelayCopyQuery) Origin(ctx context.Context, eventID id.EventID) (*Copy, error) {
	c, err := q.QueryOne(ctx, relayCopyOriginQuery, eventID)
	if err != nil {
		return nil, fmt.Errorf("failed to find origin of event: %w", err)
	}
	return c, nil
}

// SetTranslation records how the copy was translated when it was edited.
func (q *RelayCopyQuery) SetTranslation(ctx context.Context, source id.EventID, target id.RoomID, translation, route string) error {
	if err := q.Exec(ctx, setCopyTranslationSQL, source, target, translation, route); err != nil {
		return fmt.Errorf("failed to record a copy's translation: %w", err)
	}
	return nil
}

// Forget drops the copies of a source event (after it was redacted).
func (q *RelayCopyQuery) Forget(ctx context.Context, source id.EventID) error {
	if err := q.Exec(ctx, deleteRelayCopiesByID, source); err != nil {
		return fmt.Errorf("failed to forget relayed copies: %w", err)
	}
	return nil
}

// Prune forgets copies made before the cutoff. Edits, deletions, replies and
// reactions that reach an old message after that are not mirrored onto its
// copies, so the cutoff is far beyond when people still touch a message.
func (q *RelayCopyQuery) Prune(ctx context.Context, before time.Time) error {
	if err := q.Exec(ctx, pruneRelayCopiesQuery, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune relayed copies: %w", err)
	}
	return nil
}
