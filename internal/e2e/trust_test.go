package e2e

// Each test here is one rule of SPEC.md's Trust section, tried the way a
// person with a custom client would break it: they fail before the rule
// was built and pass after. SECURITY.md lists them by promise.

import (
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// anyoneHere lets every user of the test homeserver invite the bot, as a
// coalition on its own server would configure it.
var anyoneHere = map[string]any{"invites": map[string]any{"allow_servers": []string{testenv.ServerName}, "allow_users": []string{}}}

// joinAs adds a new user to a coalition room at the given power level.
func joinAs(t *testing.T, c *coalition, l *linked, name string, level int) *testenv.Client {
	t.Helper()
	u := user(t, name)
	if _, err := l.mod.InviteUser(t.Context(), l.room, &mautrix.ReqInviteUser{UserID: u.UserID}); err != nil {
		t.Fatal(err)
	}
	u.Join(l.room, l.mod.UserID, c.setup.userID)
	l.mod.WaitForMembership(l.room, u.UserID, event.MembershipJoin, 20*time.Second)
	if level > 0 {
		l.mod.SetPowerLevel(l.room, u.UserID, level)
	}
	return u
}

// bodiesFrom are the bodies of sender's messages in room that c has seen.
func bodiesFrom(c *testenv.Client, room id.RoomID, sender id.UserID) []string {
	var out []string
	for _, e := range c.Messages(room, sender) {
		out = append(out, testenv.Body(e))
	}
	return out
}

func noneContains(t *testing.T, what string, bodies []string, words ...string) {
	t.Helper()
	for _, b := range bodies {
		for _, w := range words {
			if strings.Contains(b, w) {
				t.Fatalf("%s holds %q: %s", what, w, b)
			}
		}
	}
}

// A room that claims to be a direct chat with the bot, but holds a third
// person, never carries a report; a direct chat that gets a third member
// stops being used, says so, and the conversation continues elsewhere.
func TestOnlyARealDirectChatCarriesAReport(t *testing.T) {
	alice, mallory := user(t, "alice"), user(t, "mallory")
	setup := newBot(t, alice.UserID, mallory.UserID)
	setup.start(t)
	bot := setup.userID

	// Mallory makes a "direct chat" of the bot and Alice, with herself in it.
	fake := mallory.CreateRoom(testenv.RoomOptions{Name: "Starling", Encrypted: true, Direct: true, Invite: []id.UserID{bot, alice.UserID}})
	mallory.WaitForMembership(fake, bot, event.MembershipJoin, 30*time.Second)
	alice.Join(fake, mallory.UserID, bot)
	room := encryptedRoomWithBot(t, alice, bot)
	assertWords(t, "report in the room", testenv.Body(ask(t, alice, room, bot, "!report")), "private chat")
	dm := alice.WaitForInvite(bot, 30*time.Second, room)
	if dm == fake {
		t.Fatal("the bot took Mallory's room for Alice's direct chat")
	}
	alice.Join(dm, bot)
	alice.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "1/8") })
	// Without a prefix, what Alice says in the fake room is no command.
	helpInFake := alice.SendText(fake, "help")
	testenv.Body(ask(t, alice, room, bot, "!help"))
	for _, e := range mallory.Messages(fake, bot) {
		if e.Content.AsMessage().RelatesTo.GetReplyTo() == helpInFake {
			t.Fatalf("the bot answered a bare command in a room of three: %s", testenv.Body(e))
		}
	}

	// Alice answers, then invites Mallory into her real direct chat.
	alice.SendText(dm, "1")
	alice.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "2/8") })
	if _, err := alice.InviteUser(t.Context(), dm, &mautrix.ReqInviteUser{UserID: mallory.UserID}); err != nil {
		t.Fatal(err)
	}
	alice.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "no longer private") })
	dm2 := alice.WaitForInvite(bot, 30*time.Second, room, dm)
	alice.Join(dm2, bot)
	alice.WaitForMessage(dm2, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "2/8") })
	mallory.Join(dm, alice.UserID, bot)
	alice.SendText(dm, "4") // in the old room: not taken as an answer
	alice.SendText(dm2, "3")
	alice.WaitForMessage(dm2, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "3/8") })
	time.Sleep(time.Second)
	noneContains(t, "the fake room", bodiesFrom(mallory, fake, bot), "/8")
	var after bool
	for _, b := range bodiesFrom(alice, dm, bot) {
		if after && strings.Contains(b, "/8") {
			t.Fatalf("the bot kept asking in a room Mallory was invited to: %s", b)
		}
		after = after || strings.Contains(b, "no longer private")
	}
}

// A member with no power, who reads the shared room and holds a leaked join
// code, cannot link her direct chat or make it the responder room; a room
// she moderates joins, but every room is told and one of them takes it out.
func TestALeakedJoinCodeIsSeenAndUndone(t *testing.T) {
	c := newCoalitionWith(t, anyoneHere, "es", "en", "ca")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	mallory := joinAs(t, c, es, "mallory", 0)

	code := c.code(t, es, "!link code")
	for _, e := range mallory.Messages(es.room, bot) {
		if joinCodeRE.MatchString(testenv.Body(e)) {
			t.Fatalf("a join code was posted where every member reads it: %s", testenv.Body(e))
		}
	}
	// The code leaks. Mallory tries it in her own direct chat with the bot.
	dm := mallory.CreateRoom(testenv.RoomOptions{Encrypted: true, Direct: true, Invite: []id.UserID{bot}})
	mallory.WaitForMembership(dm, bot, event.MembershipJoin, 30*time.Second)
	assertWords(t, "join from a direct chat", testenv.Body(ask(t, mallory, dm, bot, "link join "+code)), "never joins a coalition")
	assertWords(t, "responders from a direct chat", testenv.Body(ask(t, mallory, dm, bot, "incident room")), "shared room")
	assertWords(t, "responders from the shared room", testenv.Body(ask(t, mallory, es.room, bot, "!incident room")), "solo las personas moderadoras")

	// In a room she moderates the code works, and everyone hears of it.
	own := mallory.CreateRoom(testenv.RoomOptions{Name: "Sala de Mallory", Encrypted: true, Invite: []id.UserID{bot}})
	mallory.WaitForMembership(own, bot, event.MembershipJoin, 30*time.Second)
	assertWords(t, "join", testenv.Body(ask(t, mallory, own, bot, "!link join "+code)), "joined")
	for _, l := range []*linked{es, en, c.rooms["ca"]} {
		notice := l.mod.WaitForMessage(l.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Sala de Mallory") })
		assertWords(t, "join notice", testenv.Body(notice), mallory.UserID.String(), "!link remove")
	}
	// A moderator of the English room takes it out; her room hears it too.
	assertWords(t, "remove", c.ask(t, en, "!link remove Sala de Mallory"), "no longer in the coalition")
	mallory.WaitForMessage(own, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "taken out") && strings.Contains(testenv.Body(e), en.mod.UserID.String())
	})
	es.mod.WaitForMessage(es.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Sala de Mallory") && strings.Contains(testenv.Body(e), en.mod.UserID.String())
	})

	// A report still goes to the responders, and nowhere near Mallory.
	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "3", "hoy", "saltar", "Nos siguen Zorblax1", "sí", "sí", "no"})
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax1") })
	es.mod.SendText(es.room, "Después de quitarla Zorblax2")
	c.copyIn(t, "ca", "Zorblax2")
	time.Sleep(time.Second)
	noneContains(t, "Mallory's rooms", append(bodiesFrom(mallory, dm, bot), bodiesFrom(mallory, own, bot)...), "Zorblax1", "Zorblax2")
}

// What responders say stays in the responder room, and coalition traffic
// does not flood it.
func TestResponderTalkStaysInTheResponderRoom(t *testing.T) {
	c := newCoalition(t, "es", "en", "ca")
	es, en, ca := c.rooms["es"], c.rooms["en"], c.rooms["ca"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	en.mod.SendText(en.room, "i3 is Maria from the square Zorblax1")
	es.mod.SendText(es.room, "Hola a todas Zorblax2")
	ca.mod.SendText(ca.room, "Bon dia Zorblax3")
	c.copyIn(t, "ca", "Zorblax2")
	c.copyIn(t, "es", "Zorblax3")
	time.Sleep(time.Second)
	noneContains(t, "the member rooms", append(bodiesFrom(es.mod, es.room, bot), bodiesFrom(ca.mod, ca.room, bot)...), "Zorblax1")
	noneContains(t, "the responder room", bodiesFrom(en.mod, en.room, bot), "Zorblax2", "Zorblax3")
}

// Only the sender edits their message's copies; a copy pings only people
// the message shows it mentions; a deletion counts only as the homeserver
// applies it.
func TestEditsMentionsAndDeletionsAreTheSenders(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	mallory := joinAs(t, c, es, "mallory", 0)
	ben := joinAs(t, c, en, "ben", 0)

	original := es.mod.SendText(es.room, "Mañana en la plaza Zorblax1")
	enCopy := c.copyIn(t, "en", "Zorblax1")
	mallory.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "* Todo cancelado Zorblax1",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Todo cancelado Zorblax1"},
		RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: original}})
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "* Mañana en el ayuntamiento Zorblax1",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Mañana en el ayuntamiento Zorblax1"},
		RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: original}})
	en.mod.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool {
		m := e.Content.AsMessage()
		return m.RelatesTo.GetReplaceID() == enCopy.ID && strings.Contains(m.NewContent.Body, "city council")
	})
	for _, e := range en.mod.Messages(en.room, bot) {
		if m := e.Content.AsMessage(); m.RelatesTo.GetReplaceID() == enCopy.ID && strings.Contains(m.NewContent.Body, "cancel") {
			t.Fatalf("Mallory's edit of someone else's message was relayed: %s", m.NewContent.Body)
		}
	}

	// A hand-written m.mentions naming Ben, in a text that names nobody.
	mallory.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "Hola a todas Zorblax2",
		Mentions: &event.Mentions{UserIDs: []id.UserID{ben.UserID, en.mod.UserID}}})
	hidden := ben.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax2") })
	if m := hidden.Content.AsMessage().Mentions; m == nil || len(m.UserIDs) > 0 || m.Room {
		t.Fatalf("a copy of a message naming nobody mentions %+v", m)
	}
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "Pregunta a " + ben.UserID.String() + " Zorblax3",
		Mentions: &event.Mentions{UserIDs: []id.UserID{ben.UserID, en.mod.UserID}}})
	named := ben.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax3") })
	if m := named.Content.AsMessage().Mentions; m == nil || !slices.Equal(m.UserIDs, []id.UserID{ben.UserID}) {
		t.Fatalf("a copy naming Ben mentions %+v, want Ben only", m)
	}

	// Mallory deletes the moderator's message: if the homeserver takes the
	// request at all, it does not apply it, and neither does the relay.
	if _, err := mallory.RedactEvent(t.Context(), es.room, original); err == nil {
		es.mod.SendText(es.room, "Marca Zorblax4")
		c.copyIn(t, "en", "Zorblax4")
		for _, e := range en.mod.Events(en.room, bot, event.EventRedaction) {
			if e.Redacts == enCopy.ID || e.Content.AsRedaction().Redacts == enCopy.ID {
				t.Fatal("a deletion the sender could not make removed the copy")
			}
		}
	}
}

// !original shows an original only to the room its copy is in, and never
// puts encrypted content into an unencrypted room.
func TestOriginalStaysWithItsCopy(t *testing.T) {
	c := newCoalitionWith(t, anyoneHere, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	mallory := joinAs(t, c, en, "mallory", 0)
	es.mod.SendText(es.room, "El punto de encuentro es secreto Zorblax1")
	enCopy := mallory.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax1") })

	plain := mallory.CreateRoom(testenv.RoomOptions{Name: "Abierta", Invite: []id.UserID{bot}})
	mallory.WaitForMembership(plain, bot, event.MembershipJoin, 30*time.Second)
	askOriginal := func(c *testenv.Client, room id.RoomID) string {
		t.Helper()
		sent := c.Send(room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: enCopy.ID}}})
		return testenv.Body(c.WaitForReply(room, bot, sent, 30*time.Second))
	}
	for _, asker := range []struct {
		c    *testenv.Client
		room id.RoomID
		want string
	}{{mallory, plain, "not relayed by me"}, {es.mod, es.room, "no lo he reenviado yo"}} {
		if got := askOriginal(asker.c, asker.room); strings.Contains(got, "secreto") || !strings.Contains(got, asker.want) {
			t.Fatalf("!original of another room's copy answered %q", got)
		}
	}
	assertWords(t, "original in its own room", askOriginal(mallory, en.room), "secreto", "Sala es")
}

// Form results and check-in summaries are built from encrypted messages:
// they never land in an unencrypted room.
func TestResultsAndSummariesStayEncrypted(t *testing.T) {
	ana, ben := user(t, "ana"), user(t, "ben")
	setup := newBotWith(t, map[string]any{
		"permissions": anyDevice["permissions"],
		"scheduler":   map[string]any{"clock_speed": clockSpeed, "clock_start": clockStart.Format(time.RFC3339), "checkin_window": "24h"},
	}, ana.UserID, ben.UserID)
	setup.start(t)
	started := time.Now()
	bot := setup.userID
	plainAsk := func(c *testenv.Client, room id.RoomID, text string) string {
		t.Helper()
		sent := c.SendText(room, text)
		return testenv.Body(c.WaitForReply(room, bot, sent, 30*time.Second))
	}
	roomA := ana.CreateRoom(testenv.RoomOptions{Name: "A", Invite: []id.UserID{bot, ben.UserID}})
	ana.WaitForMembership(roomA, bot, event.MembershipJoin, 30*time.Second)
	ben.Join(roomA, ana.UserID, bot)

	// A form started in the unencrypted room is answered in an encrypted
	// direct chat; its results are not shown there.
	plainAsk(ana, roomA, "!form start needs-assessment")
	plainAsk(ben, roomA, "!fill f1")
	dm := joinDirectChat(t, ben, bot)
	for _, step := range [][2]string{{"", "1/5"}, {"1", "2/5"}, {"4", "3/5"}, {"skip", "4/5"}, {"Zorblax agua potable", "5/5"}, {"Sin más", "`submit`"}, {"submit", "Thank"}} {
		if step[0] != "" {
			ben.SendText(dm, step[0])
		}
		ben.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), step[1]) })
	}
	assertWords(t, "results in a plain room", plainAsk(ana, roomA, "!form results f1"), "cannot show that here")
	// Closing posts the results where the form was started, if they may go there.
	ana.SendText(roomA, "!form close f1")
	ana.WaitForMessage(roomA, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "comes from end-to-end encrypted chats")
	})

	// A check-in of the plain room A and room B; B then turns encryption on
	// and reports. Its report is not put into A's summary.
	roomB := ben.CreateRoom(testenv.RoomOptions{Name: "B", Invite: []id.UserID{bot}})
	ben.WaitForMembership(roomB, bot, event.MembershipJoin, 30*time.Second)
	code := askCode(t, ana, roomA, bot, "!link new Abierta")
	plainAsk(ben, roomB, "!link join "+code)
	at := virtualNow(started).Add(6 * time.Minute).Truncate(time.Minute)
	plainAsk(ana, roomA, "!checkin add every day "+at.Format("15:04")+" UTC | ¿Cómo estáis? | window 20m")
	if _, err := ben.SendStateEvent(t.Context(), roomB, event.StateEncryption, "", &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
		t.Fatal(err)
	}
	ben.Eventually("room B to be encrypted", 20*time.Second, func() bool { enc, _ := ben.StateStore.IsEncrypted(t.Context(), roomB); return enc })
	prompt := ben.WaitForMessage(roomB, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") })
	ana.WaitForMessage(roomA, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") })
	ben.Send(roomB, &event.MessageEventContent{MsgType: event.MsgText, Body: "Zorblax detenidos dos",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: prompt.ID}}})
	// Past the window, the summary would be out.
	ana.Eventually("the check-in window to end", 90*time.Second, func() bool { return virtualNow(started).After(at.Add(22 * time.Minute)) })
	time.Sleep(2 * time.Second)
	told := false
	for _, b := range bodiesFrom(ana, roomA, bot) {
		if strings.Contains(b, "Zorblax") || strings.Contains(b, "📊") {
			t.Fatalf("content from encrypted messages reached the unencrypted room: %s", b)
		}
		told = told || strings.Contains(b, "comes from end-to-end encrypted chats")
	}
	if !told {
		t.Fatal("the unencrypted room was not told why results are missing")
	}
}

// Check-ins and forms are changed only by the room that made them; an
// export goes to the moderator's direct chat; a glossary change is told to
// every room.
func TestObjectsBelongToTheRoomThatMadeThem(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, es, "!form start needs-assessment")
	c.ask(t, es, "!checkin add every day 10:00 | ¿Qué tal? Zorblax")
	for cmd, want := range map[string]string{
		"!form close f1":      "another room",
		"!form export f1":     "another room",
		"!schedule cancel c1": "another room",
		"!schedule pause c1":  "another room",
	} {
		assertWords(t, cmd+" from another room", c.ask(t, en, cmd), want, "Nothing was changed")
	}
	assertWords(t, "schedule still there", c.ask(t, es, "!schedule list"), "`c1`")
	assertWords(t, "export by the owner", c.ask(t, es, "!form export f1"), "chat privado")
	fileInDirectChat(t, es.mod, bot, "f1-needs-assessment.csv")

	c.ask(t, es, "!glossary add no = en:yes")
	notice := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "glossary") })
	assertWords(t, "glossary notice", testenv.Body(notice), es.mod.UserID.String(), "`no`", "`yes`")
}

// A device its owner has not verified cannot change settings or act on
// incidents, and cannot even read the bot's answers.
func TestAnUnverifiedDeviceCannotActOnIncidents(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	stolen := hs.NewDevice(t, en.mod)
	stolen.WaitForMembership(en.room, bot, event.MembershipJoin, 30*time.Second)

	sent := stolen.SendText(en.room, "!incident room")
	refusal := en.mod.WaitForReply(en.room, bot, sent, 30*time.Second)
	assertWords(t, "refusal seen on the verified device", testenv.Body(refusal), "verified device", "Nothing was changed")
	assertWords(t, "no responder room", c.ask(t, en, "!incident policy"), "responder room only")
	if got := stolen.Messages(en.room, bot); len(got) > 0 {
		t.Fatalf("the unverified device read the bot's messages: %q", testenv.Body(got[0]))
	}

	c.ask(t, en, "!incident room")
	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "3", "hoy", "saltar", "Nos siguen", "sí", "sí", "no"})
	report := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "🚨") })
	sent = stolen.SendText(en.room, "!ack i1")
	assertWords(t, "ack refusal", testenv.Body(en.mod.WaitForReply(en.room, bot, sent, 30*time.Second)), "verified device")
	stolen.React(en.room, report.ID, "✅")
	time.Sleep(2 * time.Second)
	assertWords(t, "still open", c.ask(t, en, "!incident list"), "`open`")
	assertWords(t, "ack from the verified device", c.ask(t, en, "!ack i1"), "You took incident `i1`")

	// A session added to the reporter's account speaks in her name: the bot
	// does not take it, and says so where she reads it.
	stolenLucia := hs.NewDevice(t, lucia.Client)
	stolenLucia.WaitForMembership(lucia.dm, bot, event.MembershipJoin, 30*time.Second)
	sent = stolenLucia.SendText(lucia.dm, "Estoy bien, no me contactéis Zorblax9")
	assertWords(t, "refused addition", testenv.Body(lucia.WaitForReply(lucia.dm, bot, sent, 30*time.Second)), "no has verificado")
	lucia.answer(t, bot, "Tenemos miedo Zorblax10", "Añadido")
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax10") })
	noneContains(t, "the responder room", bodiesFrom(en.mod, en.room, bot), "Zorblax9")
}

// The responder role moves only on the word of a moderator of the room
// that has it — also after another room took that room out of the
// coalition — and that room is told.
func TestTheResponderRoleMovesOnlyWithConsent(t *testing.T) {
	c := newCoalition(t, "es", "en", "ca")
	en, ca := c.rooms["en"], c.rooms["ca"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	refused := "Només una persona moderadora d’aquella sala"
	assertWords(t, "move by a stranger to the responders", c.ask(t, ca, "!incident room"), refused, "No s’ha canviat res")
	assertWords(t, "policy still with the responders", c.ask(t, en, "!incident policy"), "Escalation of unacknowledged incidents")
	// The Catalan moderator takes the responder room out, then tries again.
	c.ask(t, ca, "!link remove Sala en")
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "taken out") })
	assertWords(t, "move after removing the responders", c.ask(t, ca, "!incident room"), refused)
	// A moderator of the former responder room, made a moderator here too, moves it.
	if _, err := ca.mod.InviteUser(t.Context(), ca.room, &mautrix.ReqInviteUser{UserID: en.mod.UserID}); err != nil {
		t.Fatal(err)
	}
	en.mod.Join(ca.room, ca.mod.UserID, bot)
	ca.mod.WaitForMembership(ca.room, en.mod.UserID, event.MembershipJoin, 20*time.Second)
	ca.mod.SetPowerLevel(ca.room, en.mod.UserID, 50)
	en.mod.Eventually("the new power level", 20*time.Second, func() bool {
		pl, _ := en.mod.StateStore.GetPowerLevels(t.Context(), ca.room)
		return pl != nil && pl.GetUserLevel(en.mod.UserID) == 50
	})
	ask(t, en.mod, ca.room, bot, "!incident room")
	told := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Sala ca") && strings.Contains(testenv.Body(e), "not here")
	})
	assertWords(t, "former responder room told", testenv.Body(told), en.mod.UserID.String(), "responder room")
	assertWords(t, "policy now with the new responders", c.ask(t, ca, "!incident policy"), "critical")
}

// Someone in two coalitions chooses whose responders get the report.
func TestAReporterInTwoCoalitionsChooses(t *testing.T) {
	c := newCoalitionWith(t, anyoneHere, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	other := &coalition{setup: c.setup, bot: c.bot, rooms: map[string]*linked{}}
	for _, lang := range []string{"es", "en"} {
		l := &linked{mod: user(t, "otra"+lang), lang: lang, name: "Otra " + lang}
		l.room = l.mod.CreateRoom(testenv.RoomOptions{Name: l.name, Encrypted: true, Invite: []id.UserID{bot}})
		l.mod.WaitForMembership(l.room, bot, event.MembershipJoin, 30*time.Second)
		other.ask(t, l, "!lang room "+lang)
		other.rooms[lang] = l
	}
	code := other.code(t, other.rooms["es"], "!link new Otra red")
	other.ask(t, other.rooms["en"], "!link join "+code)
	other.ask(t, other.rooms["en"], "!incident room")

	lucia := newReporter(t, c, "lucia")
	if _, err := other.rooms["es"].mod.InviteUser(t.Context(), other.rooms["es"].room, &mautrix.ReqInviteUser{UserID: lucia.UserID}); err != nil {
		t.Fatal(err)
	}
	lucia.Join(other.rooms["es"].room, other.rooms["es"].mod.UserID, bot)
	ask(t, lucia.Client, es.room, bot, "!report")
	lucia.dm = lucia.WaitForInvite(bot, 30*time.Second)
	lucia.Join(lucia.dm, bot)
	choice := lucia.WaitForMessage(lucia.dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "1/9") })
	assertWords(t, "coalition question", testenv.Body(choice), "varias coaliciones", "Red de prueba", "Otra red")
	lucia.answer(t, bot, "Otra red", "2/9")
	for i, a := range []string{"2", "3", "hoy", "saltar", "Nos siguen Zorblax1", "sí", "sí", "no"} {
		expect := "/9"
		if i == 7 {
			expect = "`enviar`"
		}
		lucia.answer(t, bot, a, expect)
	}
	lucia.answer(t, bot, "enviar", "guardado")
	otherEn := other.rooms["en"]
	otherEn.mod.WaitForMessage(otherEn.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Zorblax1") })
	time.Sleep(time.Second)
	noneContains(t, "the other coalition's responders", bodiesFrom(en.mod, en.room, bot), "Zorblax1")
}
