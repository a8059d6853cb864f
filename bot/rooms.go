package bot

import (
	"context"
	"fmt"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

func timeFromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

// powerLevels are the room's power levels as the homeserver has them now:
// a right just taken away is gone, whatever the last sync said.
func (b *Bot) powerLevels(ctx context.Context, roomID id.RoomID) (*event.PowerLevelsEventContent, error) {
	pl := &event.PowerLevelsEventContent{}
	if err := b.client.StateEvent(ctx, roomID, event.StatePowerLevels, "", pl); err != nil {
		return nil, fmt.Errorf("failed to fetch power levels: %w", err)
	}
	return pl, nil
}

// PowerLevel is the user's power level in the room's current state.
func (b *Bot) PowerLevel(ctx context.Context, roomID id.RoomID, userID id.UserID) (int, error) {
	pl, err := b.powerLevels(ctx, roomID)
	if err != nil {
		return 0, err
	}
	return pl.GetUserLevel(userID), nil
}

// MayRedactOthers tells whether the user may redact others' events in the room now.
func (b *Bot) MayRedactOthers(ctx context.Context, roomID id.RoomID, userID id.UserID) (bool, error) {
	pl, err := b.powerLevels(ctx, roomID)
	if err != nil {
		return false, err
	}
	return pl.GetUserLevel(userID) >= pl.Redact(), nil
}

// DirectChat is the person the room is a direct chat with, or "".
func (b *Bot) DirectChat(ctx context.Context, roomID id.RoomID) (id.UserID, error) {
	return b.rooms.DirectChat(ctx, roomID)
}
