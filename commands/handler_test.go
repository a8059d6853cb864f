package commands

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/net/html"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/incidents"
	"starling/internal/dbtest"
	"starling/ledger"
	"starling/relay"
	"starling/rooms"
	"starling/scheduler"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

const (
	room = id.RoomID("!room:test")
	dm   = id.RoomID("!dm:test")
	mod  = id.UserID("@mod:test")
	user = id.UserID("@user:test")
)

type harness struct {
	router  *Router
	mx      fakeRooms
	db      *database.Database
	replies *captured
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{db: db, replies: &captured{}}
	authority := rooms.New(db, fakeMatrix{}, rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"})
	if err = db.Room.SetDirect(context.Background(), dm, true); err != nil {
		t.Fatal(err)
	}
	deps := service.Deps{DB: db, Rooms: authority, Translator: translate.NewTranslator(nil), L10n: l10n, Log: zerolog.Nop()}
	rl := relay.New(deps, fakeMatrix{}, relay.Settings{IsCommand: func(c *event.MessageEventContent) bool { return IsCommand(c, "!") }})
	fe := formsEngine(t, deps)
	mx := fakeRooms{captured: h.replies, levels: map[id.UserID]int{mod: 100}, events: map[id.EventID]*event.Event{}, threads: map[id.EventID][]id.EventID{}}
	h.mx = mx
	ledgers, err := ledger.New(deps, mx, fe, ledger.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	h.router = New(deps, mx, Settings{Prefix: "!", ModeratorLevel: 50, MinTrust: id.TrustStateCrossSignedTOFU},
		Services{Relay: rl, Forms: fe, Incidents: incidentsService(t, deps, fe), Scheduler: scheduler.New(deps, fakeMatrix{}, scheduler.Settings{}),
			Ledger: ledgers})
	return h
}

// say sends body as sender into roomID, from a cross-signed device (and
// encrypted, but in the plain room), and returns the replies.
func (h *harness) say(roomID id.RoomID, sender id.UserID, body string) []string {
	return h.sayFrom(roomID, sender, id.TrustStateCrossSignedTOFU, body)
}

// sayFrom is say from a device of the given trust.
func (h *harness) sayFrom(roomID id.RoomID, sender id.UserID, trust id.TrustState, body string) []string {
	return h.sayContent(roomID, sender, trust, &event.MessageEventContent{MsgType: event.MsgText, Body: body})
}

// sayContent sends content as a custom client would write it.
func (h *harness) sayContent(roomID id.RoomID, sender id.UserID, trust id.TrustState, content *event.MessageEventContent) []string {
	evt := &event.Event{
		Type: event.EventMessage, RoomID: roomID, Sender: sender, ID: "$evt",
		Content: event.Content{Parsed: content},
	}
	evt.Mautrix.WasEncrypted, evt.Mautrix.TrustState = roomID != "!plain:test", trust
	h.router.Handle(zerolog.Nop().WithContext(context.Background()), evt)
	return h.replies.take()
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name     string
		room     id.RoomID
		sender   id.UserID
		body     string
		want     []string // substrings of the one reply; nil means no reply
		wantNot  []string
		roomLang string // stored room language afterwards ("" = unchanged default)
		roomTz   string
		myLang   string
		myTz     string
	}{
		{name: "a vigil text too long", room: room, sender: mod, body: "!vigil add 2030-01-10 19:00 | " + strings.Repeat("a", 1001),
			want: []string{"at most 1000 characters", "Nothing was scheduled"}},
		{name: "a circle topic too long", room: room, sender: mod, body: "!circle add every 3 months first monday 18:00 | " + strings.Repeat("topic ", 200),
			want: []string{"at most 1000 characters", "Nothing was scheduled"}},
		{name: "help for a member hides moderator commands", room: room, sender: user, body: "!help",
			want: []string{"commands you can use here", "`!lang me <code>`", "Moderators of this room can also"}, wantNot: []string{"!lang room"}},
		{name: "help for a moderator", room: room, sender: mod, body: "!help",
			want:    []string{"`!lang room <code|auto>`", "`!tz room <zone>`", "Example: `!lang room es`", "Also: `new`, `code`, `join`", "(see `!help link`)"},
			wantNot: []string{"`!link join <code>`"}},
		{name: "help on a family lists each of its commands", room: room, sender: mod, body: "!help link",
			want: []string{"`!link join <code>`", "Example: `!link join K7Q2-MX4P-9TZR`"}},
		{name: "help on one command", room: room, sender: mod, body: "!help lang",
			want: []string{"3 commands", "`!lang room <code|auto>`"}, wantNot: []string{"!tz"}},
		{name: "help on a subcommand", room: room, sender: mod, body: "!help tz me",
			want: []string{"Here is the command", "`!tz me <zone>`"}},
		{name: "help on a moderator command for a member", room: room, sender: user, body: "!help lang room",
			want: []string{"There is no command `!lang room` for you here"}},
		{name: "help on nothing", room: room, sender: user, body: "!help nothing",
			want: []string{"There is no command `!nothing`"}},
		{name: "localized alias", room: room, sender: user, body: "!ayuda", want: []string{"commands you can use here"}},
		{name: "upper case", room: room, sender: user, body: "!HELP", want: []string{"commands you can use here"}},
		{name: "unknown command", room: room, sender: user, body: "!frobnicate now", want: []string{"I don't know the command `!frobnicate`", "`!help`"}},
		{name: "typo gets an example", room: room, sender: user, body: "!lagn es",
			want: []string{"I don't know the command `!lagn`", "Did you mean, for example, `!lang room es`?", "`!help`"}},
		{name: "typo of an alias", room: room, sender: user, body: "!calendr",
			want: []string{"Did you mean, for example, `!calendar"}},
		{name: "prefix alone", room: room, sender: user, body: "!", want: []string{"I don't know the command `!`"}},
		{name: "unknown subcommand", room: room, sender: user, body: "!lang everyone",
			want: []string{"I don't understand `!lang everyone`", "`!lang me <code>`"}, wantNot: []string{"!lang room"}},
		{name: "missing argument", room: room, sender: mod, body: "!lang room",
			want: []string{"That command is written `!lang room <code|auto>`, for example `!lang room es`"}},
		{name: "too many arguments", room: room, sender: user, body: "!lang me es fr",
			want: []string{"`!lang me <code>`"}},
		{name: "member may not set room language", room: room, sender: user, body: "!lang room es",
			want: []string{"only moderators of this room (power level 50 or more)", "Nothing was changed"}},
		{name: "moderator sets room language", room: room, sender: mod, body: "!lang room ES",
			want: []string{"El idioma de esta sala ahora es **español** (`es`)"}, roomLang: "es"},
		{name: "three-letter code", room: room, sender: mod, body: "!lang room cat",
			want: []string{"La llengua d’aquesta sala ara és **català** (`ca`)"}, roomLang: "ca"},
		{name: "language the bot does not speak", room: room, sender: mod, body: "!lang room it",
			want: []string{"**italiano** (`it`)", "I will answer here in **English**"}, roomLang: "it"},
		{name: "invalid language code", room: room, sender: mod, body: "!lang room klingonese",
			want: []string{"`klingonese` is not a language code I know", "Nothing was changed"}},
		{name: "personal language", room: room, sender: user, body: "!lang me ar",
			want: []string{"لغتك الآن هي"}, myLang: "ar"},
		{name: "show languages", room: room, sender: user, body: "!lang",
			want: []string{"This room's language: **English** (`en`)", "not chosen"}},
		{name: "member may not set room zone", room: room, sender: user, body: "!tz room Europe/Madrid",
			want: []string{"only moderators"}},
		{name: "moderator sets room zone", room: room, sender: mod, body: "!tz room europe/madrid",
			want: []string{"`Europe/Madrid`"}, roomTz: "Europe/Madrid"},
		{name: "zone with spaces", room: room, sender: user, body: "!tz me america/buenos aires",
			want: []string{"`America/Buenos_Aires`"}, myTz: "America/Buenos_Aires"},
		{name: "invalid zone", room: room, sender: user, body: "!tz me Mars/Olympus",
			want: []string{"`Mars/Olympus` is not a time zone I know", "Did you mean", "`Europe/Madrid`"}},
		{name: "city alone is refused with the zone", room: room, sender: user, body: "!tz me Santiago",
			want: []string{"`Santiago` is not a time zone I know", "`America/Santiago`"}},
		{name: "misspelt zone", room: room, sender: user, body: "!tz me America/Santigo",
			want: []string{"`America/Santiago`"}},
		{name: "no prefix in a room is chat", room: room, sender: user, body: "help"},
		{name: "other text in a room is chat", room: room, sender: user, body: "hello everyone!"},
		{name: "no prefix in a DM", room: dm, sender: user, body: "help",
			want: []string{"commands you can use here", "private chat you can leave out the `!`"}},
		{name: "prefix in a DM", room: dm, sender: user, body: "!tz", want: []string{"This room's time zone: `UTC`"}},
		{name: "hostile input is escaped", room: room, sender: user, body: "!<script>alert(1)</script>",
			want: []string{"`!<script>alert(1)</script>`"}},
		{name: "backticks cannot break out", room: room, sender: mod, body: "!lang room `**x**`",
			want: []string{"is not a language code I know"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			replies := h.say(tt.room, tt.sender, tt.body)
			if tt.want == nil {
				if len(replies) != 0 {
					t.Fatalf("got replies %q, want none", replies)
				}
				return
			}
			if len(replies) != 1 {
				t.Fatalf("got %d replies %q, want one", len(replies), replies)
			}
			for _, w := range tt.want {
				if !strings.Contains(replies[0], w) {
					t.Errorf("reply %q does not contain %q", replies[0], w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(replies[0], w) {
					t.Errorf("reply %q contains %q", replies[0], w)
				}
			}
			assertSafeHTML(t, replies[0])
			r, err := h.db.Room.Get(context.Background(), tt.room)
			if err != nil {
				t.Fatal(err)
			}
			p, err := h.db.Person.Get(context.Background(), tt.sender)
			if err != nil {
				t.Fatal(err)
			}
			if r.Language != tt.roomLang || r.Timezone != tt.roomTz || p.Language != tt.myLang || p.Timezone != tt.myTz {
				t.Fatalf("stored room=(%q,%q) person=(%q,%q), want room=(%q,%q) person=(%q,%q)",
					r.Language, r.Timezone, p.Language, p.Timezone, tt.roomLang, tt.roomTz, tt.myLang, tt.myTz)
			}
		})
	}
}

func TestRepliesUseTheReadersLanguage(t *testing.T) {
	h := newHarness(t)
	h.say(room, mod, "!lang room fr")
	if got := h.say(room, user, "!help"); !strings.Contains(got[0], "commandes que vous pouvez utiliser") {
		t.Fatalf("room reply not in the room's language: %q", got)
	}
	h.say(dm, user, "lang me de")
	if got := h.say(dm, user, "hilfe"); !strings.Contains(got[0], "Befehle, die du hier benutzen kannst") {
		t.Fatalf("DM reply not in the person's language: %q", got)
	}
	if got := h.say(room, user, "!help"); !strings.Contains(got[0], "commandes") {
		t.Fatalf("room reply switched to the person's language: %q", got)
	}
}

// assertSafeHTML renders a reply as the bot will send it and checks that it
// holds only harmless markup: no foreign elements, no event handlers, no
// script links. Hostile text inside a code span is just text.
func assertSafeHTML(t testing.TB, markdown string) {
	t.Helper()
	rendered := format.RenderMarkdown(markdown, true, false).FormattedBody
	allowed := map[string]bool{"p": true, "code": true, "pre": true, "strong": true, "em": true, "ul": true,
		"ol": true, "li": true, "br": true, "a": true, "blockquote": true, "del": true, "hr": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true}
	z := html.NewTokenizer(strings.NewReader(rendered))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if !allowed[tok.Data] {
				t.Fatalf("reply renders element <%s>: %s", tok.Data, rendered)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(a.Key, "on") || strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Fatalf("reply renders attribute %s=%q: %s", a.Key, a.Val, rendered)
				}
			}
		}
	}
}

func TestHugeInputGetsShortError(t *testing.T) {
	h := newHarness(t)
	for _, body := range []string{
		"!lang room " + strings.Repeat("x", 100_000),
		"!" + strings.Repeat("ñ", 50_000),
		"!lang " + strings.Repeat("word ", 20_000),
	} {
		replies := h.say(room, mod, body)
		if len(replies) != 1 || len(replies[0]) > 1000 || !strings.Contains(replies[0], "…") {
			t.Fatalf("100 KB input got %d replies, first %d bytes; want one short error", len(replies), len(replies[0]))
		}
	}
}

func roomID(s string) id.RoomID { return id.RoomID(s) }
func userID(s string) id.UserID { return id.UserID(s) }

func formsEngine(t testing.TB, deps service.Deps) *forms.Engine {
	ts, err := forms.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return forms.NewEngine(deps, fakeMatrix{}, ts)
}

func incidentsService(t testing.TB, deps service.Deps, fe *forms.Engine) *incidents.Service {
	svc, err := incidents.New(deps, fakeMatrix{}, fe, incidents.Settings{Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestCommandGate(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		room   id.RoomID
		sender id.UserID
		trust  id.TrustState
		body   string
		want   string
	}{
		{"moderator on a device they did not verify", room, mod, id.TrustStateUnset, "!lang room fr", "verified device"},
		{"moderator on an unknown device", room, mod, id.TrustStateUnknownDevice, "!link new Red", "verified device"},
		{"cross-signed but not by a key seen before", room, mod, id.TrustStateCrossSignedUntrusted, "!tz room Europe/Paris", "verified device"},
		{"responder on an unverified device", room, user, id.TrustStateUnset, "!ack i1", "verified device"},
		{"member without the power level", room, user, id.TrustStateCrossSignedTOFU, "!lang room fr", "only moderators"},
		{"coalition command in the direct chat", dm, user, id.TrustStateCrossSignedTOFU, "link new Red", "shared room"},
		{"responder room from the direct chat", dm, user, id.TrustStateCrossSignedTOFU, "incident room", "shared room"},
		{"a report from an unverified device", dm, user, id.TrustStateUnset, "report", "verified device"},
		{"personal setting needs no verified device", room, user, id.TrustStateUnset, "!lang me de", "Deine Sprache"},
		{"verified moderator", room, mod, id.TrustStateCrossSignedTOFU, "!lang room es", "El idioma de esta sala"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.sayFrom(tt.room, tt.sender, tt.trust, tt.body)
			if len(got) != 1 || !strings.Contains(got[0], tt.want) {
				t.Fatalf("%q got %q, want %q", tt.body, got, tt.want)
			}
		})
	}
	if r, _ := h.db.Room.Get(context.Background(), room); r.Language != "es" {
		t.Fatalf("room language %q: a refused command changed it", r.Language)
	}
}

func TestIsCommand(t *testing.T) {
	reply := &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: "$quoted"}}
	for _, tc := range []struct {
		name    string
		content event.MessageEventContent
		want    bool
	}{
		{"a command", event.MessageEventContent{MsgType: event.MsgText, Body: "!help"}, true},
		{"spaces before it", event.MessageEventContent{MsgType: event.MsgText, Body: "  !help"}, true},
		{"a message", event.MessageEventContent{MsgType: event.MsgText, Body: "help"}, false},
		{"a notice, as bots write", event.MessageEventContent{MsgType: event.MsgNotice, Body: "!link new"}, false},
		{"a command sent as a reply, with the quote", event.MessageEventContent{MsgType: event.MsgText,
			Body: "> <@ana:test> Hola\n\n!original", RelatesTo: reply}, true},
		{"a quote that looks like a command is not one", event.MessageEventContent{MsgType: event.MsgText,
			Body: "> <@ana:test> !link leave\n\nwhy?", RelatesTo: reply}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsCommand(&tc.content, "!"); got != tc.want {
				t.Fatalf("IsCommand = %v, want %v", got, tc.want)
			}
		})
	}
}

// A custom client writes a command into the formatted body under a plain
// body that is not one: the relay would copy it as a message, so it must
// not run as a command either.
func TestCommandOnlyInFormattedBodyIsNotRun(t *testing.T) {
	h := newHarness(t)
	replies := h.sayContent(room, mod, id.TrustStateCrossSignedTOFU, &event.MessageEventContent{MsgType: event.MsgText,
		Body: "Good morning", Format: event.FormatHTML, FormattedBody: "!lang room fr"})
	if len(replies) != 0 {
		t.Fatalf("replies %q, want none", replies)
	}
	stored, err := h.db.Room.Get(context.Background(), room)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Language != "" {
		t.Fatalf("the room's language became %q", stored.Language)
	}
	if replies = h.sayContent(room, mod, id.TrustStateCrossSignedTOFU, &event.MessageEventContent{MsgType: event.MsgText,
		Body: "!lang room fr", Format: event.FormatHTML, FormattedBody: "<p>!lang room fr</p>"}); len(replies) != 1 {
		t.Fatalf("the same command in both bodies got replies %q, want one", replies)
	}
}
