package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertRoomMoveQuery = `
		INSERT INTO room_move (room_id, moved_to, moved_at) VALUES ($1, $2, $3)
		ON CONFLICT (room_id) DO UPDATE SET moved_to=excluded.moved_to, moved_at=excluded.moved_at`
	listRoomMovesQuery  = `SELECT room_id, moved_to, moved_at FROM room_move ORDER BY moved_at, room_id`
	getRoomMoveQuery    = `SELECT room_id, moved_to, moved_at FROM room_move WHERE room_id=$1`
	deleteRoomMoveQuery = `DELETE FROM room_move WHERE room_id=$1`
)

// RoomMove is a room whose coalition another instance's bot serves now.
type RoomMove struct {
	RoomID  id.RoomID
	MovedTo id.UserID
	MovedAt time.Time
}

func newRoomMove(_ *dbutil.QueryHelper[*RoomMove]) *RoomMove { return &RoomMove{} }

func (m *RoomMove) Scan(row dbutil.Scannable) (*RoomMove, error) {
	var at int64
	if err := row.Scan(&m.RoomID, &m.MovedTo, &at); err != nil {
		return nil, err
	}
	m.MovedAt = ms(at)
	return m, nil
}

type RoomMoveQuery struct {
	*dbutil.QueryHelper[*RoomMove]
}

func (q *RoomMoveQuery) Put(ctx context.Context, m *RoomMove) error {
	if err := q.Exec(ctx, insertRoomMoveQuery, m.RoomID, m.MovedTo, m.MovedAt.UnixMilli()); err != nil {
		return fmt.Errorf("failed to record a room's move: %w", err)
	}
	return nil
}

// Get is the room's move, or nil when it has not moved.
func (q *RoomMoveQuery) Get(ctx context.Context, roomID id.RoomID) (*RoomMove, error) {
	m, err := q.QueryOne(ctx, getRoomMoveQuery, roomID)
	if err != nil {
		return nil, fmt.Errorf("failed to get a room's move: %w", err)
	}
	return m, nil
}

// All are the rooms still to hand over.
func (q *RoomMoveQuery) All(ctx context.Context) ([]*RoomMove, error) {
	moves, err := q.QueryMany(ctx, listRoomMovesQuery)
	if err != nil {
		return nil, fmt.Errorf("failed to list room moves: %w", err)
	}
	return moves, nil
}

// Done forgets a room that was handed over.
func (q *RoomMoveQuery) Done(ctx context.Context, roomID id.RoomID) error {
	if err := q.Exec(ctx, deleteRoomMoveQuery, roomID); err != nil {
		return fmt.Errorf("failed to forget a room's move: %w", err)
	}
	return nil
}
