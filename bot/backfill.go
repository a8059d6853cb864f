package bot

import (
	"context"
	"slices"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// backfillPages bounds how far back one room is paged after a gap (100
// events a page).
const backfillPages = 50

// backfill completes a sync response whose timeline for a room came back
// limited — the bot was down, or fell behind — with the events between the
// previous sync and the first one the response carries, so they are
// handled in order like any other: nothing sent while the bot was away is
// lost. It waits out failures rather than move past a gap.
func (b *Bot) backfill(ctx context.Context, res *mautrix.RespSync, since string) {
	if since == "" {
		return // the very first sync: history, not work
	}
	for roomID, room := range res.Rooms.Join {
		if !room.Timeline.Limited || room.Timeline.PrevBatch == "" {
			continue
		}
		missed := b.missed(ctx, roomID, room.Timeline.PrevBatch, since)
		if len(missed) == 0 {
			continue
		}
		b.log.Info().Stringer("room_id", roomID).Int("events", len(missed)).Msg("Caught up on events a limited sync left out")
		room.Timeline.Events = append(missed, room.Timeline.Events...)
	}
}

// missed pages back from the timeline's start to the previous sync.
func (b *Bot) missed(ctx context.Context, roomID id.RoomID, from, to string) []*event.Event {
	var out []*event.Event
	log := b.log.With().Stringer("room_id", roomID).Logger()
	wait := time.Second
	for page := 0; page < backfillPages && from != "" && ctx.Err() == nil; {
		resp, err := b.client.Messages(ctx, roomID, from, to, mautrix.DirectionBackward, nil, 100)
		if err != nil {
			log.Warn().Err(err).Dur("retry_in", wait).Msg("Failed to fetch events a limited sync left out, will retry")
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
			continue
		}
		out = append(out, resp.Chunk...)
		if len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from, page = resp.End, page+1
	}
	if len(out) >= backfillPages*100 {
		log.Warn().Int("events", len(out)).Msg("A gap was longer than the bot catches up on; older events are skipped")
	}
	slices.Reverse(out) // oldest first, as a timeline
	for _, evt := range out {
		evt.RoomID = roomID
	}
	return out
}
