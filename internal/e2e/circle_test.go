package e2e

import (
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// A listening circle every 3 months, its facilitator turning over three
// people, announced in every room in its language; two hours after it
// starts, each person who said they would come (and the facilitator) is
// asked the retro in their own language, and the answers reach every room
// grouped by question, translated, originals kept.
func TestListeningCircleAndItsRetro(t *testing.T) {
	// Schedule time starts on a Monday at 15:00 UTC and runs an hour a
	// second: the circle at 17:00 starts two seconds in, its retro two
	// seconds after.
	start := time.Date(2030, 1, 7, 15, 0, 0, 0, time.UTC)
	c := newCoalitionWith(t, map[string]any{"scheduler": map[string]any{"clock_speed": 3600, "clock_start": start.Format(time.RFC3339)}}, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	ask(t, es.mod, es.room, bot, "!lang me es")
	rotate := strings.Join([]string{es.mod.UserID.String(), en.mod.UserID.String(), "@tercera:localhost"}, " ")
	added := c.ask(t, es, "!circle add cada 3 meses primer lunes 17:00 | ¿Cómo repartimos el trabajo? rotate "+rotate)
	assertWords(t, "added", added, "`o", "solidarity-retro")
	announced := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "🫂") })
	assertWords(t, "the English announcement", testenv.Body(announced), "Listening circle", "Facilitating this time: `"+es.mod.UserID.String()+"`")
	en.mod.React(en.room, announced.ID, "🙋")

	// The retro, asked in each person's language.
	dmOf := func(cl *testenv.Client) id.RoomID {
		if dm := directChats.of(cl.UserID); dm != "" {
			return dm
		}
		return joinDirectChat(t, cl, bot)
	}
	answer := func(cl *testenv.Client, dm id.RoomID, text, expect string) {
		t.Helper()
		before := len(cl.Messages(dm, bot))
		if text != "" {
			cl.SendText(dm, text)
		}
		cl.Eventually("the bot's answer to "+text, 60*time.Second, func() bool {
			msgs := cl.Messages(dm, bot)
			return (text == "" || len(msgs) > before) && len(msgs) > 0 && strings.Contains(testenv.Body(msgs[len(msgs)-1]), expect)
		})
	}
	enDM, esDM := dmOf(en.mod), dmOf(es.mod)
	answer(en.mod, enDM, "", "What felt extractive?")
	answer(es.mod, esDM, "", "¿Qué se sintió extractivo?")
	answer(en.mod, enDM, "Translating everything ourselves, late at night", "What felt transformative?")
	answer(en.mod, enDM, "Sharing the legal fund", "shared risks")
	answer(en.mod, enDM, "skip", "organise together again")
	answer(en.mod, enDM, "yes", "`submit`")
	answer(en.mod, enDM, "submit", "Thank")
	answer(es.mod, esDM, "Las reuniones siempre en inglés", "¿Qué se sintió transformador?")
	answer(es.mod, esDM, "La caja común para fianzas", "riesgos compartidos")
	answer(es.mod, esDM, "saltar", "organizaros juntas")
	answer(es.mod, esDM, "sí", "`enviar`")
	answer(es.mod, esDM, "enviar", "Gracias")

	// Someone of the coalition who was not in the circle cannot answer its
	// retro: no room got an invitation, and asking by its id finds nothing.
	stranger := newReporter(t, c, "mirona")
	assertWords(t, "a stranger to the circle", testenv.Body(ask(t, stranger.Client, es.room, bot, "!fill f1")), "no hay ningún formulario `f1`")
	for _, l := range []*linked{es, en} {
		noneContains(t, "the rooms", bodiesFrom(l.mod, l.room, bot), "fill f1", "fill` f1")
	}

	// Closed, its answers reach every room, grouped by question.
	es.mod.SendText(es.room, "!form close f1") // the results are its answer
	isResults := func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "2 ") && strings.Contains(testenv.Body(e), "extract")
	}
	enResults := testenv.Body(en.mod.WaitForMessage(en.room, bot, 30*time.Second, isResults))
	esResults := testenv.Body(es.mod.WaitForMessage(es.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "extractivo") && e.Content.AsMessage().RelatesTo.GetReplyTo() == ""
	}))
	assertWords(t, "the English results", enResults, "What felt extractive?", "Translating everything ourselves",
		"(original: “Las reuniones siempre en inglés”)")
	assertWords(t, "the Spanish results", esResults, "¿Qué se sintió extractivo?", "Las reuniones siempre en inglés",
		"(original: “Translating everything ourselves, late at night”)")
}
