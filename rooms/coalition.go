package rooms

import (
	"context"
	"time"

	"maunium.net/go/mautrix/id"

	"starling/database"
)

// Coalition membership is read and changed here alone: which rooms a room
// reaches is the trust rule most worth having in one place.

// Membership is the room's coalition membership, nil when it has none.
func (a *Authority) Membership(ctx context.Context, roomID id.RoomID) (*database.CoalitionRoom, error) {
	return a.db.CoalitionRoom.Get(ctx, roomID)
}

// CoalitionOf is the id of the room's coalition, "" when it has none.
func (a *Authority) CoalitionOf(ctx context.Context, roomID id.RoomID) (string, error) {
	member, err := a.Membership(ctx, roomID)
	if err != nil || member == nil {
		return "", err
	}
	return member.CoalitionID, nil
}

// CoalitionRooms are a coalition's rooms in the order they joined.
func (a *Authority) CoalitionRooms(ctx context.Context, coalitionID string) ([]*database.CoalitionRoom, error) {
	return a.db.CoalitionRoom.List(ctx, coalitionID)
}

// AllMemberships are every room's membership, of every coalition.
func (a *Authority) AllMemberships(ctx context.Context) ([]*database.CoalitionRoom, error) {
	return a.db.CoalitionRoom.All(ctx)
}

// AddToCoalition records that the room joined the coalition. The caller
// has checked it may (see relay.Coalitions): this only writes it down.
func (a *Authority) AddToCoalition(ctx context.Context, roomID id.RoomID, coalitionID string, by id.UserID, at time.Time) error {
	return a.db.CoalitionRoom.Insert(ctx, &database.CoalitionRoom{RoomID: roomID, CoalitionID: coalitionID, AddedBy: by, AddedAt: at})
}

// RemoveFromCoalition records that the room left its coalition. A room
// that leaves takes no role along (the watch circle is vacated, for the
// others to give), and gets none back if it returns.
func (a *Authority) RemoveFromCoalition(ctx context.Context, roomID id.RoomID) error {
	return a.db.DoTxn(ctx, nil, func(ctx context.Context) error {
		if err := a.db.CoalitionRoom.Delete(ctx, roomID); err != nil {
			return err
		}
		return a.db.WatchRoom.Vacate(ctx, roomID)
	})
}

// SetPaused stops or restarts what the room sends to its coalition.
func (a *Authority) SetPaused(ctx context.Context, roomID id.RoomID, paused bool) error {
	return a.db.CoalitionRoom.SetPaused(ctx, roomID, paused)
}

// RelayTargets are the rooms a message from this room is relayed to: the
// other rooms of its coalition that the bot is still in. The responder room
// neither sends nor receives relayed traffic (what responders say stays
// there), and a paused room sends nothing. A room the bot was removed from
// gets nothing queued, rather than a queue it can never send.
func (a *Authority) RelayTargets(ctx context.Context, source id.RoomID) ([]id.RoomID, error) {
	member, err := a.db.CoalitionRoom.Get(ctx, source)
	if err != nil || member == nil || member.Paused {
		return nil, err
	}
	responder, _, err := a.db.Incident.ResponderRoom(ctx, member.CoalitionID)
	if err != nil || responder == source {
		return nil, err
	}
	rooms, err := a.db.CoalitionRoom.List(ctx, member.CoalitionID)
	if err != nil {
		return nil, err
	}
	var targets []id.RoomID
	for _, r := range rooms {
		if r.RoomID != source && r.RoomID != responder && a.mx.IsJoined(ctx, r.RoomID, a.mx.BotUserID()) {
			targets = append(targets, r.RoomID)
		}
	}
	return targets, nil
}

// Reach is where something made in the room is posted: every room of its
// coalition, or the room alone. It returns the coalition id ("" for none).
func (a *Authority) Reach(ctx context.Context, roomID id.RoomID) ([]id.RoomID, string, error) {
	member, err := a.db.CoalitionRoom.Get(ctx, roomID)
	if err != nil || member == nil {
		return []id.RoomID{roomID}, "", err
	}
	list, err := a.db.CoalitionRoom.List(ctx, member.CoalitionID)
	if err != nil {
		return nil, "", err
	}
	out := make([]id.RoomID, 0, len(list))
	for _, r := range list {
		out = append(out, r.RoomID)
	}
	return out, member.CoalitionID, nil
}

// Scope is where something a room made for its coalition (a check-in, a
// vigil, a form) reaches now: every room of that coalition while the room
// that made it is still in it, else that room alone — a room taken out of
// a coalition takes nothing of it along. Check-ins gather what rooms write,
// so they leave the responder room out (withoutResponder).
func (a *Authority) Scope(ctx context.Context, owner id.RoomID, coalitionID string, withoutResponder bool) ([]id.RoomID, error) {
	if coalitionID == "" {
		return []id.RoomID{owner}, nil
	}
	member, err := a.db.CoalitionRoom.Get(ctx, owner)
	if err != nil {
		return nil, err
	}
	if member == nil || member.CoalitionID != coalitionID {
		return []id.RoomID{owner}, nil
	}
	responder := id.RoomID("")
	if withoutResponder {
		if responder, _, err = a.db.Incident.ResponderRoom(ctx, coalitionID); err != nil {
			return nil, err
		}
	}
	list, err := a.db.CoalitionRoom.List(ctx, coalitionID)
	if err != nil {
		return nil, err
	}
	out := make([]id.RoomID, 0, len(list))
	for _, r := range list {
		if r.RoomID != responder || r.RoomID == owner {
			out = append(out, r.RoomID)
		}
	}
	return out, nil
}

// WatchRoom is the coalition's watch circle, "" for none.
func (a *Authority) WatchRoom(ctx context.Context, coalitionID string) (id.RoomID, error) {
	return a.db.WatchRoom.Get(ctx, coalitionID)
}

// MoveWatchRoom makes room the watch circle of its coalition, if the role
// is still in from ("" for none); it tells whether it did.
func (a *Authority) MoveWatchRoom(ctx context.Context, coalitionID string, from, room id.RoomID) (bool, error) {
	return a.db.WatchRoom.Move(ctx, coalitionID, from, room)
}
