package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertRelayReactionQuery = `
		INSERT INTO relay_reaction (source_event, target_room, annotated, reaction_key, copy_event) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (source_event, target_room) DO NOTHING`
	sharedRelayReactionQuery = `
		SELECT copy_event FROM relay_reaction WHERE target_room=$1 AND annotated=$2 AND reaction_key=$3 LIMIT 1`
	getRelayReactionQuery = `
		SELECT r.copy_event, (SELECT COUNT(*) FROM relay_reaction o
			WHERE o.target_room=r.target_room AND o.copy_event=r.copy_event AND o.source_event<>r.source_event)
		FROM relay_reaction r WHERE r.source_event=$1 AND r.target_room=$2`
	deleteRelayReactionQuery = `DELETE FROM relay_reaction WHERE source_event=$1 AND target_room=$2`
	// The annotated event is a copy, or the original itself when the
	// reaction was relayed back into the original's room.
	pruneRelayReactionsQuery = `
		DELETE FROM relay_reaction
		WHERE NOT EXISTS (SELECT 1 FROM relay_copy c WHERE c.copy_event=relay_reaction.annotated)
		AND NOT EXISTS (SELECT 1 FROM relay_copy c
			WHERE c.source_event=relay_reaction.annotated AND c.source_room=relay_reaction.target_room)`
)

// ReactionCopy is the bot's reaction standing for a person's reaction in a
// target room.
type ReactionCopy struct {
	SourceEvent id.EventID
	TargetRoom  id.RoomID
	Annotated   id.EventID
	Key         string
	CopyEvent   id.EventID
}

type RelayReactionQuery struct {
	db *dbutil.Database
}

func (q *RelayReactionQuery) Put(ctx context.Context, r *ReactionCopy) error {
	if _, err := q.db.Exec(ctx, insertRelayReactionQuery, r.SourceEvent, r.TargetRoom, r.Annotated, r.Key, r.CopyEvent); err != nil {
		return fmt.Errorf("failed to store relayed reaction: %w", err)
	}
	return nil
}

// Shared returns the bot's reaction with this key on the annotated event in
// the target room, or "" when there is none yet.
func (q *RelayReactionQuery) Shared(ctx context.Context, target id.RoomID, annotated id.EventID, key string) (id.EventID, error) {
	var copyID id.EventID
	err := q.db.QueryRow(ctx, sharedRelayReactionQuery, target, annotated, key).Scan(&copyID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to find relayed reaction: %w", err)
	}
	return copyID, nil
}

// Get returns the bot's reaction standing for source in target and how many
// other people's reactions it also stands for; "" when source has none.
func (q *RelayReactionQuery) Get(ctx context.Context, source id.EventID, target id.RoomID) (id.EventID, int, error) {
	var copyID id.EventID
	var others int
	err := q.db.QueryRow(ctx, getRelayReactionQuery, source, target).Scan(&copyID, &others)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, nil
	} else if err != nil {
		return "", 0, fmt.Errorf("failed to get relayed reaction: %w", err)
	}
	return copyID, others, nil
}

// Delete forgets source's reaction in target (it was withdrawn).
func (q *RelayReactionQuery) Delete(ctx context.Context, source id.EventID, target id.RoomID) error {
	if _, err := q.db.Exec(ctx, deleteRelayReactionQuery, source, target); err != nil {
		return fmt.Errorf("failed to forget relayed reaction: %w", err)
	}
	return nil
}

// Prune forgets reactions on messages whose copies were pruned or deleted: a
// reaction goes with the message it is on. Withdrawing it after that leaves
// the bot's reaction in place, as nothing else done to that message is
// mirrored any more either.
func (q *RelayReactionQuery) Prune(ctx context.Context) error {
	if _, err := q.db.Exec(ctx, pruneRelayReactionsQuery); err != nil {
		return fmt.Errorf("failed to prune relayed reactions: %w", err)
	}
	return nil
}
