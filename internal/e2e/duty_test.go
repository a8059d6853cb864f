package e2e

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// Responders in Madrid, Santiago and Manila take turns on duty. `!duty`
// names who is on now and next; an incident nobody takes pages the person
// on duty, then also the next one (the backup), then the whole room, and
// the backup's ✅ stops it. The audit trail names whom each step paged.
func TestDutyRotaPagesThePersonOnDuty(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	c.ask(t, en, "!incident policy critical 3s every 4s x4")

	bea, cai := c.responder(t, "bea"), c.responder(t, "cai")
	responders := map[*testenv.Client]string{en.mod: "Europe/Madrid", bea: "America/Santiago", cai: "Asia/Manila"}
	for u, zone := range responders {
		ask(t, u, en.room, bot, "!tz me "+zone)
	}

	// A stranger to the room cannot be put on duty: they would never see a page.
	outsider := user(t, "outsider")
	refused := c.ask(t, en, "!duty add "+outsider.UserID.String()+" every monday 09:00")
	assertWords(t, "rota with an outsider", refused, "must be in this room")

	set := c.ask(t, en, "!duty add "+en.mod.UserID.String()+" "+bea.UserID.String()+" "+cai.UserID.String()+" every monday 09:00")
	assertWords(t, "!duty add", set, "Duty rota set", "On duty now: `"+en.mod.UserID.String()+"`")
	shown := testenv.Body(ask(t, cai, en.room, bot, "!duty"))
	assertWords(t, "!duty in Manila", shown, "On duty now: `"+en.mod.UserID.String()+"`", "Then: `"+bea.UserID.String()+"`", "Asia/Manila", "Mon")
	// Who answers incidents is the responders' to know, not every room's.
	if elsewhere := c.ask(t, c.rooms["es"], "!duty"); strings.Contains(elsewhere, en.mod.UserID.String()) || strings.Contains(elsewhere, bea.UserID.String()) {
		t.Fatalf("!duty in a member room names the responders: %q", elsewhere)
	}

	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "4", "ayer a las 22:00", "Plaza Mayor", "Detuvieron a dos compañeras en la plaza", "sí", "sí", "no"})
	report := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "🚨") })

	var pages []*event.Event
	page := func(n int) *event.Event {
		t.Helper()
		en.mod.Eventually("page "+string(rune('0'+n)), 30*time.Second, func() bool {
			pages = nil
			for _, e := range en.mod.Messages(en.room, bot) {
				if strings.Contains(testenv.Body(e), "⚠️") {
					pages = append(pages, e)
				}
			}
			return len(pages) >= n
		})
		return pages[n-1]
	}
	paged := func(e *event.Event) []id.UserID {
		got := slices.Clone(e.Content.AsMessage().Mentions.UserIDs)
		slices.Sort(got)
		return got
	}
	sorted := func(u ...id.UserID) []id.UserID { slices.Sort(u); return u }
	if got, want := paged(page(1)), sorted(en.mod.UserID); !slices.Equal(got, want) {
		t.Fatalf("the first page mentions %v, want the person on duty %v", got, want)
	}
	assertNotifies(t, en.mod, en.room, pages[0])
	if got, want := paged(page(2)), sorted(en.mod.UserID, bea.UserID); !slices.Equal(got, want) {
		t.Fatalf("the second page mentions %v, want the person on duty and the backup %v", got, want)
	}
	if got, want := paged(page(3)), sorted(en.mod.UserID, bea.UserID, cai.UserID); !slices.Equal(got, want) {
		t.Fatalf("the third page mentions %v, want the whole room %v", got, want)
	}
	bea.React(en.room, report.ID, "✅")
	taken := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), bea.UserID.Localpart()) && strings.Contains(testenv.Body(e), "`i1`") && !strings.Contains(testenv.Body(e), "⚠️")
	})
	t.Logf("report to first page %s (policy: 3s), to the backup's ack confirmed %s",
		time.Duration(pages[0].Timestamp-report.Timestamp)*time.Millisecond, time.Duration(taken.Timestamp-report.Timestamp)*time.Millisecond)
	time.Sleep(6 * time.Second)
	if n := len(botPosts(en, bot, "⚠️")); n != 3 {
		t.Fatalf("%d pages, want 3: the backup's ✅ stops the escalation", n)
	}
	trail := c.ask(t, en, "!incident show i1")
	assertWords(t, "audit trail", trail, "(times in Europe/Madrid)", "Escalated, paging", "1: "+en.mod.UserID.String(),
		"2: "+en.mod.UserID.String()+" "+bea.UserID.String(), "Taken", bea.UserID.String())
	// Each step is timed in the reader's zone.
	madrid, _ := time.LoadLocation("Europe/Madrid")
	posted := regexp.MustCompile(`(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \W*Posted to the responders`).FindStringSubmatch(trail)
	if posted == nil {
		t.Fatalf("no timed step of the report's posting in %q", trail)
	}
	at, err := time.ParseInLocation("2006-01-02 15:04:05", posted[1], madrid)
	if d := time.UnixMilli(report.Timestamp).Sub(at); err != nil || d < -2*time.Second || d > 2*time.Second {
		t.Fatalf("the report was posted at %s, the timeline says %s (Madrid): %v", time.UnixMilli(report.Timestamp).In(madrid), posted[1], err)
	}
}

// Someone away is passed over by the rota: the next person is paged. Quiet
// hours hold a page below critical (the audit trail says so); a critical
// page still reaches the person.
func TestAwayAndQuietHours(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	c.ask(t, en, "!incident policy critical 2s every 30s x3")
	c.ask(t, en, "!incident policy medium 2s every 30s x3")
	bea := c.responder(t, "bea")
	ask(t, en.mod, en.room, bot, "!tz me Europe/Madrid")
	ask(t, bea, en.room, bot, "!tz me America/Santiago")
	c.ask(t, en, "!duty add "+en.mod.UserID.String()+" "+bea.UserID.String()+" every day 09:00")

	madrid, _ := time.LoadLocation("Europe/Madrid")
	today := time.Now().In(madrid)
	away := c.ask(t, en, "!away "+today.Format(time.DateOnly)+".."+today.AddDate(0, 0, 2).Format(time.DateOnly))
	assertWords(t, "!away", away, "You are away", "Europe/Madrid")
	assertWords(t, "!duty while away", c.ask(t, en, "!duty"), "On duty now: `"+bea.UserID.String()+"`", "Away, passed over: `"+en.mod.UserID.String()+"`")

	santiago, _ := time.LoadLocation("America/Santiago")
	now := time.Now().In(santiago)
	quiet := testenv.Body(ask(t, bea, en.room, bot, "!quiet "+now.Add(-time.Hour).Format("15:04")+"-"+now.Add(time.Hour).Format("15:04")))
	assertWords(t, "!quiet", quiet, "quiet hours", "America/Santiago")

	pages := func(id string) []*event.Event {
		var out []*event.Event
		for _, e := range en.mod.Messages(en.room, bot) {
			if b := testenv.Body(e); strings.Contains(b, "⚠️") && strings.Contains(b, "`"+id+"`") {
				out = append(out, e)
			}
		}
		return out
	}
	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "4", "ayer a las 22:00", "Plaza Mayor", "Detuvieron a dos compañeras en la plaza", "sí", "sí", "no"})
	var critical []*event.Event
	en.mod.Eventually("the critical page", 30*time.Second, func() bool { critical = pages("i1"); return len(critical) > 0 })
	if got := critical[0].Content.AsMessage().Mentions.UserIDs; !slices.Equal(got, []id.UserID{bea.UserID}) {
		t.Fatalf("the critical page mentions %v; want %s, on duty for the one who is away, quiet hours or not", got, bea.UserID)
	}

	lucia.file(t, c, []string{"1", "2", "hoy", "Barrio norte", "Nos siguieron hasta casa", "sí", "sí", "no"})
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "🚨") && strings.Contains(testenv.Body(e), "`i2`")
	})
	time.Sleep(6 * time.Second)
	if got := pages("i2"); len(got) != 0 {
		t.Fatalf("a medium page reached someone in quiet hours: %q", testenv.Body(got[0]))
	}
	assertWords(t, "audit trail of the held page", c.ask(t, en, "!incident show i2"), "Pages held until")
}

// An incident's lifecycle beyond ack and resolve: a severity change starts
// the escalation again and tells the reporter; a snooze holds pages, also
// across a restart; a responder pages another by mention; the reporter,
// and only the reporter, sees the state of their reports in their direct
// chat.
func TestIncidentLifecycle(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	c.ask(t, en, "!incident policy high 1h x1")
	c.ask(t, en, "!incident policy critical 2s every 3s x9")
	bea := c.responder(t, "bea")

	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"1", "3", "hoy", "Barrio norte", "Amenazas en la puerta del local", "sí", "sí", "no"})
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "🚨") })
	pages := func() int { return len(botPosts(en, bot, "⚠️")) }

	assertWords(t, "!incident severity", c.ask(t, en, "!incident severity i1 critical"), "`critical`", "starts again")
	lucia.WaitForMessage(lucia.dm, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "`i1`") && strings.Contains(testenv.Body(e), "`critical`")
	})
	en.mod.Eventually("a page at the new severity", 30*time.Second, func() bool { return pages() > 0 })

	assertWords(t, "!incident snooze", c.ask(t, en, "!incident snooze i1 1h"), "held until")
	held := pages()
	c.bot.Stop()
	c.bot = c.setup.start(t)
	time.Sleep(8 * time.Second)
	if n := pages(); n != held {
		t.Fatalf("%d pages came during the snooze (across a restart)", n-held)
	}

	sent := en.mod.SendText(en.room, "!incident page i1 "+bea.UserID.String())
	en.mod.WaitForReply(en.room, bot, sent, 30*time.Second)
	page := bea.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📟") })
	if got := page.Content.AsMessage().Mentions.UserIDs; !slices.Equal(got, []id.UserID{bea.UserID}) {
		t.Fatalf("the page mentions %v, want %s", got, bea.UserID)
	}
	assertNotifies(t, bea, en.room, page)

	assertWords(t, "status in the direct chat", lucia.answer(t, bot, "!status", "`i1`"), "`critical`")
	refused := testenv.Body(ask(t, lucia.Client, es.room, bot, "!status"))
	if !strings.Contains(refused, "chat privado") || strings.Contains(refused, "`i1`") {
		t.Fatalf("!status in a shared room answered %q", refused)
	}
	omar := newReporter(t, c, "omar")
	ask(t, omar.Client, es.room, bot, "!report")
	omar.dm = omar.WaitForInvite(bot, 30*time.Second)
	omar.Join(omar.dm, bot)
	omar.answer(t, bot, "cancel", "")
	if got := omar.answer(t, bot, "!status", "abierto"); strings.Contains(got, "`i1`") {
		t.Fatalf("another person's status lists lucia's report: %q", got)
	}
}

// An incident taken and left unresolved past the policy's time comes back:
// its taker is paged again, and it escalates again from the start.
func TestTakenIncidentComesBack(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	assertWords(t, "policy", c.ask(t, en, "!incident policy critical 2s every 30s x3 ack 3s"), "ack 3s")
	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "4", "ayer a las 22:00", "Plaza Mayor", "Detuvieron a dos compañeras en la plaza", "sí", "sí", "no"})
	report := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "🚨") })
	// Taken after its first page: the page of the next round is a new one.
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "⚠️") })
	en.mod.React(en.room, report.ID, "✅")
	lapsed := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "⏰") })
	if got := lapsed.Content.AsMessage().Mentions.UserIDs; !slices.Equal(got, []id.UserID{en.mod.UserID}) {
		t.Fatalf("the lapsed ack pages %v, want the taker %s", got, en.mod.UserID)
	}
	assertNotifies(t, en.mod, en.room, lapsed)
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "⚠️") && e.Timestamp > lapsed.Timestamp
	})
	assertWords(t, "audit trail", c.ask(t, en, "!incident show i1"), "Taken", "Not resolved in time: handed back", "Escalated, paging")
}

// A responder hands an incident to another, who is paged; a duplicate
// report is merged into the first, and its reporter is told in their
// language, learning nothing of the other report.
func TestAssignAndMerge(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	bea := c.responder(t, "bea")
	lucia, omar := newReporter(t, c, "lucia"), newReporter(t, c, "omar")
	lucia.file(t, c, []string{"1", "3", "hoy", "Barrio norte", "Amenazas en la puerta del local", "sí", "sí", "no"})
	omar.file(t, c, []string{"1", "3", "hoy", "Barrio norte", "Amenazas frente al local", "sí", "sí", "no"})
	en.mod.Eventually("both reports", 30*time.Second, func() bool { return len(botPosts(en, bot, "🚨")) >= 2 })

	c.ask(t, en, "!ack i1")
	assertWords(t, "!incident assign", c.ask(t, en, "!incident assign i1 "+bea.UserID.String()), "`i1`", bea.UserID.String())
	page := bea.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📟") })
	if got := page.Content.AsMessage().Mentions.UserIDs; !slices.Equal(got, []id.UserID{bea.UserID}) {
		t.Fatalf("the hand-over pages %v, want %s", got, bea.UserID)
	}
	lucia.WaitForMessage(lucia.dm, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "otra persona de respuesta") && strings.Contains(testenv.Body(e), "`i1`")
	})
	assertWords(t, "list after the hand-over", c.ask(t, en, "!incident list"), "`i1` `high` — `open`")

	assertWords(t, "!incident merge", c.ask(t, en, "!incident merge i2 into i1"), "`i2`", "`i1`")
	told := omar.WaitForMessage(omar.dm, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "`i2`") && strings.Contains(testenv.Body(e), "otro informe")
	})
	if b := testenv.Body(told); strings.Contains(b, "i1") || strings.Contains(b, "lucia") {
		t.Fatalf("the merged report's reporter learns of the other: %q", b)
	}
	assertWords(t, "audit trail of the kept report", c.ask(t, en, "!incident show i1"), "Handed to", "Took in the duplicate", "`i2`")
	if got := c.ask(t, en, "!incident merge i1 into i1"); !strings.Contains(got, "Nothing was changed") {
		t.Fatalf("merging a report into itself answered %q", got)
	}

	// What the merged report's reporter adds later still reaches the
	// responders, marked as followed in the other report.
	omar.SendText(omar.dm, "Ahora hay más gente en la puerta")
	en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "💬") && strings.Contains(testenv.Body(e), "`i2` → `i1`")
	})

	// The export, for a retro, is two files in the asker's private chat,
	// timed in their zone.
	ask(t, en.mod, en.room, bot, "!tz me America/Santiago")
	assertWords(t, "!incident export", c.ask(t, en, "!incident export i1"), "private chat")
	file := fileInDirectChat(t, en.mod, bot, "i1-timeline.json")
	if file.File == nil {
		t.Fatal("the export was not sent encrypted")
	}
	var export struct {
		Incident string            `json:"incident"`
		Zone     string            `json:"zone"`
		Report   map[string]string `json:"report"`
		Timeline []struct{ At, Action, Actor, Label string }
	}
	if err := json.Unmarshal(en.mod.DownloadFile(file), &export); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, step := range export.Timeline {
		if at, err := time.Parse(time.RFC3339, step.At); err != nil || !strings.HasSuffix(step.At, "-03:00") || time.Since(at) > time.Hour {
			t.Errorf("step %+v is not timed in Santiago's summer time", step)
		}
		actions = append(actions, step.Action)
	}
	if export.Incident != "i1" || export.Zone != "America/Santiago" || export.Report["what"] != "Amenazas en la puerta del local" ||
		!slices.Contains(actions, "assigned") || !slices.Contains(actions, "merged") {
		t.Fatalf("export = %+v", export)
	}
	md := string(en.mod.DownloadFile(fileInDirectChat(t, en.mod, bot, "i1-timeline.md")))
	assertWords(t, "Markdown export", md, "# Incident i1: high, open", "Amenazas en la puerta del local", "Timeline of `i1` (times in America/Santiago)",
		"**Handed to**", "solidarity-retro")
}

// responder is a new member of the English room, the responder room in
// these tests, invited by its moderator.
func (c *coalition) responder(t *testing.T, name string) *testenv.Client {
	t.Helper()
	en := c.rooms["en"]
	u := user(t, name)
	if _, err := en.mod.InviteUser(t.Context(), en.room, &mautrix.ReqInviteUser{UserID: u.UserID}); err != nil {
		t.Fatal(err)
	}
	u.Join(en.room, c.setup.userID)
	return u
}

// Turns change hands only with consent: a swap stands when the other person
// reacts ✅ to its offer, not when the one who asked, anyone else, or a
// device of theirs they never verified does; a
// cover by someone who is not a moderator waits for the covered person's ✅,
// and then the cover is the one paged. A moderator's cover stands at once
// and only in its days; nobody can offer one from outside the responder room.
func TestDutySwapAndCoverNeedConsent(t *testing.T) {
	c := newCoalition(t, "es", "en")
	en := c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, en, "!incident room")
	c.ask(t, en, "!incident policy critical 2s every 30s x3")
	bea, cai := c.responder(t, "bea"), c.responder(t, "cai")
	for _, u := range []*testenv.Client{en.mod, bea, cai} {
		ask(t, u, en.room, bot, "!tz me Europe/Madrid")
	}
	mod := en.mod.UserID.String()
	c.ask(t, en, "!duty add "+mod+" "+bea.UserID.String()+" "+cai.UserID.String()+" every day 09:00")
	onDuty := func(now, then string) {
		t.Helper()
		assertWords(t, "!duty", testenv.Body(ask(t, cai, en.room, bot, "!duty")), "On duty now: `"+now+"`", "Then: `"+then+"`")
	}
	onDuty(mod, bea.UserID.String())
	offer := func(from *testenv.Client, command, awaiting string) *event.Event {
		t.Helper()
		from.SendText(en.room, command)
		return en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool {
			m := e.Content.AsMessage()
			return strings.Contains(m.Body, "react ✅") && m.Mentions != nil &&
				slices.Equal(m.Mentions.UserIDs, []id.UserID{id.UserID(awaiting)})
		})
	}
	agreed := func() int { return len(botPosts(en, bot, "Agreed:")) }

	// A session added to cai's account, which cai never verified, is not cai.
	stolen := hs.NewDevice(t, cai)
	stolen.WaitForMembership(en.room, bot, event.MembershipJoin, 30*time.Second)
	swap := offer(bea, "!duty swap "+cai.UserID.String(), cai.UserID.String())
	en.mod.React(en.room, swap.ID, "✅")
	bea.React(en.room, swap.ID, "✅")
	stolen.React(en.room, swap.ID, "✅")
	time.Sleep(3 * time.Second)
	if n := agreed(); n != 0 {
		t.Fatalf("a swap stood on the consent of someone it does not await (%d agreements)", n)
	}
	onDuty(mod, bea.UserID.String())
	cai.React(en.room, swap.ID, "✅")
	en.mod.Eventually("the swap agreed", 30*time.Second, func() bool { return agreed() == 1 })
	onDuty(mod, cai.UserID.String())

	madrid, _ := time.LoadLocation("Europe/Madrid")
	today := time.Now().In(madrid)
	days := today.Format(time.DateOnly) + ".." + today.AddDate(0, 0, 1).Format(time.DateOnly)
	if got := c.ask(t, c.rooms["es"], "!duty cover "+mod+" "+days); strings.Contains(got, "react ✅") {
		t.Fatalf("a cover was offered from a member room: %q", got)
	}
	cover := offer(cai, "!duty cover "+mod+" "+days, mod)
	cai.React(en.room, cover.ID, "✅")
	time.Sleep(3 * time.Second)
	onDuty(mod, cai.UserID.String())
	en.mod.React(en.room, cover.ID, "✅")
	en.mod.Eventually("the cover agreed", 30*time.Second, func() bool { return agreed() == 2 })
	shown := testenv.Body(ask(t, cai, en.room, bot, "!duty"))
	assertWords(t, "!duty with a cover", shown, "On duty now: `"+cai.UserID.String()+"`", "Covers agreed:", "`"+cai.UserID.String()+"` for `"+mod+"`")

	lucia := newReporter(t, c, "lucia")
	lucia.file(t, c, []string{"2", "4", "ayer a las 22:00", "Plaza Mayor", "Detuvieron a dos compañeras en la plaza", "sí", "sí", "no"})
	first := en.mod.WaitForMessage(en.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "⚠️") })
	if got := first.Content.AsMessage().Mentions.UserIDs; !slices.Equal(got, []id.UserID{cai.UserID}) {
		t.Fatalf("the first page mentions %v, want %s, who covers the person on duty", got, cai.UserID)
	}

	// A moderator's cover stands at once, and only in its days.
	later := today.AddDate(0, 0, 5).Format(time.DateOnly)
	en.mod.SendText(en.room, "!duty cover "+bea.UserID.String()+" "+later)
	en.mod.Eventually("the moderator's cover", 30*time.Second, func() bool { return agreed() == 3 })
	shown = testenv.Body(ask(t, cai, en.room, bot, "!duty"))
	assertWords(t, "!duty with a later cover", shown, "On duty now: `"+cai.UserID.String()+"`", "`"+mod+"` for `"+bea.UserID.String()+"`, "+today.AddDate(0, 0, 5).Format("Mon 2006-01-02")+" 00:00")
}
