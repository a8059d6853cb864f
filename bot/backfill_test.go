package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/dbtest"
)

// sweepBot is a bot with a real database and a homeserver that answers
// /joined_rooms and /messages from history (newest first), for the sweep's
// own logic; the e2e tests stop a real homeserver.
func sweepBot(t *testing.T, history map[id.RoomID][]*event.Event) *Bot {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/_matrix/client/v3/joined_rooms" {
			var joined []id.RoomID
			for roomID := range history {
				joined = append(joined, roomID)
			}
			_ = json.NewEncoder(w).Encode(mautrix.RespJoinedRooms{JoinedRooms: joined})
			return
		}
		for roomID, events := range history {
			if r.URL.Path == fmt.Sprintf("/_matrix/client/v3/rooms/%s/messages", roomID) {
				_ = json.NewEncoder(w).Encode(mautrix.RespMessages{Chunk: events})
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	client, err := mautrix.NewClient(srv.URL, "@starling:localhost", "token")
	if err != nil {
		t.Fatal(err)
	}
	return &Bot{log: zerolog.Nop(), db: dbtest.Open(t), client: client, now: time.Now}
}

func TestSweepFindsWhatNoSyncBrought(t *testing.T) {
	ctx := context.Background()
	room, quiet := id.RoomID("!a:localhost"), id.RoomID("!b:localhost")
	now := time.Now()
	msg := func(eventID string, ago time.Duration, sender id.UserID) *event.Event {
		return &event.Event{ID: id.EventID(eventID), Type: event.EventEncrypted, Sender: sender, Timestamp: now.Add(-ago).UnixMilli()}
	}
	history := map[id.RoomID][]*event.Event{
		room: { // newest first, as /messages backwards
			msg("$in-response", time.Second, "@ana:localhost"),
			msg("$lost2", 2*time.Second, "@ana:localhost"),
			msg("$own", 3*time.Second, "@starling:localhost"),
			msg("$handled", 4*time.Second, "@ana:localhost"),
			msg("$queued", 5*time.Second, "@ana:localhost"),
			msg("$lost1", 6*time.Second, "@ana:localhost"),
			msg("$before-outage", time.Hour, "@ana:localhost"),
		},
		quiet: {msg("$old", time.Hour, "@ana:localhost")},
	}
	b := sweepBot(t, history)
	if _, err := b.db.HandledEvent.Claim(ctx, room, "$handled", now); err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.RelayJob.Enqueue(ctx, "$queued", room, "{}", now, []id.RoomID{quiet}); err != nil {
		t.Fatal(err)
	}
	res := &mautrix.RespSync{}
	res.Rooms.Join = map[id.RoomID]*mautrix.SyncJoinedRoom{room: {}}
	res.Rooms.Join[room].Timeline.Events = []*event.Event{{ID: "$in-response", RoomID: room}}

	b.sweep(ctx, res, now.Add(-10*time.Second-seenSlack))

	var got []id.EventID
	for _, evt := range res.Rooms.Join[room].Timeline.Events {
		got = append(got, evt.ID)
	}
	want := []id.EventID{"$lost1", "$lost2", "$in-response"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the room's timeline after the sweep is %v, want %v", got, want)
	}
	if _, ok := res.Rooms.Join[quiet]; ok {
		t.Fatal("a room without events since the outage was added to the response")
	}
}

func TestBackfillSkipsWhatCameBeforeTheBotJoined(t *testing.T) {
	member := func(who, membership, prev string) *event.Event {
		raw := fmt.Sprintf(`{"type":"m.room.member","event_id":"$m","sender":%q,"state_key":%q,"content":{"membership":%q}`, who, who, membership)
		if prev != "" {
			raw += fmt.Sprintf(`,"unsigned":{"prev_content":{"membership":%q}}`, prev)
		}
		return forged(t, raw+"}")
	}
	cases := []struct {
		name     string
		timeline *event.Event
		limited  bool
		paged    bool
	}{
		{"the bot joined a room it created", member("@starling:localhost", "join", ""), true, false},
		{"the bot joined from an invite", member("@starling:localhost", "join", "invite"), true, false},
		{"the bot only changed its name", member("@starling:localhost", "join", "join"), true, true},
		{"someone else joined", member("@ana:localhost", "join", "invite"), true, true},
		{"the bot was invited back", member("@starling:localhost", "invite", "leave"), true, true},
		{"a timeline that is not limited", member("@ana:localhost", "join", ""), false, false},
		{"a member's message dressed as the bot's join", forged(t, `{"type":"m.room.member","event_id":"$f","sender":"@mallory:localhost","content":{"membership":"join","state_key":"@starling:localhost"}}`), true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			room := id.RoomID("!a:localhost")
			b := sweepBot(t, map[id.RoomID][]*event.Event{room: {{ID: "$earlier", Type: event.EventEncrypted, Sender: "@ana:localhost", Timestamp: time.Now().UnixMilli()}}})
			b.syncer = newTrackingSyncer(zerolog.Nop())
			res := &mautrix.RespSync{}
			res.Rooms.Join = map[id.RoomID]*mautrix.SyncJoinedRoom{room: {}}
			res.Rooms.Join[room].Timeline.Events = []*event.Event{c.timeline}
			res.Rooms.Join[room].Timeline.Limited, res.Rooms.Join[room].Timeline.PrevBatch = c.limited, "t1"

			b.backfill(context.Background(), res, "s1")

			got := len(res.Rooms.Join[room].Timeline.Events)
			if paged := got == 2; paged != c.paged {
				t.Fatalf("the timeline has %d events after the backfill; paged back: %v, want %v", got, paged, c.paged)
			}
		})
	}
}

func TestBackfillPagesRoomsSideBySide(t *testing.T) {
	const rooms = 4 * backfillRoomsAtOnce
	var mu sync.Mutex
	inFlight, most := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(mautrix.RespMessages{Chunk: []*event.Event{{ID: id.EventID("$gap" + r.URL.Path), Type: event.EventEncrypted}}})
	}))
	t.Cleanup(srv.Close)
	client, err := mautrix.NewClient(srv.URL, "@starling:localhost", "token")
	if err != nil {
		t.Fatal(err)
	}
	b := &Bot{log: zerolog.Nop(), db: dbtest.Open(t), client: client, now: time.Now, syncer: newTrackingSyncer(zerolog.Nop())}
	res := &mautrix.RespSync{}
	res.Rooms.Join = map[id.RoomID]*mautrix.SyncJoinedRoom{}
	for i := range rooms {
		room := &mautrix.SyncJoinedRoom{}
		room.Timeline.Limited, room.Timeline.PrevBatch = true, "t1"
		room.Timeline.Events = []*event.Event{{ID: "$new", Type: event.EventEncrypted}}
		res.Rooms.Join[id.RoomID(fmt.Sprintf("!r%d:localhost", i))] = room
	}

	b.backfill(context.Background(), res, "s1")

	for roomID, room := range res.Rooms.Join {
		if len(room.Timeline.Events) != 2 || room.Timeline.Events[1].ID != "$new" || room.Timeline.Events[0].RoomID != roomID {
			t.Fatalf("room %s was not caught up in order: %v", roomID, room.Timeline.Events)
		}
	}
	if most < 2 || most > backfillRoomsAtOnce {
		t.Fatalf("%d rooms were paged back at once, want between 2 and %d", most, backfillRoomsAtOnce)
	}
}

// forged is an event as a custom client could send it, read as a sync
// response carries it.
func forged(t *testing.T, raw string) *event.Event {
	t.Helper()
	var evt event.Event
	if err := json.Unmarshal([]byte(raw), &evt); err != nil {
		t.Fatal(err)
	}
	return &evt
}
