package bot

import (
	"context"
	"fmt"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

func timeFromMillis(ms int64) time.Time { return time.UnixMilli(ms) }

// PowerLevel is the user's power level in the room, from the state store or,
// when it has none yet, from the homeserver.
func (b *Bot) PowerLevel(ctx context.Context, roomID id.RoomID, userID id.UserID) (int, error) {
	pl, err := b.client.StateStore.GetPowerLevels(ctx, roomID)
	if err != nil {
		return 0, fmt.Errorf("failed to get power levels: %w", err)
	}
	if pl == nil {
		pl = &event.PowerLevelsEventContent{}
		if err = b.client.StateEvent(ctx, roomID, event.StatePowerLevels, "", pl); err != nil {
			return 0, fmt.Errorf("failed to fetch power levels: %w", err)
		}
	}
	return pl.GetUserLevel(userID), nil
}

// IsDirect tells whether the bot was invited to the room as a direct chat.
func (b *Bot) IsDirect(ctx context.Context, roomID id.RoomID) (bool, error) {
	room, err := b.db.Room.Get(ctx, roomID)
	if err != nil {
		return false, err
	}
	return room.Direct, nil
}
