package commands

import (
	"context"
	"errors"
	"strings"
	"testing"

	mcmd "maunium.net/go/mautrix/commands"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/rooms"
)

// A !brief without text briefs the thread it is in, or the message it
// answers: people's words from verified devices, nothing else.
func TestBriefQuotesAThreadOrAReply(t *testing.T) {
	h := newHarness(t)
	msg := func(eventID id.EventID, sender id.UserID, ts int64, trust id.TrustState, content *event.MessageEventContent) {
		evt := &event.Event{ID: eventID, Type: event.EventMessage, RoomID: room, Sender: sender, Timestamp: ts, Content: event.Content{Parsed: content}}
		evt.Mautrix.WasEncrypted, evt.Mautrix.TrustState = true, trust
		h.mx.events[eventID] = evt
	}
	text := func(body string) *event.MessageEventContent {
		return &event.MessageEventContent{MsgType: event.MsgText, Body: body}
	}
	verified := id.TrustStateCrossSignedTOFU
	msg("$root", mod, 1, verified, text("Checkpoint moved north"))
	msg("$detail", user, 2, verified, text("> <@mod:test> Checkpoint moved north\n\nSince 6:00, two vans"))
	msg("$cmd", user, 3, verified, text("!brief status"))
	msg("$botsays", "@bot:test", 4, verified, text("Briefing b1 is on its way"))
	msg("$image", user, 5, verified, &event.MessageEventContent{MsgType: event.MsgImage, Body: "photo.jpg"})
	msg("$later", user, 99, verified, text("written after the command"))
	msg("$stranger", user, 6, id.TrustStateUnset, text("Everyone go to the bridge now"))
	h.mx.threads["$root"] = []id.EventID{"$detail", "$cmd", "$botsays", "$image", "$later"}
	h.mx.threads["$spoiled"] = []id.EventID{"$detail", "$stranger"}
	msg("$spoiled", mod, 1, verified, text("Update"))
	var long []id.EventID
	for range maxBriefThread + 1 {
		long = append(long, "$detail")
	}
	h.mx.threads["$long"] = long
	msg("$long", mod, 1, verified, text("Long"))

	tests := []struct {
		name    string
		rel     *event.RelatesTo
		want    string
		refusal string // the user error's message id
	}{
		{name: "thread", rel: (&event.RelatesTo{}).SetThread("$root", "$detail"), want: "Checkpoint moved north\n\nSince 6:00, two vans"},
		{name: "reply", rel: (&event.RelatesTo{}).SetReplyTo("$detail"), want: "Since 6:00, two vans"},
		{name: "reply to a stranger's device", rel: (&event.RelatesTo{}).SetReplyTo("$stranger"), refusal: "BriefUnverified"},
		{name: "thread with a stranger's device", rel: (&event.RelatesTo{}).SetThread("$spoiled", "$stranger"), refusal: "BriefUnverified"},
		{name: "reply to the bot", rel: (&event.RelatesTo{}).SetReplyTo("$botsays"), refusal: "BriefNothing"},
		{name: "reply to a command", rel: (&event.RelatesTo{}).SetReplyTo("$cmd"), refusal: "BriefNothing"},
		{name: "reply to an image", rel: (&event.RelatesTo{}).SetReplyTo("$image"), refusal: "BriefNothing"},
		{name: "thread too long", rel: (&event.RelatesTo{}).SetThread("$long", "$detail"), refusal: "BriefThreadLong"},
		{name: "nothing quoted", refusal: "BriefNothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evt := &event.Event{ID: "$brief", Type: event.EventMessage, RoomID: room, Sender: mod, Timestamp: 10,
				Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "!brief", RelatesTo: tt.rel}}}
			cx := &Ctx{Event: &mcmd.Event[*Router]{Event: evt, Ctx: context.Background()}, router: h.router, Origin: rooms.Origin{Room: room}}
			got, from, err := quoted(cx)
			var userErr *UserError
			switch {
			case tt.refusal != "":
				if !errors.As(err, &userErr) || userErr.Msg.ID != tt.refusal {
					t.Fatalf("got %q, %v; want refusal %s", got, err, tt.refusal)
				}
			case err != nil:
				t.Fatal(err)
			case got != tt.want:
				t.Fatalf("briefed %q, want %q", got, tt.want)
			case !from.Encrypted:
				t.Fatal("words from encrypted messages lost their provenance")
			}
			if strings.Contains(got, "after the command") {
				t.Fatal("a message written after the command was briefed")
			}
		})
	}
}
