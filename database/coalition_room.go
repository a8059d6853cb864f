package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	coalitionRoomColumns      = `room_id, coalition_id, paused, added_by, added_at`
	insertCoalitionRoomQuery  = `INSERT INTO coalition_room (` + coalitionRoomColumns + `) VALUES ($1, $2, $3, $4, $5)`
	getCoalitionRoomQuery     = `SELECT ` + coalitionRoomColumns + ` FROM coalition_room WHERE room_id=$1`
	listCoalitionRoomsQuery   = `SELECT ` + coalitionRoomColumns + ` FROM coalition_room WHERE coalition_id=$1 ORDER BY added_at, room_id`
	deleteCoalitionRoomQuery  = `DELETE FROM coalition_room WHERE room_id=$1`
	setCoalitionRoomPausedSQL = `UPDATE coalition_room SET paused=$2 WHERE room_id=$1`
)

// CoalitionRoom is a room's membership in a coalition.
type CoalitionRoom struct {
	RoomID      id.RoomID
	CoalitionID string
	Paused      bool
	AddedBy     id.UserID
	AddedAt     time.Time
}

func newCoalitionRoom(_ *dbutil.QueryHelper[*CoalitionRoom]) *CoalitionRoom { return &CoalitionRoom{} }

func (r *CoalitionRoom) Scan(row dbutil.Scannable) (*CoalitionRoom, error) {
	var added int64
	if err := row.Scan(&r.RoomID, &r.CoalitionID, &r.Paused, &r.AddedBy, &added); err != nil {
		return nil, err
	}
	r.AddedAt = time.UnixMilli(added)
	return r, nil
}

type CoalitionRoomQuery struct {
	*dbutil.QueryHelper[*CoalitionRoom]
}

func (q *CoalitionRoomQuery) Insert(ctx context.Context, r *CoalitionRoom) error {
	if err := q.Exec(ctx, insertCoalitionRoomQuery, r.RoomID, r.CoalitionID, r.Paused, r.AddedBy, r.AddedAt.UnixMilli()); err != nil {
		return fmt.Errorf("failed to add room to coalition: %w", err)
	}
	return nil
}

// Get returns the room's coalition membership, or nil when it has none.
func (q *CoalitionRoomQuery) Get(ctx context.Context, roomID id.RoomID) (*CoalitionRoom, error) {
	r, err := q.QueryOne(ctx, getCoalitionRoomQuery, roomID)
	if err != nil {
		return nil, fmt.Errorf("failed to get coalition room: %w", err)
	}
	return r, nil
}

// List returns a coalition's rooms in the order they joined.
func (q *CoalitionRoomQuery) List(ctx context.Context, coalitionID string) ([]*CoalitionRoom, error) {
	rooms, err := q.QueryMany(ctx, listCoalitionRoomsQuery, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to list coalition rooms: %w", err)
	}
	return rooms, nil
}

func (q *CoalitionRoomQuery) Delete(ctx context.Context, roomID id.RoomID) error {
	if err := q.Exec(ctx, deleteCoalitionRoomQuery, roomID); err != nil {
		return fmt.Errorf("failed to remove room from coalition: %w", err)
	}
	return nil
}

func (q *CoalitionRoomQuery) SetPaused(ctx context.Context, roomID id.RoomID, paused bool) error {
	if err := q.Exec(ctx, setCoalitionRoomPausedSQL, roomID, paused); err != nil {
		return fmt.Errorf("failed to pause coalition room: %w", err)
	}
	return nil
}

const allCoalitionRoomsQuery = `SELECT ` + coalitionRoomColumns + ` FROM coalition_room ORDER BY added_at`

// All lists every room in every coalition.
func (q *CoalitionRoomQuery) All(ctx context.Context) ([]*CoalitionRoom, error) {
	rooms, err := q.QueryMany(ctx, allCoalitionRoomsQuery)
	if err != nil {
		return nil, fmt.Errorf("failed to list coalition rooms: %w", err)
	}
	return rooms, nil
}
