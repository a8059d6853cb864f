package relay

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// The relay's own trust rules: edits only from the sender, deletions only
// as the homeserver applies them, and nothing to or from the responder room.
func TestRelayKeepsToTheTrustRules(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	r := newTestRelay(t, mx)
	link(t, r, "!a:test", "!b:test", "!c:test", "!d:test")
	mx.redactors["@modd:test"] = true // may delete others' messages (in its own room)
	coalitionID, _ := r.Coalitions().CoalitionOf(ctx, "!a:test")
	if err := r.db.Incident.SetResponderRoom(ctx, coalitionID, "!c:test"); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	send := func(room id.RoomID, evt *event.Event) {
		t.Helper()
		evt.RoomID = room
		evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
		mx.mu.Lock()
		mx.senders[evt.ID] = evt.Sender
		mx.mu.Unlock()
		if err := r.Enqueue(ctx, evt); err != nil {
			t.Fatal(err)
		}
	}
	text := func(eventID id.EventID, sender id.UserID, body string) *event.Event {
		return &event.Event{ID: eventID, Sender: sender, Type: event.EventMessage,
			Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: body}}}
	}
	edit := func(eventID id.EventID, sender id.UserID, body string) *event.Event {
		return &event.Event{ID: eventID, Sender: sender, Type: event.EventMessage, Content: event.Content{Parsed: &event.MessageEventContent{
			MsgType: event.MsgText, Body: "* " + body, NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: body},
			RelatesTo: &event.RelatesTo{Type: event.RelReplace, EventID: "$m1"}}}}
	}
	send("!a:test", text("$m1", "@ana:test", "hello"))
	send("!a:test", edit("$e1", "@mallory:test", "hijacked"))
	send("!a:test", edit("$e2", "@ana:test", "hello again"))
	send("!a:test", &event.Event{ID: "$x1", Sender: "@mallory:test", Type: event.EventRedaction, Redacts: "$m1",
		Content: event.Content{Parsed: &event.RedactionEventContent{Redacts: "$m1"}}})
	// A moderator of another room deletes a's message from there.
	send("!d:test", &event.Event{ID: "$x2", Sender: "@modd:test", Type: event.EventRedaction, Redacts: "$m1",
		Content: event.Content{Parsed: &event.RedactionEventContent{Redacts: "$m1"}}})
	send("!c:test", text("$s1", "@resp:test", "i3 is Maria"))
	send("!a:test", text("$m2", "@ana:test", "marker"))
	waitFor(t, func() bool { return slices.Contains(mx.bodies("!b:test"), "ana (!a:test): marker") })

	want := []string{"ana (!a:test): hello", "* ana (!a:test): hello again", "ana (!a:test): marker"}
	if got := mx.bodies("!b:test"); !slices.Equal(got, want) {
		t.Fatalf("member room got %q, want %q: a foreign edit, a deletion nobody may make here, or responder talk got through", got, want)
	}
	if got := mx.bodies("!c:test"); len(got) != 0 {
		t.Fatalf("the responder room received relayed traffic: %q", got)
	}

	// A room taken out of the coalition gets nothing more, not even what
	// was queued for it before.
	mx.mu.Lock()
	mx.failures["!b:test"] = 1 << 30
	mx.mu.Unlock()
	send("!a:test", text("$m3", "@ana:test", "queued before the removal"))
	if _, err := r.Coalitions().Remove(ctx, "!a:test", "!b:test", "@mod:test"); err != nil {
		t.Fatal(err)
	}
	mx.mu.Lock()
	mx.failures["!b:test"] = 0
	mx.mu.Unlock()
	send("!a:test", text("$m4", "@ana:test", "after the removal"))
	waitFor(t, func() bool { n, _ := r.db.RelayJob.Pending(ctx); return n == 0 })
	if got := mx.bodies("!b:test"); len(got) != len(want) {
		t.Fatalf("a removed room got %q", got[len(want):])
	}
	if n := len(mx.notices["!b:test"]); n == 0 {
		t.Fatal("the removed room was not told")
	}
}

// An attachment over the limit is not held in memory to be copied: the
// message still arrives, saying the file is too large.
func TestHugeAttachmentIsNotCopied(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	r := newTestRelay(t, mx)
	link(t, r, "!a:test", "!b:test")
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	evt := &event.Event{ID: "$img", RoomID: "!a:test", Sender: "@ana:test", Type: event.EventMessage, Content: event.Content{Parsed: &event.MessageEventContent{
		MsgType: event.MsgVideo, Body: "march.mp4", URL: "mxc://test/big", Info: &event.FileInfo{MimeType: "video/mp4", Size: maxMediaBytes + 1}}}}
	evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
	if err := r.Enqueue(ctx, evt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(mx.bodies("!b:test")) == 1 })
	if got := mx.bodies("!b:test")[0]; got != "ana (!a:test) [the attachment march.mp4 is too large to copy here; open it in the original room]" {
		t.Fatalf("copy of a huge attachment: %q", got)
	}
}

// No single event holds up a room's queue: one that can never be read and
// one whose delivery panics are dropped at once, and the next message goes.
func TestOneBadEventHoldsUpNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	mx.panicOn = "boom"
	r := newTestRelay(t, mx)
	r.retryBase = time.Hour // a retry would hold the queue past the test
	link(t, r, "!a:test", "!b:test")
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	send := func(evt *event.Event) {
		t.Helper()
		evt.RoomID, evt.Sender = "!a:test", "@ana:test"
		evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
		if err := r.Enqueue(ctx, evt); err != nil {
			t.Fatal(err)
		}
	}
	send(&event.Event{ID: "$bad", Type: event.EventEncrypted, Content: event.Content{Parsed: &event.EncryptedEventContent{
		Algorithm: id.AlgorithmMegolmV1, SessionID: "garbled", MegolmCiphertext: []byte("x")}}})
	send(&event.Event{ID: "$boom", Type: event.EventMessage, Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "boom"}}})
	for i, body := range []string{"one", "two", "three"} {
		send(&event.Event{ID: id.EventID(fmt.Sprintf("$ok%d", i)), Type: event.EventMessage,
			Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: body}}})
	}
	waitFor(t, func() bool { return len(mx.bodies("!b:test")) == 3 })
	if got := mx.bodies("!b:test"); !slices.Equal(got, []string{"ana (!a:test): one", "ana (!a:test): two", "ana (!a:test): three"}) {
		t.Fatalf("after a bad event and a panic the room got %q", got)
	}
	// Both are recorded for the moderators, with why.
	failures, err := r.db.RelayFailure.Recent(ctx, "!b:test", 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range failures {
		got = append(got, string(f.EventID)+" "+f.Reason)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"$bad unreadable", "$boom crashed"}) {
		t.Fatalf("recorded failures %q", got)
	}
}
