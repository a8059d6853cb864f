package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
