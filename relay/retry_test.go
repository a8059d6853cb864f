package relay

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// A room where the bot may not post for a while (a moderator lowered its
// power level) gets its messages once allowed again; a room that never lets
// it post stops holding its queue after maxAttempts.
func TestForbiddenRoomIsRetriedThenGivenUp(t *testing.T) {
	for _, tc := range []struct {
		name         string
		forbidden    int
		kicked       bool
		wantAttempts int
		want         []string
	}{
		{name: "allowed again", forbidden: 3, wantAttempts: 5, want: []string{"ana (!a:test): first", "ana (!a:test): second"}},
		{name: "never allowed", forbidden: -1, wantAttempts: 10},
		// The bot's removal is known before sending: the room is no longer a
		// relay target, so nothing is even tried.
		{name: "kicked: no waiting", forbidden: -1, kicked: true, wantAttempts: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			mx := newFakeMatrix()
			mx.forbidden["!b:test"] = tc.forbidden
			r := newTestRelay(t, mx)
			r.maxAttempts = 5
			_, code, err := r.Coalitions().Create(ctx, "!a:test", "Red", "@mod:test")
			if err != nil {
				t.Fatal(err)
			}
			if _, err = r.Coalitions().Join(ctx, "!b:test", code.Code, "@mod:test"); err != nil {
				t.Fatal(err)
			}
			for i, body := range []string{"first", "second"} {
				evt := &event.Event{ID: id.EventID(fmt.Sprintf("$m%d", i)), RoomID: "!a:test", Sender: "@ana:test", Type: event.EventMessage,
					Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: body}}}
				evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
				if err = r.Enqueue(ctx, evt); err != nil {
					t.Fatal(err)
				}
			}
			// Queued while the bot was in the room; removed before sending.
			mx.mu.Lock()
			mx.kicked = map[id.RoomID]bool{"!b:test": tc.kicked}
			mx.mu.Unlock()
			if err = r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool {
				n, _ := r.db.RelayJob.Pending(ctx)
				return n == 0
			})
			if got := mx.bodies("!b:test"); !slices.Equal(got, tc.want) {
				t.Fatalf("room got %q, want %q", got, tc.want)
			}
			if mx.attempts["!b:test"] != tc.wantAttempts {
				t.Fatalf("%d sends to the room, want %d", mx.attempts["!b:test"], tc.wantAttempts)
			}
		})
	}
}

// Nothing is queued for a room the bot is no longer in; the other rooms of
// the coalition still get everything.
func TestNothingQueuedForARoomTheBotLeft(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	mx.kicked = map[id.RoomID]bool{"!c:test": true}
	r := newTestRelay(t, mx)
	_, _, err := r.Coalitions().Create(ctx, "!a:test", "Red", "@mod:test")
	if err != nil {
		t.Fatal(err)
	}
	for _, room := range []id.RoomID{"!b:test", "!c:test"} {
		code, err := r.Coalitions().NewCode(ctx, "!a:test", "@mod:test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err = r.Coalitions().Join(ctx, room, code.Code, "@mod:test"); err != nil {
			t.Fatal(err)
		}
	}
	if err = r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	evt := &event.Event{ID: "$m1", RoomID: "!a:test", Sender: "@ana:test", Type: event.EventMessage,
		Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "hola"}}}
	evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
	if err = r.Enqueue(ctx, evt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(mx.bodies("!b:test")) == 1 })
	var queued int
	if err = r.db.QueryRow(ctx, `SELECT COUNT(*) FROM relay_delivery WHERE target_room=$1`, "!c:test").Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Fatalf("%d deliveries queued for the room the bot left, want none", queued)
	}
	if mx.attempts["!c:test"] != 0 {
		t.Fatalf("%d sends to a room the bot left", mx.attempts["!c:test"])
	}
}

// A send that fails with a server error may have been lost with its
// transaction id kept, or stored all the same; either way the copy arrives
// exactly once.
func TestAFailedSendIsNeitherLostNorDoubled(t *testing.T) {
	for _, tc := range []struct {
		name    string
		breakIt func(mx *fakeMatrix)
	}{
		{"the homeserver kept the transaction id and lost the event", func(mx *fakeMatrix) { mx.loseEvent["!b:test"] = 1 }},
		{"the homeserver stored the event and answered 500", func(mx *fakeMatrix) { mx.storeThenFail["!b:test"] = 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			mx := newFakeMatrix()
			r := newTestRelay(t, mx)
			mx.echo = func(txn string, room id.RoomID, eventID id.EventID) {
				if err := r.db.SentTxn.Put(ctx, txn, room, eventID, time.Now()); err != nil {
					t.Error(err)
				}
			}
			tc.breakIt(mx)
			link(t, r, "!a:test", "!b:test")
			if err := r.Start(ctx); err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 3; i++ {
				evt := &event.Event{ID: id.EventID(fmt.Sprintf("$m%d", i)), RoomID: "!a:test", Sender: "@ana:test", Type: event.EventMessage,
					Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: fmt.Sprintf("message %d", i)}}}
				evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
				if err := r.Enqueue(ctx, evt); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, func() bool { n, _ := r.db.RelayJob.Pending(ctx); return n == 0 })
			got := mx.bodies("!b:test")
			if len(got) != 3 {
				t.Fatalf("copies %q, want the three messages once each", got)
			}
			for i, body := range got {
				if !strings.HasSuffix(body, fmt.Sprintf("message %d", i+1)) {
					t.Fatalf("copies %q: order lost", got)
				}
			}
		})
	}
}
