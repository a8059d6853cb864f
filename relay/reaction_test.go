package relay

import (
	"context"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Several people reacting alike show as one reaction of the bot's in the
// other room, which stays until the last of them withdraws theirs.
func TestReactionsWithTheSameKeyShareOneCopy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	r := newTestRelay(t, mx)
	_, code, err := r.Coalitions().Create(ctx, "!a:test", "Red", "@mod:test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err = r.Coalitions().Join(ctx, "!b:test", code.Code, "@mod:test"); err != nil {
		t.Fatal(err)
	}
	if err = r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	enqueue := func(evt *event.Event) {
		t.Helper()
		evt.RoomID = "!a:test"
		evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
		mx.mu.Lock()
		mx.senders[evt.ID] = evt.Sender
		mx.mu.Unlock()
		if err := r.Enqueue(ctx, evt); err != nil {
			t.Fatal(err)
		}
	}
	react := func(evtID id.EventID, sender id.UserID, key string) {
		enqueue(&event.Event{ID: evtID, Sender: sender, Type: event.EventReaction, Content: event.Content{Parsed: &event.ReactionEventContent{
			RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: "$m1", Key: key}}}})
	}
	redact := func(evtID, target id.EventID, sender id.UserID) {
		enqueue(&event.Event{ID: evtID, Sender: sender, Type: event.EventRedaction, Redacts: target,
			Content: event.Content{Parsed: &event.RedactionEventContent{Redacts: target}}})
	}
	enqueue(&event.Event{ID: "$m1", Sender: "@ana:test", Type: event.EventMessage,
		Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "hello"}}})
	waitFor(t, func() bool { return len(mx.bodies("!b:test")) == 1 })
	copyID := "$!b:test-1"

	steps := []struct {
		name string
		do   func()
		want []string // what the bot has done in !b:test after the step
	}{
		{"first thumbs up is copied", func() { react("$r1", "@ana:test", "👍") },
			[]string{"react " + copyID + " 👍"}},
		{"second thumbs up and a heart", func() { react("$r2", "@ben:test", "👍"); react("$r3", "@ben:test", "❤️") },
			[]string{"react " + copyID + " 👍", "react " + copyID + " ❤️"}},
		{"first withdrawn: the copy stays", func() { redact("$x1", "$r1", "@ana:test") },
			[]string{"react " + copyID + " 👍", "react " + copyID + " ❤️"}},
		{"last withdrawn: the copy goes", func() { redact("$x2", "$r2", "@ben:test") },
			[]string{"react " + copyID + " 👍", "react " + copyID + " ❤️", "redact $!b:test-2"}},
		{"a new thumbs up is copied again", func() { react("$r4", "@cai:test", "👍") },
			[]string{"react " + copyID + " 👍", "react " + copyID + " ❤️", "redact $!b:test-2", "react " + copyID + " 👍"}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.do()
			// A marker message shows the room's queue has got past the step.
			marker := "marker " + step.name
			enqueue(&event.Event{ID: id.EventID("$" + step.name), Sender: "@ana:test", Type: event.EventMessage,
				Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: marker}}})
			waitFor(t, func() bool {
				return slices.ContainsFunc(mx.bodies("!b:test"), func(b string) bool { return strings.HasSuffix(b, marker) })
			})
			var got []string
			for _, b := range mx.bodies("!b:test") {
				if strings.HasPrefix(b, "react ") || strings.HasPrefix(b, "redact ") {
					got = append(got, b)
				}
			}
			if !slices.Equal(got, step.want) {
				t.Fatalf("bot did %q, want %q", got, step.want)
			}
		})
	}
}
