package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"maunium.net/go/mautrix"
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

// errCannotPin: the bot's power level in the room does not let it pin.
var errCannotPin = errors.New("the bot may not pin in this room")

// Pin adds an event to the room's pinned events, where the bot's power
// level allows it (the room's current state decides).
func (b *Bot) Pin(ctx context.Context, roomID id.RoomID, eventID id.EventID) error {
	pl, err := b.powerLevels(ctx, roomID)
	if err != nil {
		return err
	}
	if pl.GetUserLevel(b.client.UserID) < pl.GetEventLevel(event.StatePinnedEvents) {
		return errCannotPin
	}
	pinned := &event.PinnedEventsEventContent{}
	if err = b.client.StateEvent(ctx, roomID, event.StatePinnedEvents, "", pinned); err != nil && !errors.Is(err, mautrix.MNotFound) {
		return fmt.Errorf("failed to read pinned events: %w", err)
	}
	if slices.Contains(pinned.Pinned, eventID) {
		return nil
	}
	pinned.Pinned = append(pinned.Pinned, eventID)
	if _, err = b.client.SendStateEvent(ctx, roomID, event.StatePinnedEvents, "", pinned); err != nil {
		return fmt.Errorf("failed to pin: %w", err)
	}
	return nil
}
