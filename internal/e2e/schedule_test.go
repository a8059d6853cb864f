package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
)

// The bot's schedule clock starts at clockStart and runs 60 times faster
// than real time: a minute of schedule time is a second of test time.
var clockStart = time.Date(2030, 1, 7, 16, 0, 0, 0, time.UTC) // Monday 17:00 in Madrid

const clockSpeed = 60

func scheduleCoalition(t *testing.T) (*coalition, time.Time) {
	t.Helper()
	c := newCoalitionWith(t, map[string]any{
		"scheduler": map[string]any{"clock_speed": clockSpeed, "clock_start": clockStart.Format(time.RFC3339), "checkin_window": "24h"},
	}, "es", "en")
	c.ask(t, c.rooms["es"], "!tz room Europe/Madrid")
	c.ask(t, c.rooms["en"], "!tz room America/Santiago")
	return c, time.Now()
}

// virtualNow estimates the bot's schedule clock from the real time since it
// started (started is taken just after start-up, so the estimate is late).
func virtualNow(started time.Time) time.Time {
	return clockStart.Add(time.Duration(float64(time.Since(started)) * clockSpeed))
}

func TestCheckinAcrossLanguagesAndZones(t *testing.T) {
	c, started := scheduleCoalition(t)
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	madrid, _ := time.LoadLocation("Europe/Madrid")
	at := virtualNow(started).Add(8 * time.Minute).In(madrid).Truncate(time.Minute)
	added := c.ask(t, es, fmt.Sprintf("!checkin add every day %s Europe/Madrid | ¿Cómo está vuestro grupo? | window 20m", at.Format("15:04")))
	assertWords(t, "confirmation", added, "`c1`")

	isPrompt := func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") }
	esPrompt := es.mod.WaitForMessage(es.room, bot, time.Minute, isPrompt)
	enPrompt := en.mod.WaitForMessage(en.room, bot, time.Minute, isPrompt)
	assertWords(t, "Spanish prompt", testenv.Body(esPrompt), "Check-in", "¿Cómo está vuestro grupo?", "antes de las")
	assertWords(t, "English prompt", testenv.Body(enPrompt), "Check-in", "group", "before")
	if deadline := at.Add(20 * time.Minute).In(mustZone(t, "America/Santiago")).Format("15:04"); !strings.Contains(testenv.Body(enPrompt), deadline) {
		t.Errorf("English room not told its local deadline %s: %s", deadline, testenv.Body(enPrompt))
	}

	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "Todo bien, necesitamos agua",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: esPrompt.ID}}})
	reminder := en.mod.WaitForMessage(en.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "⏰") })
	assertWords(t, "reminder", testenv.Body(reminder), "not reported")
	summary := es.mod.WaitForMessage(es.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📊") })
	assertWords(t, "summary", testenv.Body(summary), "1 de 2", "necesitamos agua", "Sin informar", "Sala en")
	for _, e := range es.mod.Messages(es.room, bot) {
		if strings.Contains(testenv.Body(e), "⏰") {
			t.Fatal("the room that reported was reminded")
		}
	}
}

func TestVigilShowsEveryonesLocalTime(t *testing.T) {
	c, _ := scheduleCoalition(t)
	en := c.rooms["en"]
	c.ask(t, en, "!tz me Asia/Manila")
	c.ask(t, en, "!vigil add 2030-01-10 19:00 America/Santiago | Vigil for the detained")
	for _, l := range c.rooms {
		ann := l.mod.WaitForMessage(l.room, c.setup.userID, time.Minute, func(e *event.Event) bool {
			return strings.Contains(testenv.Body(e), "🕯")
		})
		assertWords(t, "announcement in "+l.lang, testenv.Body(ann), "19:00 Santiago · 23:00 Madrid · 06:00 (+1) Manila")
	}

	// !calendar: an encrypted .ics file that parses back to the vigil.
	sent := en.mod.SendText(en.room, "!calendar")
	file := en.mod.WaitForReply(en.room, c.setup.userID, sent, 30*time.Second).Content.AsMessage()
	if file.MsgType != event.MsgFile || file.File == nil {
		t.Fatalf("!calendar answered %s (encrypted file: %v)", file.MsgType, file.File != nil)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(en.mod.DownloadFile(file)))
	if err != nil {
		t.Fatal(err)
	}
	if events := cal.Events(); len(events) != 1 {
		t.Fatalf("calendar has %d events, want the one vigil", len(events))
	} else if at, _ := events[0].GetStartAt(); !at.Equal(time.Date(2030, 1, 10, 22, 0, 0, 0, time.UTC)) {
		t.Fatalf("vigil starts at %v in the calendar, want 22:00 UTC", at)
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Stop the bot across an occurrence: on start it fires once, marked late.
// Restart again: nothing fires twice. Stop it across an occurrence whose
// window has passed: it is skipped, and the skip is logged.
func TestMissedCheckinsFireOnceOrAreSkipped(t *testing.T) {
	c, _ := scheduleCoalition(t)
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	c.ask(t, es, "!checkin add every day 18:00 Europe/Madrid | Informe semanal | window 2h")
	if code := c.bot.Stop(); code != 0 {
		t.Fatalf("stop exited %d", code)
	}
	clockAt := func(t time.Time) map[string]any {
		return map[string]any{"scheduler": map[string]any{"clock_speed": 1, "clock_start": t.Format(time.RFC3339)}}
	}
	occurrence := time.Date(2030, 1, 7, 17, 0, 0, 0, time.UTC) // 18:00 in Madrid
	prompts := func() int {
		n := 0
		for _, e := range en.mod.Messages(en.room, bot) {
			if strings.Contains(testenv.Body(e), "📋") {
				n++
			}
		}
		return n
	}

	c.setup.reconfigure(t, clockAt(occurrence.Add(30*time.Minute)))
	c.bot = c.setup.start(t)
	late := en.mod.WaitForMessage(en.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") })
	assertWords(t, "late prompt", testenv.Body(late), "Posted late", "14:00")
	c.bot.Stop()

	c.setup.reconfigure(t, clockAt(occurrence.Add(31*time.Minute)))
	c.bot = c.setup.start(t)
	c.ask(t, es, "!schedule") // the bot has synced and run its first pass
	time.Sleep(2 * time.Second)
	if n := prompts(); n != 1 {
		t.Fatalf("%d prompts after a second restart, want 1", n)
	}
	c.bot.Stop()

	c.setup.reconfigure(t, clockAt(occurrence.Add(24*time.Hour+3*time.Hour)))
	c.bot = c.setup.start(t)
	c.ask(t, es, "!schedule")
	time.Sleep(2 * time.Second)
	if n := prompts(); n != 1 {
		t.Fatalf("%d prompts after the window passed, want the missed one skipped", n)
	}
	skipped := false
	for _, e := range c.bot.LogEntries() {
		if e["message"] == "Skipping a check-in whose window passed while the bot was down" {
			skipped = true
		}
	}
	if !skipped {
		t.Fatal("the skipped occurrence was not logged")
	}
}

// A room whose people are all away is not chased by a check-in's reminder;
// the summary counts the people away.
func TestCheckinPassesOverARoomThatIsAway(t *testing.T) {
	c, started := scheduleCoalition(t)
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	today := virtualNow(started).In(mustZone(t, "America/Santiago"))
	assertWords(t, "!away", c.ask(t, en, "!away "+today.Format(time.DateOnly)+".."+today.AddDate(0, 0, 3).Format(time.DateOnly)), "You are away")
	madrid := mustZone(t, "Europe/Madrid")
	at := virtualNow(started).Add(8 * time.Minute).In(madrid).Truncate(time.Minute)
	c.ask(t, es, fmt.Sprintf("!checkin add every day %s Europe/Madrid | ¿Cómo está vuestro grupo? | window 20m", at.Format("15:04")))

	isPrompt := func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📋") }
	en.mod.WaitForMessage(en.room, bot, time.Minute, isPrompt)
	es.mod.WaitForMessage(es.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "⏰") })
	summary := es.mod.WaitForMessage(es.room, bot, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📊") })
	assertWords(t, "summary", testenv.Body(summary), "0 de 2", "Ausente: 1 persona.")
	for _, e := range en.mod.Messages(en.room, bot) {
		if strings.Contains(testenv.Body(e), "⏰") {
			t.Fatalf("a room whose people are all away was reminded: %q", testenv.Body(e))
		}
	}
}
