package bot

import (
	"context"
	"slices"
	"strconv"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// One room is paged back at most backfillPages pages of backfillPage
// events after a gap. A short page is the last: the server reached the
// previous sync.
const (
	backfillPage  = 100
	backfillPages = 50
)

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

// missed pages back from the timeline's start towards the previous sync.
// The server is told where that was, but Dendrite does not stop there
// exactly (it may leave out the oldest event of the gap, and page on into
// history), so the bot stops at what it has seen before: an event it
// queued or handled, one from before it joined, or one older than its
// last processed sync.
func (b *Bot) missed(ctx context.Context, roomID id.RoomID, from, to string) []*event.Event {
	var out []*event.Event
	log := b.log.With().Stringer("room_id", roomID).Logger()
	before := b.seenBefore(ctx, roomID)
	wait := time.Second
	for page := 0; page < backfillPages && from != "" && ctx.Err() == nil; {
		resp, err := b.client.Messages(ctx, roomID, from, to, mautrix.DirectionBackward, nil, backfillPage)
		if err != nil {
			log.Warn().Err(err).Dur("retry_in", wait).Msg("Failed to fetch events a limited sync left out, will retry")
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
			continue
		}
		seen := false
		for _, evt := range resp.Chunk {
			if seen = before(evt); seen {
				break
			}
			out = append(out, evt)
		}
		if seen || len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from, page = resp.End, page+1
	}
	if len(out) >= backfillPages*backfillPage {
		log.Warn().Int("events", len(out)).Msg("A gap was longer than the bot catches up on; older events are skipped")
	}
	slices.Reverse(out) // oldest first, as a timeline
	for _, evt := range out {
		evt.RoomID = roomID
	}
	return out
}

// syncedAtKey keeps when the bot last finished processing a sync.
const syncedAtKey = "synced_at"

// seenSlack allows for the time between a sync's answer and its processing.
const seenSlack = 2 * time.Minute

// seenBefore tells whether an event of the room lies on the old side of a
// gap: queued for the relay or handled (so processed, with all before it),
// sent before the bot joined, or older than the last processed sync.
func (b *Bot) seenBefore(ctx context.Context, roomID id.RoomID) func(*event.Event) bool {
	var joined, synced time.Time
	if room, err := b.db.Room.Get(ctx, roomID); err == nil {
		joined = room.JoinedAt
	}
	if v, ok, err := b.db.BotState.Get(ctx, syncedAtKey); err == nil && ok {
		if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
			synced = time.UnixMilli(ms).Add(-seenSlack)
		}
	}
	return func(evt *event.Event) bool {
		at := time.UnixMilli(evt.Timestamp)
		if at.Before(joined) || (!synced.IsZero() && at.Before(synced)) {
			return true
		}
		queued, err := b.db.RelayJob.Has(ctx, evt.ID)
		if err == nil && !queued {
			queued, err = b.db.HandledEvent.Has(ctx, evt.ID)
		}
		return err == nil && queued
	}
}

// noteSynced records, at most every few seconds, when a sync was processed.
func (b *Bot) noteSynced(ctx context.Context) {
	now := b.now()
	if now.Sub(b.lastSyncNote) < 10*time.Second {
		return
	}
	b.lastSyncNote = now
	if err := b.db.BotState.Set(ctx, syncedAtKey, strconv.FormatInt(now.UnixMilli(), 10)); err != nil {
		b.log.Warn().Err(err).Msg("Failed to record when the bot last synced")
	}
}
