package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// untrustedEngine answers as a LibreTranslate server does and keeps every
// text it was given: what an engine nobody vouched for would have seen.
type untrustedEngine struct {
	mu   sync.Mutex
	seen []string
}

func (e *untrustedEngine) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/languages":
		_ = json.NewEncoder(w).Encode([]map[string]any{{"code": "es", "targets": []string{"en"}}, {"code": "en", "targets": []string{"es"}}})
	case "/translate":
		var req struct {
			Q []string `json:"q"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.seen = append(e.seen, req.Q...)
		e.mu.Unlock()
		out := make([]string, len(req.Q))
		for i, q := range req.Q {
			out[i] = "LT-ENGINE " + q
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"translatedText": out})
	default:
		http.NotFound(w, r)
	}
}

func (e *untrustedEngine) saw(marker string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Contains(strings.Join(e.seen, "\n"), marker)
}

// A flag reaction or !translate brings a translation of one message to the
// person who asked, in their direct chat, in any room the bot is in, linked
// or not. Content from an encrypted room goes only to a trusted engine;
// from an unencrypted one, also to an untrusted one. Nobody gets a message
// of a room they are not in by naming it from another.
func TestTranslationOnRequest(t *testing.T) {
	engine := &untrustedEngine{}
	srv := httptest.NewServer(http.HandlerFunc(engine.serve))
	t.Cleanup(srv.Close)
	ana, bea, mallory := user(t, "ana"), user(t, "bea"), user(t, "mallory")
	setup := newBotWith(t, map[string]any{
		"permissions": map[string]any{"device_trust": "any"},
		"translation": map[string]any{"libretranslate": map[string]any{"url": srv.URL, "trusted_for_encrypted": false}},
	}, ana.UserID)
	setup.start(t)
	bot := setup.userID

	private := ana.CreateRoom(testenv.RoomOptions{Name: "Sala privada", Encrypted: true, Invite: []id.UserID{bot, bea.UserID}})
	open := ana.CreateRoom(testenv.RoomOptions{Name: "Sala abierta", Invite: []id.UserID{bot, bea.UserID, mallory.UserID}})
	for _, room := range []id.RoomID{private, open} {
		ana.WaitForMembership(room, bot, event.MembershipJoin, 30*time.Second)
		bea.Join(room, bot)
		sent := ana.SendText(room, "!lang room es")
		ana.WaitForReply(room, bot, sent, 30*time.Second)
	}
	mallory.Join(open, bot)

	secret := bea.SendText(private, "Mañana nos reunimos en la plaza Zorblax21")
	ana.React(private, secret, "🇬🇧")
	anaDM := joinDirectChat(t, ana, bot)
	inDM := func(c *testenv.Client, dm id.RoomID, marker string) string {
		t.Helper()
		return testenv.Body(c.WaitForMessage(dm, bot, 45*time.Second, func(e *event.Event) bool {
			return strings.Contains(testenv.Body(e), marker)
		}))
	}
	got := inDM(ana, anaDM, "Zorblax21")
	assertWords(t, "translation from the encrypted room", got, "Tomorrow", "square", "Sala privada", "`es`", "`en`")
	if strings.Contains(got, "LT-ENGINE") || engine.saw("Zorblax21") {
		t.Fatalf("content of an encrypted room reached the untrusted engine: %q", got)
	}

	t.Run("unencrypted room: the untrusted engine may see it", func(t *testing.T) {
		msg := bea.SendText(open, "Mañana nos reunimos en la plaza Zorblax22")
		ana.React(open, msg, "🌐")
		got := inDM(ana, anaDM, "Zorblax22")
		if !strings.Contains(got, "LT-ENGINE") || !engine.saw("Zorblax22") {
			t.Fatalf("the first engine, trusted or not, should have translated it: %q", got)
		}
	})

	t.Run("!translate as a reply", func(t *testing.T) {
		msg := bea.SendText(private, "La asamblea empieza pronto Zorblax23")
		cmd := ana.Send(private, &event.MessageEventContent{MsgType: event.MsgText, Body: "!translate en",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: msg}}})
		assertWords(t, "answer in the room", testenv.Body(ana.WaitForReply(private, bot, cmd, 30*time.Second)), "chat privado")
		assertWords(t, "translation", inDM(ana, anaDM, "Zorblax23"), "assembly")
	})

	t.Run("what the sender edited out is not translated", func(t *testing.T) {
		first := bea.SendText(private, "Llamad al 600 111 222 esta noche Zorblax26")
		bea.Send(private, &event.MessageEventContent{MsgType: event.MsgText, Body: "* Llamad a la coordinadora esta noche Zorblax26",
			NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Llamad a la coordinadora esta noche Zorblax26"},
			RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: first}})
		// Someone else's "edit" counts for nothing.
		ana.Send(private, &event.MessageEventContent{MsgType: event.MsgText, Body: "* Llamad al 699 999 999 Zorblax26",
			NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Llamad al 699 999 999 Zorblax26"},
			RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: first}})
		time.Sleep(time.Second)
		ana.React(private, first, "🇬🇧")
		got := inDM(ana, anaDM, "Zorblax26")
		if strings.Contains(got, "600 111 222") || strings.Contains(got, "699") || !strings.Contains(got, "oordinat") {
			t.Fatalf("the translation of an edited message reads %q", got)
		}
	})

	t.Run("a message of another room cannot be asked for", func(t *testing.T) {
		// Mallory is not in the private room nor the closed one: she names
		// their messages from the open room (the homeserver hands the bot
		// an event of any room it is in), then asks for one of the open
		// room's own.
		closed := ana.CreateRoom(testenv.RoomOptions{Name: "Sala cerrada", Invite: []id.UserID{bot, bea.UserID}})
		ana.WaitForMembership(closed, bot, event.MembershipJoin, 30*time.Second)
		bea.Join(closed, bot)
		hidden := bea.SendText(closed, "La reunión es en la plaza Zorblax25")
		mallory.React(open, secret, "🇬🇧")
		mallory.React(open, hidden, "🇬🇧")
		mine := bea.SendText(open, "Hola a todas Zorblax24")
		mallory.React(open, mine, "🇬🇧")
		malloryDM := joinDirectChat(t, mallory, bot)
		inDM(mallory, malloryDM, "Zorblax24")
		for _, e := range mallory.Messages(malloryDM, bot) {
			if b := testenv.Body(e); strings.Contains(b, "Zorblax21") || strings.Contains(b, "Zorblax25") || strings.Contains(b, "plaza") || strings.Contains(b, "square") {
				t.Fatalf("mallory received a message of a room she is not in: %q", b)
			}
		}
	})
}

// A copy relayed untranslated because the engine failed is translated again
// when the message's sender reacts 🔄, and only then: anyone else's 🔄 does
// nothing.
func TestSenderRetriesAnUntranslatedCopy(t *testing.T) {
	engine := &untrustedEngine{}
	var failing atomic.Bool
	failing.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/translate" && failing.Load() {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		engine.serve(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newCoalitionWith(t, map[string]any{"translation": map[string]any{
		"apertium":       map[string]any{"enabled": false},
		"libretranslate": map[string]any{"url": srv.URL, "trusted_for_encrypted": true},
	}}, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	bea := user(t, "bea")
	if _, err := es.mod.InviteUser(t.Context(), es.room, &mautrix.ReqInviteUser{UserID: bea.UserID}); err != nil {
		t.Fatal(err)
	}
	bea.Join(es.room, bot)

	original := es.mod.SendText(es.room, "Nos vemos en la plaza Zorblax41")
	copied := c.copyIn(t, "en", "Zorblax41")
	assertWords(t, "copy while the engine fails", testenv.Body(copied), "untranslated")
	failing.Store(false)

	edits := func() []*event.Event {
		var out []*event.Event
		for _, e := range en.mod.Messages(en.room, bot) {
			if e.Content.AsMessage().RelatesTo.GetReplaceID() == copied.ID {
				out = append(out, e)
			}
		}
		return out
	}
	bea.React(es.room, original, "🔄") // not hers to retry
	es.mod.React(es.room, original, "🔄")
	edit := en.mod.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool {
		return e.Content.AsMessage().RelatesTo.GetReplaceID() == copied.ID
	})
	if got := edit.Content.AsMessage().NewContent.Body; !strings.Contains(got, "LT-ENGINE") || strings.Contains(got, "untranslated") {
		t.Fatalf("the retried copy reads %q", got)
	}
	es.mod.SendText(es.room, "Marcador Zorblax42")
	c.copyIn(t, "en", "Zorblax42")
	if n := len(edits()); n != 1 {
		t.Fatalf("the copy was edited %d times; only its sender's 🔄 may retry it", n)
	}
	sent := en.mod.Send(en.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: copied.ID}}})
	assertWords(t, "!original after the retry", testenv.Body(en.mod.WaitForReply(en.room, bot, sent, 30*time.Second)), "Translated by LibreTranslate")
}
