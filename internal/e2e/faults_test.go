package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
)

// Malformed events, sent encrypted through a real client, are passed over
// or relayed as far as they can be; the next messages arrive within
// seconds, in order.
func TestMalformedEventsHoldUpNothing(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	for _, content := range []map[string]any{
		{"msgtype": "m.text", "body": 42},
		{"msgtype": "m.text", "body": "menciones rotas", "m.mentions": map[string]any{"user_ids": "@x:localhost"}},
		{"msgtype": "m.image", "body": "foto.png", "url": "esto no es mxc"},
		{"msgtype": "m.text", "body": "respuesta a nada", "m.relates_to": map[string]any{"m.in_reply_to": map[string]any{"event_id": "$nada"}}},
		{"msgtype": "m.text", "body": "html roto", "format": "org.matrix.custom.html",
			"formatted_body": "<b><i>sin cerrar <a href='javascript:alert(1)'>x<table><tr><td>"},
		{"msgtype": "m.text"},
	} {
		if _, err := es.mod.Client.SendMessageEvent(t.Context(), es.room, event.EventMessage, content); err != nil {
			t.Fatalf("failed to send %v: %v", content, err)
		}
	}
	start := time.Now()
	for _, text := range []string{"Primero Zorblax1", "Segundo Zorblax2", "Tercero Zorblax3"} {
		es.mod.SendText(es.room, text)
	}
	c.copyIn(t, "en", "Zorblax3")
	if took := time.Since(start); took > 30*time.Second {
		t.Fatalf("the messages after the malformed ones took %s", took)
	}
	var order []string
	for _, e := range en.mod.Messages(en.room, bot) {
		for _, m := range []string{"Zorblax1", "Zorblax2", "Zorblax3"} {
			if strings.Contains(testenv.Body(e), m) {
				order = append(order, m)
			}
		}
	}
	if strings.Join(order, " ") != "Zorblax1 Zorblax2 Zorblax3" {
		t.Fatalf("copies arrived as %v", order)
	}
	// The image whose link is broken still arrives, saying so.
	c.copyIn(t, "en", "could not be copied")
	// A moderator of the receiving room can see what was given up on, and
	// why, without the bot's log; never what it said.
	failures := c.ask(t, en, "!link failures")
	assertWords(t, "!link failures", failures, "Sala es", "Sala en", "could not be read")
	if strings.Contains(failures, "menciones") {
		t.Fatalf("!link failures quotes what was sent: %s", failures)
	}
}

var (
	faultBinOnce sync.Once
	faultBin     string
	faultBinErr  error
)

// faultBinary builds, once, the bot with the faultinject tag: it panics
// while handling the message "starling-test-panic".
func faultBinary(t *testing.T) string {
	t.Helper()
	faultBinOnce.Do(func() {
		faultBin, faultBinErr = testenv.BuildStarling(context.Background(), filepath.Dir(starlingBin), "faultinject")
	})
	if faultBinErr != nil {
		t.Fatal(faultBinErr)
	}
	return faultBin
}

// A handler that panics costs its event only: the panic is logged with its
// stack and counted, the bot keeps answering, and after a crash it does not
// meet the same event again.
func TestAPanickingHandlerCostsOnlyItsEvent(t *testing.T) {
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	bin := faultBinary(t)
	bot := testenv.StartBot(t, bin, setup.config)
	room := encryptedRoomWithBot(t, alice, setup.userID)
	alice.SendText(room, "starling-test-panic")
	bot.WaitLog("Recovered from a panic", 30*time.Second)
	for _, e := range bot.LogEntries() {
		if e["message"] == "Recovered from a panic" {
			if e["level"] != "error" || e["work"] != "event" || !strings.Contains(fmt.Sprint(e["stack"]), "injectFault") {
				t.Fatalf("the panic was not logged at error level with its stack: %v", e)
			}
		}
	}
	if reply := testenv.Body(ask(t, alice, room, setup.userID, "!lang")); reply == "" {
		t.Fatal("the bot stopped answering after a panic")
	}
	_, metrics := httpGet(t, bot.MonitorURL()+"/metrics")
	if !strings.Contains(metrics, `starling_panics_total{work="event"} 1`) {
		t.Fatalf("the panic was not counted:\n%s", metrics)
	}
	bot.Kill() // a crash: whatever was not committed is replayed on start
	bot = testenv.StartBot(t, bin, setup.config)
	ask(t, alice, room, setup.userID, "!lang")
	for _, e := range bot.LogEntries() {
		if e["message"] == "Recovered from a panic" {
			t.Fatal("the bot met the poison event again after a restart")
		}
	}
}

// A command stuck on a slow request holds up its own room only: another
// room's command is answered and its messages relayed meanwhile, and what
// the slow room's people send after it waits its turn, then arrives, in
// order.
func TestASlowRoomHoldsUpNoOther(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	c.bot.Stop()
	c.bot = testenv.StartBot(t, faultBinary(t), c.setup.config)
	bot := c.setup.userID
	es.mod.SendText(es.room, "starling-test-slow") // SlowTrigger: 10 s in its room's lane
	stuck := time.Now()
	es.mod.SendText(es.room, "Después de la lenta Zorblax9")

	start := time.Now()
	sent := en.mod.SendText(en.room, "!lang")
	en.mod.WaitForReply(en.room, bot, sent, 30*time.Second)
	en.mod.SendText(en.room, "Meanwhile Zorblax8")
	c.copyIn(t, "es", "Zorblax8")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("another room's command and message waited %s for the slow room", took)
	}
	late := c.copyIn(t, "en", "Zorblax9")
	if waited := en.mod.Arrived(late.ID).Sub(stuck); waited < 9*time.Second {
		t.Fatalf("a message sent after the slow command was relayed %s after it, before it was done", waited)
	}
}

// A room whose power levels no longer let the bot speak holds up nothing:
// a briefing reaches the other rooms, and its day goes on.
func TestARoomThatSilencesTheBotHoldsUpNoBriefing(t *testing.T) {
	c := newCoalition(t, "fr", "es", "en") // the French room first in every list
	es, en, fr := c.rooms["es"], c.rooms["en"], c.rooms["fr"]
	bot := c.setup.userID
	c.ask(t, es, "!watch room")
	var pl event.PowerLevelsEventContent
	if err := fr.mod.StateEvent(t.Context(), fr.room, event.StatePowerLevels, "", &pl); err != nil {
		t.Fatal(err)
	}
	pl.EventsDefault = 50 // only moderators speak
	if _, err := fr.mod.SendStateEvent(t.Context(), fr.room, event.StatePowerLevels, "", &pl); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the bot's sync brings the new levels

	c.ask(t, es, "!brief Cierran la frontera Zorblax11")
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax11") })
	c.ask(t, es, "!brief Abren la frontera Zorblax12")
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax12") })
	noneContains(t, "the silenced room", bodiesFrom(fr.mod, fr.room, bot), "Zorblax11", "Zorblax12")
	assertWords(t, "status", c.ask(t, es, "!brief status"), "Sala fr")
}
