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
	getWatchRoomQuery    = `SELECT room_id FROM watch_room WHERE coalition_id=$1`
	vacateWatchRoomQuery = `DELETE FROM watch_room WHERE room_id=$1`
	// setWatchRoomQuery moves the role only from the room it was read to be
	// in ($3, '' for none), and only to a room of the coalition.
	setWatchRoomQuery = `
		INSERT INTO watch_room (coalition_id, room_id)
		SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM coalition_room WHERE coalition_id=$1 AND room_id=$2)
		ON CONFLICT (coalition_id) DO UPDATE SET room_id=excluded.room_id WHERE watch_room.room_id=$3`
)

// WatchRoomQuery keeps each coalition's watch circle: the room whose
// briefings reach every room of the coalition.
type WatchRoomQuery struct {
	db *dbutil.Database
}

// Get is the coalition's watch room, "" for none.
func (q *WatchRoomQuery) Get(ctx context.Context, coalitionID string) (id.RoomID, error) {
	var room id.RoomID
	err := q.db.QueryRow(ctx, getWatchRoomQuery, coalitionID).Scan(&room)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to get watch room: %w", err)
	}
	return room, nil
}

// Move makes roomID the coalition's watch room, if the role is still where
// it was read to be (from, "" for none) and the room is in the coalition;
// it tells whether it did.
func (q *WatchRoomQuery) Move(ctx context.Context, coalitionID string, from, roomID id.RoomID) (bool, error) {
	res, err := q.db.Exec(ctx, setWatchRoomQuery, coalitionID, roomID, from)
	if err != nil {
		return false, fmt.Errorf("failed to set watch room: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Vacate takes the role from the room, if it has it.
func (q *WatchRoomQuery) Vacate(ctx context.Context, roomID id.RoomID) error {
	if _, err := q.db.Exec(ctx, vacateWatchRoomQuery, roomID); err != nil {
		return fmt.Errorf("failed to vacate watch room: %w", err)
	}
	return nil
}
