package bot

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/safe"
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
// lost. It waits out failures rather than move past a gap. Rooms are paged
// back side by side: the response waits for the slowest, not for the sum.
func (b *Bot) backfill(ctx context.Context, res *mautrix.RespSync, since string) {
	if since == "" {
		return // the very first sync: history, not work
	}
	var gaps []id.RoomID
	for roomID, room := range res.Rooms.Join {
		if room.Timeline.Limited && room.Timeline.PrevBatch != "" && !joinedWithin(room.Timeline.Events, b.client.UserID) {
			gaps = append(gaps, roomID)
		}
	}
	if len(gaps) == 0 {
		return
	}
	missed := make([][]*event.Event, len(gaps))
	var wg sync.WaitGroup
	slots := make(chan struct{}, backfillRoomsAtOnce)
	for i, roomID := range gaps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			if safe.Run(&b.log, "backfill", func() {
				missed[i] = b.missed(ctx, roomID, res.Rooms.Join[roomID].Timeline.PrevBatch, since)
			}) {
				// The gap stays unfilled: have the response handled again.
				b.syncer.replayLater(errBackfillPanicked)
			}
		}()
	}
	wg.Wait()
	for i, roomID := range gaps {
		if len(missed[i]) == 0 {
			continue
		}
		b.log.Info().Stringer("room_id", roomID).Int("events", len(missed[i])).Msg("Caught up on events a limited sync left out")
		room := res.Rooms.Join[roomID]
		room.Timeline.Events = append(missed[i], room.Timeline.Events...)
	}
}

var errBackfillPanicked = errors.New("failed to page back a limited timeline: it panicked")

// backfillRoomsAtOnce bounds the rooms paged back side by side.
const backfillRoomsAtOnce = 8

// joinedWithin tells whether a timeline holds the bot's own joining of the
// room: a room the bot has just joined comes back limited, but what the
// timeline leaves out came before the join, which the handlers ignore
// (see fresh). Paging back for it only held up the whole
// response, one room after another, whenever the bot was added to many
// rooms at once. Only the homeserver writes the bot's membership, so no
// member can fake one.
func joinedWithin(timeline []*event.Event, self id.UserID) bool {
	for _, evt := range timeline {
		if evt.Type != event.StateMember || evt.StateKey == nil || id.UserID(*evt.StateKey) != self {
			continue
		}
		if membershipOf(&evt.Content) == event.MembershipJoin &&
			(evt.Unsigned.PrevContent == nil || membershipOf(evt.Unsigned.PrevContent) != event.MembershipJoin) {
			return true
		}
	}
	return false
}

// membershipOf reads a member event's membership without parsing the
// content in place, which the syncer does later.
func membershipOf(content *event.Content) event.Membership {
	var member struct {
		Membership event.Membership `json:"membership"`
	}
	if content == nil || json.Unmarshal(content.VeryRaw, &member) != nil {
		return ""
	}
	return member.Membership
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

// sweepTypes are the events whose handling an unsent event would cost.
var sweepTypes = map[event.Type]bool{
	event.EventMessage: true, event.EventEncrypted: true, event.EventReaction: true,
	event.EventRedaction: true, event.EventSticker: true,
}

// sweep completes the first sync after the homeserver was unreachable with
// the events of each joined room that the bot never received. A homeserver
// stopped in the middle of traffic (Dendrite) can store an event and never
// send it by sync — no limited timeline says so — so the rooms' recent
// history, from a little before the outage, is read for events neither
// queued nor handled. The handlers' own de-duplication makes an event that
// also comes by sync later harmless.
func (b *Bot) sweep(ctx context.Context, res *mautrix.RespSync, from time.Time) {
	joined, err := b.client.JoinedRooms(ctx)
	if err != nil {
		b.log.Warn().Err(err).Msg("Failed to list rooms to look for events missed in an outage")
		return
	}
	if res.Rooms.Join == nil {
		res.Rooms.Join = map[id.RoomID]*mautrix.SyncJoinedRoom{}
	}
	since := from.Add(-seenSlack)
	for _, roomID := range joined.JoinedRooms {
		room := res.Rooms.Join[roomID]
		inResponse := map[id.EventID]bool{}
		if room != nil {
			for _, evt := range room.Timeline.Events {
				inResponse[evt.ID] = true
			}
		}
		missed := b.unseenSince(ctx, roomID, since, inResponse)
		if len(missed) == 0 {
			continue
		}
		b.log.Info().Stringer("room_id", roomID).Int("events", len(missed)).Msg("Found events the homeserver did not send during an outage")
		if room == nil {
			room = &mautrix.SyncJoinedRoom{}
			res.Rooms.Join[roomID] = room
		}
		room.Timeline.Events = append(missed, room.Timeline.Events...)
	}
}

// unseenSince pages back through a room's latest events to since and
// returns, oldest first, those the bot neither queued nor handled.
func (b *Bot) unseenSince(ctx context.Context, roomID id.RoomID, since time.Time, skip map[id.EventID]bool) []*event.Event {
	var out []*event.Event
	from, read := "", 0
	defer func() {
		b.log.Debug().Stringer("room_id", roomID).Int("read", read).Int("unseen", len(out)).Msg("Looked through a room's history after an outage")
	}()
	for page := 0; page < backfillPages && ctx.Err() == nil; page++ {
		resp, err := b.client.Messages(ctx, roomID, from, "", mautrix.DirectionBackward, nil, backfillPage)
		if err != nil {
			b.log.Warn().Err(err).Stringer("room_id", roomID).Msg("Failed to read a room's history after an outage")
			break
		}
		older := false
		for _, evt := range resp.Chunk {
			read++
			if older = time.UnixMilli(evt.Timestamp).Before(since); older {
				break
			}
			if skip[evt.ID] || !sweepTypes[evt.Type] || evt.Sender == b.client.UserID {
				continue
			}
			queued, err := b.db.RelayJob.Has(ctx, evt.ID)
			if err == nil && !queued {
				queued, err = b.db.HandledEvent.Has(ctx, evt.ID)
			}
			if err == nil && !queued {
				evt.RoomID = roomID
				out = append(out, evt)
			}
		}
		if older || len(resp.Chunk) == 0 || resp.End == "" || resp.End == from {
			break
		}
		from = resp.End
	}
	slices.Reverse(out)
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
