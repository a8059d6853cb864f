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
	conversationColumns  = `user_id, kind, ref, template, room_id, lang, step, answers, updated_at`
	getConversationQuery = `SELECT ` + conversationColumns + ` FROM conversation WHERE user_id=$1`
	putConversationQuery = `
		INSERT INTO conversation (` + conversationColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (user_id) DO UPDATE SET kind=excluded.kind, ref=excluded.ref, template=excluded.template,
			room_id=excluded.room_id, lang=excluded.lang, step=excluded.step, answers=excluded.answers, updated_at=excluded.updated_at`
	// createConversationQuery opens a conversation only if the person has none.
	createConversationQuery = `
		INSERT INTO conversation (` + conversationColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (user_id) DO NOTHING`
	deleteConversationQuery = `DELETE FROM conversation WHERE user_id=$1`
	setConversationRoomSQL  = `UPDATE conversation SET room_id=$2 WHERE user_id=$1`
	conversationUsersInSQL  = `SELECT user_id FROM conversation WHERE room_id=$1`
	pruneConversationsSQL   = `DELETE FROM conversation WHERE kind=$1 AND updated_at < $2`
	// 'form' is forms.KindForm, whose ref is the form's id.
	pruneAbandonedFormsSQL = `
		DELETE FROM conversation WHERE kind='form' AND updated_at < $1
		AND NOT EXISTS (SELECT 1 FROM form WHERE form.id=conversation.ref AND NOT form.closed)`
)

// Conversation is a dialogue a person has open with the bot.
type Conversation struct {
	UserID    id.UserID
	Kind      string
	Ref       int64
	Template  string
	RoomID    id.RoomID
	Lang      string
	Step      int
	Answers   map[string]StoredAnswer
	UpdatedAt time.Time
}

func newConversation(_ *dbutil.QueryHelper[*Conversation]) *Conversation { return &Conversation{} }

func (c *Conversation) Scan(row dbutil.Scannable) (*Conversation, error) {
	var answers string
	var updated int64
	if err := row.Scan(&c.UserID, &c.Kind, &c.Ref, &c.Template, &c.RoomID, &c.Lang, &c.Step, &answers, &updated); err != nil {
		return nil, err
	}
	c.UpdatedAt = time.UnixMilli(updated)
	return c, json.Unmarshal([]byte(answers), &c.Answers)
}

type ConversationQuery struct {
	*dbutil.QueryHelper[*Conversation]
}

// Get returns the person's open conversation, or nil.
func (q *ConversationQuery) Get(ctx context.Context, userID id.UserID) (*Conversation, error) {
	c, err := q.QueryOne(ctx, getConversationQuery, userID)
	if err != nil {
		return nil, fmt.Errorf("failed to get conversation: %w", err)
	}
	return c, nil
}

// Put saves the conversation as it is now.
func (q *ConversationQuery) Put(ctx context.Context, c *Conversation) error {
	if _, err := q.write(ctx, putConversationQuery, c); err != nil {
		return fmt.Errorf("failed to save conversation: %w", err)
	}
	return nil
}

// Create opens the conversation unless the person has one open already,
// and tells whether it did: two starts at once open one.
func (q *ConversationQuery) Create(ctx context.Context, c *Conversation) (bool, error) {
	n, err := q.write(ctx, createConversationQuery, c)
	if err != nil {
		return false, fmt.Errorf("failed to open conversation: %w", err)
	}
	return n == 1, nil
}

func (q *ConversationQuery) write(ctx context.Context, query string, c *Conversation) (int64, error) {
	if c.Answers == nil {
		c.Answers = map[string]StoredAnswer{}
	}
	data, err := json.Marshal(c.Answers)
	if err != nil {
		return 0, err
	}
	res, err := q.GetDB().Exec(ctx, query, c.UserID, c.Kind, c.Ref, c.Template, c.RoomID, c.Lang, c.Step, string(data), c.UpdatedAt.UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (q *ConversationQuery) Delete(ctx context.Context, userID id.UserID) error {
	if err := q.Exec(ctx, deleteConversationQuery, userID); err != nil {
		return fmt.Errorf("failed to end conversation: %w", err)
	}
	return nil
}

// SetRoom moves the person's conversation (if one is open) to another direct chat.
func (q *ConversationQuery) SetRoom(ctx context.Context, userID id.UserID, roomID id.RoomID) error {
	if err := q.Exec(ctx, setConversationRoomSQL, userID, roomID); err != nil {
		return fmt.Errorf("failed to move conversation: %w", err)
	}
	return nil
}

// UsersIn lists who has a conversation open in the room.
func (q *ConversationQuery) UsersIn(ctx context.Context, roomID id.RoomID) ([]id.UserID, error) {
	rows, err := q.GetDB().Query(ctx, conversationUsersInSQL, roomID)
	out, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.UserID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list conversations in room: %w", err)
	}
	return out, nil
}

// Prune deletes conversations of a kind left untouched since before.
func (q *ConversationQuery) Prune(ctx context.Context, kind string, before time.Time) (int64, error) {
	res, err := q.GetDB().Exec(ctx, pruneConversationsSQL, kind, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("failed to prune conversations: %w", err)
	}
	return res.RowsAffected()
}

// PruneAbandoned deletes form conversations left untouched since before
// whose form is closed or gone: nothing can be submitted to it any more, and
// the row only keeps the person from starting another form. A conversation
// on a form still open is kept however old, as the person may yet finish it;
// incident intakes go with the reports, by Prune.
func (q *ConversationQuery) PruneAbandoned(ctx context.Context, before time.Time) error {
	if err := q.Exec(ctx, pruneAbandonedFormsSQL, before.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune abandoned form conversations: %w", err)
	}
	return nil
}
