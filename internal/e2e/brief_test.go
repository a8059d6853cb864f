package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// A briefing from the watch circle reaches every room translated, with its
// original, and is pinned where the bot may pin; a reaction marks a room
// read; !brief status names the others; the rooms that have not read it
// are chased once, halfway through its day, and the watch room is told at
// its end who read it. Nobody briefs from another room, and the role
// moves only on the word of the watch room's moderators.
func TestBriefingsFromTheWatchCircle(t *testing.T) {
	// An hour of schedule time passes each second: the day of a briefing
	// is 24 seconds long.
	c := newCoalitionWith(t, map[string]any{"scheduler": map[string]any{"clock_speed": 3600}}, "es", "en", "fr")
	es, en, fr := c.rooms["es"], c.rooms["en"], c.rooms["fr"]
	bot := c.setup.userID
	en.mod.SetPowerLevel(en.room, bot, 50) // the English room lets the bot pin

	assertWords(t, "no watch circle yet", c.ask(t, en, "!brief Nothing"), "watch circle")
	assertWords(t, "watch room", c.ask(t, es, "!watch room"), "círculo de vigilancia")
	// Another room's moderator cannot take the role.
	assertWords(t, "the role taken", c.ask(t, fr, "!watch room"), "Seule une personne modératrice de ce salon")
	assertWords(t, "brief from elsewhere", c.ask(t, fr, "!brief Rien"), "cercle de veille")

	assertWords(t, "brief", c.ask(t, es, "!brief La policía cerrará el puente el sábado por la mañana"), "`b")
	isBrief := func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📣") }
	enBrief := en.mod.WaitForMessage(en.room, bot, 30*time.Second, isBrief)
	frBrief := fr.mod.WaitForMessage(fr.room, bot, 30*time.Second, isBrief)
	assertWords(t, "the English copy", testenv.Body(enBrief), "Briefing", "Sala es", "bridge", "original (es): “La policía cerrará el puente el sábado por la mañana”")
	assertWords(t, "the French copy", testenv.Body(frBrief), "Point de situation", "pont")
	var pinned event.PinnedEventsEventContent
	if err := en.mod.StateEvent(t.Context(), en.room, event.StatePinnedEvents, "", &pinned); err != nil || !slices.Contains(pinned.Pinned, enBrief.ID) {
		t.Fatalf("the briefing was not pinned where the bot may pin: %v %v", pinned.Pinned, err)
	}
	if err := fr.mod.StateEvent(t.Context(), fr.room, event.StatePinnedEvents, "", &pinned); err == nil && len(pinned.Pinned) > 0 {
		t.Fatalf("something was pinned where the bot may not pin: %v", pinned.Pinned)
	}

	en.mod.React(en.room, enBrief.ID, "👀")
	en.mod.Eventually("the English room's read counted", 30*time.Second, func() bool {
		return strings.Contains(c.ask(t, es, "!brief status"), "1 de 2")
	})
	assertWords(t, "status", c.ask(t, es, "!brief status"), "Sin leer: **Sala fr**")

	// Halfway through its day, the French room is chased; the English one
	// is not.
	chase := fr.mod.WaitForMessage(fr.room, bot, 40*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Ce salon a-t-il lu") })
	summary := es.mod.WaitForMessage(es.room, bot, 40*time.Second, func(e *event.Event) bool {
		// The summary, not an answer to !brief status.
		return strings.Contains(testenv.Body(e), "1 de 2 salas") && e.Content.AsMessage().RelatesTo.GetReplyTo() == ""
	})
	assertWords(t, "the summary", testenv.Body(summary), "Sin leer: **Sala fr**")
	chases := func(l *linked) (n int) {
		for _, e := range l.mod.Messages(l.room, bot) {
			if strings.Contains(testenv.Body(e), "a-t-il lu") || strings.Contains(testenv.Body(e), "Has this room read") {
				n++
			}
		}
		return n
	}
	if n := chases(fr); n != 1 || chases(en) != 0 || chase.ID == "" {
		t.Fatalf("chases: French room %d (want 1), English room %d (want 0)", n, chases(en))
	}
}

// A !brief sent alone in a thread of the watch room briefs the thread: its
// root and replies reach every room as one briefing, translated. A session
// its owner has not verified cannot slip its words into one, and a
// briefing too long to carry with its original is refused.
func TestABriefFromAThread(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, es, "!watch room")
	inThread := func(from *testenv.Client, root id.EventID, body string) id.EventID {
		content := &event.MessageEventContent{MsgType: event.MsgText, Body: body}
		content.RelatesTo = (&event.RelatesTo{}).SetThread(root, root)
		return from.Send(es.room, content)
	}

	root := es.mod.SendText(es.room, "La policía cerrará el puente el sábado")
	inThread(es.mod, root, "Traed agua y mantas")
	brief := inThread(es.mod, root, "!brief")
	assertWords(t, "the brief's answer", testenv.Body(es.mod.WaitForReply(es.room, bot, brief, 30*time.Second)), "`b")
	got := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📣") })
	assertWords(t, "the thread's briefing", testenv.Body(got), "Briefing", "bridge", "water", "original (es)", "Traed agua y mantas")

	// A session added to the moderator's account, never verified, writes
	// in the next thread; briefing that thread is refused, and its words
	// reach no room as a briefing.
	stolen := hs.NewDevice(t, es.mod)
	stolen.WaitForMembership(es.room, bot, event.MembershipJoin, 30*time.Second)
	root = es.mod.SendText(es.room, "Cambio de planes")
	inThread(stolen, root, "Id todos al puente ahora Zorblax7")
	es.mod.WaitForMessage(es.room, stolen.UserID, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax7") })
	brief = inThread(es.mod, root, "!brief")
	assertWords(t, "refusal", testenv.Body(es.mod.WaitForReply(es.room, bot, brief, 30*time.Second)),
		es.mod.UserID.String(), "no ha verificado", "No se envió nada")

	// Nor can it by editing a verified message, which its owner then
	// briefs by replying to it.
	root = es.mod.SendText(es.room, "Todo tranquilo en el puente")
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* Id todos al puente Zorblax8",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Id todos al puente Zorblax8"}}
	edit.RelatesTo = (&event.RelatesTo{}).SetReplace(root)
	stolen.Send(es.room, edit)
	es.mod.WaitForMessage(es.room, stolen.UserID, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax8") })
	reply := &event.MessageEventContent{MsgType: event.MsgText, Body: "!brief"}
	reply.RelatesTo = (&event.RelatesTo{}).SetReplyTo(root)
	brief = es.mod.Send(es.room, reply)
	assertWords(t, "refusal of the edited message", testenv.Body(es.mod.WaitForReply(es.room, bot, brief, 30*time.Second)),
		"no ha verificado", "No se envió nada")

	sent := es.mod.SendText(es.room, "!brief "+strings.Repeat("Mucho texto. ", 400))
	assertWords(t, "too long", testenv.Body(es.mod.WaitForReply(es.room, bot, sent, 30*time.Second)), "4000", "No se envió nada")
	sent = es.mod.SendText(es.room, "!brief")
	assertWords(t, "nothing to brief", testenv.Body(es.mod.WaitForReply(es.room, bot, sent, 30*time.Second)), "No hay nada que difundir")

	// The watch circle and the responder room are never one room.
	assertWords(t, "the watch circle as responder room", c.ask(t, es, "!incident room"), "no puede ser su sala de respuesta", "No se cambió nada")
	c.ask(t, en, "!incident room")
	assertWords(t, "the responder room as watch circle", c.ask(t, en, "!watch room"), "responder room cannot be the watch circle")

	briefs := 0
	for _, e := range en.mod.Messages(en.room, bot) {
		if strings.Contains(testenv.Body(e), "📣") {
			briefs++
			noneContains(t, "a briefing", []string{testenv.Body(e)}, "Zorblax7", "Zorblax8", "Mucho texto")
		}
	}
	if briefs != 1 {
		t.Fatalf("%d briefings reached the English room, want 1", briefs)
	}
}
