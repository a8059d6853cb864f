package e2e

import (
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
)

func TestThreadsOriginalPauseAndUntranslated(t *testing.T) {
	c := newCoalition(t, "es", "en", "de")
	es, en, de := c.rooms["es"], c.rooms["en"], c.rooms["de"]
	bot := c.setup.userID

	root := es.mod.SendText(es.room, "Hilo sobre la plaza Zorblax4")
	enRoot := c.copyIn(t, "en", "Zorblax4")
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "Respuesta en el hilo Zorblax5",
		RelatesTo: (&event.RelatesTo{}).SetThread(root, root)})
	inThread := c.copyIn(t, "en", "Zorblax5").Content.AsMessage().RelatesTo
	if inThread == nil || inThread.Type != event.RelThread || inThread.EventID != enRoot.ID {
		t.Fatalf("thread reply arrived with relation %+v, want a thread on %s", inThread, enRoot.ID)
	}

	t.Run("original", func(t *testing.T) {
		sent := en.mod.Send(en.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: enRoot.ID}}})
		reply := testenv.Body(en.mod.WaitForReply(en.room, bot, sent, 30*time.Second))
		assertWords(t, "!original", reply, "Hilo sobre la plaza Zorblax4", "español", "Sala es", "Translated by Apertium: `es` → `en`.")
	})

	t.Run("untranslated is marked, never dropped", func(t *testing.T) {
		inDe := c.copyIn(t, "de", "Zorblax4")
		assertWords(t, "German copy (no es→de route)", testenv.Body(inDe), "nicht übersetzt", "Hilo sobre la plaza")
		sent := de.mod.Send(de.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: inDe.ID}}})
		reply := testenv.Body(de.mod.WaitForReply(de.room, bot, sent, 30*time.Second))
		assertWords(t, "!original of an untranslated copy", reply, "Keine Übersetzungsmaschine konnte es übersetzen")
	})

	t.Run("pause stops relaying from the room", func(t *testing.T) {
		c.ask(t, es, "!link pause")
		es.mod.SendText(es.room, "No debe llegar Zorblax6")
		c.ask(t, es, "!link resume")
		es.mod.SendText(es.room, "Sí debe llegar Zorblax7")
		c.copyIn(t, "en", "Zorblax7")
		for _, body := range copiesWith(en, bot, "Zorblax6") {
			t.Fatalf("a message sent while paused was relayed: %s", body)
		}
		if strings.Contains(strings.Join(copiesWith(de, bot, "Zorblax"), "\n"), "Zorblax6") {
			t.Fatal("a message sent while paused reached the German room")
		}
	})
}

// In a room where several languages are spoken each message is translated
// from its own: a Spanish and an English message both reach the French room
// in French, and !original says the language was detected.
func TestMixedLanguageRoom(t *testing.T) {
	c := newCoalition(t, "es", "fr")
	es, fr := c.rooms["es"], c.rooms["fr"]
	bot := c.setup.userID
	assertWords(t, "!lang room auto", c.ask(t, es, "!lang room auto"), "varios idiomas")

	es.mod.SendText(es.room, "Mañana nos reunimos en la plaza con las vecinas Zorblax31")
	assertWords(t, "French copy of the Spanish message", testenv.Body(c.copyIn(t, "fr", "Zorblax31")), "demain", "place", "voisines")
	es.mod.SendText(es.room, "We will meet tomorrow in the square with all the neighbours Zorblax32")
	fromEnglish := c.copyIn(t, "fr", "Zorblax32")
	assertWords(t, "French copy of the English message", testenv.Body(fromEnglish), "demain", "voisins")

	sent := fr.mod.Send(fr.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: fromEnglish.ID}}})
	reply := testenv.Body(fr.mod.WaitForReply(fr.room, bot, sent, 30*time.Second))
	assertWords(t, "!original", reply, "English", "détectée", "`en` → `ca` → `fr`")
}
