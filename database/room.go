package database

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	getRoomQuery         = `SELECT room_id, language, timezone, joined_at, direct, direct_for, mixed FROM room WHERE room_id=$1`
	setRoomLanguageQuery = `
		INSERT INTO room (room_id, language, mixed) VALUES ($1, $2, $3)
		ON CONFLICT (room_id) DO UPDATE SET language=excluded.language, mixed=excluded.mixed`
	setRoomTimezoneQuery = `
		INSERT INTO room (room_id, timezone) VALUES ($1, $2)
		ON CONFLICT (room_id) DO UPDATE SET timezone=excluded.timezone`
	setRoomJoinedAtQuery = `
		INSERT INTO room (room_id, joined_at) VALUES ($1, $2)
		ON CONFLICT (room_id) DO UPDATE SET joined_at=excluded.joined_at`
	setRoomDirectQuery = `
		INSERT INTO room (room_id, direct) VALUES ($1, $2)
		ON CONFLICT (room_id) DO UPDATE SET direct=excluded.direct`
	// stopDirectQuery ends a direct chat once: only one caller flips it.
	stopDirectQuery       = `UPDATE room SET direct=false WHERE room_id=$1 AND direct`
	setRoomDirectForQuery = `
		INSERT INTO room (room_id, direct, direct_for) VALUES ($1, true, $2)
		ON CONFLICT (room_id) DO UPDATE SET direct=true, direct_for=excluded.direct_for`
)

// Room is one row of the room table; empty strings mean "use the default".
type Room struct {
	RoomID   id.RoomID
	Language string
	Timezone string
	JoinedAt time.Time
	// Direct means someone claimed the room is a direct chat, or the bot
	// made it one; only the room authority says whether it is one now.
	Direct bool
	// DirectFor is the person the bot created the room for.
	DirectFor id.UserID
	// Mixed rooms speak several languages: each message's is detected.
	Mixed bool
}

func newRoom(_ *dbutil.QueryHelper[*Room]) *Room { return &Room{} }

func (r *Room) Scan(row dbutil.Scannable) (*Room, error) {
	var lang, tz sql.NullString
	var joined sql.NullInt64
	if err := row.Scan(&r.RoomID, &lang, &tz, &joined, &r.Direct, &r.DirectFor, &r.Mixed); err != nil {
		return nil, err
	}
	r.Language, r.Timezone = lang.String, tz.String
	if joined.Valid {
		r.JoinedAt = time.UnixMilli(joined.Int64)
	}
	return r, nil
}

type RoomQuery struct {
	*dbutil.QueryHelper[*Room]
}

// Get returns the room's row, or an empty one for a room never configured.
func (q *RoomQuery) Get(ctx context.Context, roomID id.RoomID) (*Room, error) {
	r, err := q.QueryOne(ctx, getRoomQuery, roomID)
	if err != nil {
		return nil, fmt.Errorf("failed to get room %s: %w", roomID, err)
	}
	if r == nil {
		r = &Room{RoomID: roomID}
	}
	return r, nil
}

// SetLanguage sets the language the room speaks, and whether it speaks
// others too (mixed).
func (q *RoomQuery) SetLanguage(ctx context.Context, roomID id.RoomID, lang string, mixed bool) error {
	if err := q.Exec(ctx, setRoomLanguageQuery, roomID, lang, mixed); err != nil {
		return fmt.Errorf("failed to set room language: %w", err)
	}
	return nil
}

func (q *RoomQuery) SetTimezone(ctx context.Context, roomID id.RoomID, tz string) error {
	if err := q.Exec(ctx, setRoomTimezoneQuery, roomID, tz); err != nil {
		return fmt.Errorf("failed to set room time zone: %w", err)
	}
	return nil
}

func (q *RoomQuery) SetJoinedAt(ctx context.Context, roomID id.RoomID, at time.Time) error {
	if err := q.Exec(ctx, setRoomJoinedAtQuery, roomID, at.UnixMilli()); err != nil {
		return fmt.Errorf("failed to set room join time: %w", err)
	}
	return nil
}

// SetDirect records whether the bot was invited to the room as a direct chat.
func (q *RoomQuery) SetDirect(ctx context.Context, roomID id.RoomID, direct bool) error {
	if err := q.Exec(ctx, setRoomDirectQuery, roomID, direct); err != nil {
		return fmt.Errorf("failed to set room direct flag: %w", err)
	}
	return nil
}

// StopDirect stops using the room as a direct chat and tells whether this
// call did (it was one until now), so that of two who notice at once, one
// says so.
func (q *RoomQuery) StopDirect(ctx context.Context, roomID id.RoomID) (bool, error) {
	res, err := q.GetDB().Exec(ctx, stopDirectQuery, roomID)
	if err != nil {
		return false, fmt.Errorf("failed to stop using a direct chat: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetDirectFor records a direct chat the bot created for the user.
func (q *RoomQuery) SetDirectFor(ctx context.Context, roomID id.RoomID, userID id.UserID) error {
	if err := q.Exec(ctx, setRoomDirectForQuery, roomID, userID); err != nil {
		return fmt.Errorf("failed to record direct chat: %w", err)
	}
	return nil
}

const directRoomsQuery = `SELECT room_id FROM room WHERE direct ORDER BY direct_for<>'' DESC, room_id`

// DirectRooms lists the rooms claimed or made as direct chats, the bot's own first.
func (q *RoomQuery) DirectRooms(ctx context.Context) ([]id.RoomID, error) {
	rows, err := q.GetDB().Query(ctx, directRoomsQuery)
	out, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.RoomID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list direct chats: %w", err)
	}
	return out, nil
}
