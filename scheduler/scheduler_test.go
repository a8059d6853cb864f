package scheduler

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/dbtest"
	"starling/rooms"
	"starling/service"
	"starling/translations"
)

// manualClock is moved by the test; nothing sleeps.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time                   { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) Real(time.Duration) time.Duration { return time.Millisecond }
func (c *manualClock) Set(t time.Time)                  { c.mu.Lock(); c.now = t; c.mu.Unlock() }

type sent struct {
	room id.RoomID
	body string
	id   id.EventID
}

// fakeMatrix records what the scheduler posts; a transaction id sent twice
// fails the test.
type fakeMatrix struct {
	t      *testing.T
	mu     sync.Mutex
	posts  []sent
	txns   map[string]id.EventID
	events map[id.EventID]*event.Event
	// down refuses every send to these rooms; refusing rooms will never
	// take the bot's messages (it was kicked).
	down, refusing map[id.RoomID]bool
	// pinned lists "room event" as pinned.
	pinned []string
}

func (f *fakeMatrix) BotUserID() id.UserID { return "@bot:test" }
func (f *fakeMatrix) SendOnce(_ context.Context, room id.RoomID, c *event.MessageEventContent, txn string, _ rooms.Origin) (id.EventID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[room] {
		return "", errors.New("M_UNKNOWN: try again")
	}
	if f.refusing[room] {
		return "", fmt.Errorf("M_FORBIDDEN: %w", rooms.ErrCannotPost)
	}
	if prev, ok := f.txns[txn]; ok {
		return prev, nil
	}
	evID := id.EventID(fmt.Sprintf("$post%d", len(f.posts)+1))
	f.txns[txn] = evID
	f.posts = append(f.posts, sent{room, c.Body, evID})
	return evID, nil
}
func (f *fakeMatrix) FetchEvent(_ context.Context, _ id.RoomID, e id.EventID) (*event.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if evt, ok := f.events[e]; ok {
		return evt, nil
	}
	return nil, errors.New("M_NOT_FOUND: event not found")
}
func (f *fakeMatrix) DisplayName(_ context.Context, _ id.RoomID, u id.UserID) string {
	return u.Localpart()
}
func (f *fakeMatrix) RoomName(_ context.Context, r id.RoomID) string {
	return strings.TrimSuffix(strings.TrimPrefix(string(r), "!"), ":test")
}
func (f *fakeMatrix) JoinedMembers(context.Context, id.RoomID) ([]id.UserID, error) {
	return []id.UserID{"@ana:test", "@bob:test"}, nil
}
func (f *fakeMatrix) Pin(_ context.Context, room id.RoomID, e id.EventID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pinned = append(f.pinned, string(room)+" "+string(e))
	return nil
}
func (f *fakeMatrix) PowerLevel(_ context.Context, _ id.RoomID, u id.UserID) (int, error) {
	return map[id.UserID]int{"@mod:test": 100}[u], nil
}
func (f *fakeMatrix) SendMarkdown(ctx context.Context, room id.RoomID, md string, from rooms.Origin) (id.EventID, error) {
	return f.SendOnce(ctx, room, &event.MessageEventContent{MsgType: event.MsgNotice, Body: md}, fmt.Sprintf("md-%d", len(f.posts)), from)
}

func (f *fakeMatrix) take() []sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.posts
	f.posts = nil
	return out
}

type fixture struct {
	db    *database.Database
	clock *manualClock
	mx    *fakeMatrix
	s     *Scheduler
}

func newFixture(t *testing.T, dbPath string, start time.Time) *fixture {
	t.Helper()
	db := dbtest.OpenAt(t, dbPath)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clock: &manualClock{now: start}, mx: &fakeMatrix{t: t, txns: map[string]id.EventID{}, events: map[id.EventID]*event.Event{}}}
	f.s = New(testDeps(db, l10n), f.mx, Settings{Clock: f.clock})
	return f
}

// coalition links !es (Madrid) and !en (Santiago).
func (f *fixture) coalition(t *testing.T) {
	ctx := context.Background()
	must(t, f.db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@ana:test", CreatedAt: f.clock.Now()}))
	for room, settings := range map[id.RoomID][2]string{"!es:test": {"es", "Europe/Madrid"}, "!en:test": {"en", "America/Santiago"}} {
		must(t, f.s.authority.AddToCoalition(ctx, room, "c", "@ana:test", f.clock.Now()))
		must(t, f.db.Room.SetLanguage(ctx, room, settings[0], false))
		must(t, f.db.Room.SetTimezone(ctx, room, settings[1]))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func madrid(t *testing.T, s string) time.Time {
	ts, err := time.ParseInLocation("2006-01-02 15:04", s, zone(t, "Europe/Madrid"))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func bodies(posts []sent, room id.RoomID) []string {
	var out []string
	for _, p := range posts {
		if p.room == room {
			out = append(out, p.body)
		}
	}
	return out
}

func TestCheckinPostsRemindsAndSummarises(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-22 12:00"))
	f.coalition(t)
	sc, first, err := f.s.Add(ctx, NewSchedule{Kind: database.KindCheckin, RoomID: "!es:test", By: "@ana:test",
		When: "cada lunes 18:00", Text: "¿Cómo está vuestro grupo?", Rotation: []id.UserID{"@ana:test", "@bob:test"}})
	must(t, err)
	if !first.Equal(madrid(t, "2026-11-23 18:00")) {
		t.Fatalf("first occurrence %v", first)
	}

	f.clock.Set(madrid(t, "2026-11-23 17:59"))
	f.s.RunDue(ctx)
	if p := f.mx.take(); len(p) != 0 {
		t.Fatalf("posted before time: %v", p)
	}
	f.clock.Set(madrid(t, "2026-11-23 18:00"))
	f.s.RunDue(ctx)
	posts := f.mx.take()
	es, en := bodies(posts, "!es:test"), bodies(posts, "!en:test")
	if len(es) != 1 || len(en) != 1 {
		t.Fatalf("prompts: es %q en %q", es, en)
	}
	if !strings.Contains(es[0], "Check-in") || !strings.Contains(en[0], "before 14:00") || !strings.Contains(es[0], "ana") {
		t.Fatalf("prompt texts: %q / %q", es[0], en[0])
	}
	if !strings.Contains(es[0], "antes de las 18:00") {
		t.Fatalf("Madrid room not told its local deadline: %q", es[0])
	}
	// The Spanish room reports by replying to its prompt.
	esPrompt := posts[0].id
	if posts[0].room != "!es:test" {
		esPrompt = posts[1].id
	}
	report := &event.Event{ID: "$r1", RoomID: "!es:test", Sender: "@ana:test", Type: event.EventMessage,
		Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "Todo bien, necesitamos agua",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: esPrompt}}}}}
	f.mx.events["$r1"] = report
	if ok, err := f.s.OnMessage(ctx, report); !ok || err != nil {
		t.Fatalf("reply not counted as report: %v %v", ok, err)
	}

	f.clock.Set(madrid(t, "2026-11-24 06:00"))
	f.s.RunDue(ctx)
	posts = f.mx.take()
	if len(bodies(posts, "!es:test")) != 0 || len(bodies(posts, "!en:test")) != 1 {
		t.Fatalf("halfway reminders: %v", posts)
	}
	// The English room answers the reminder, but its message cannot be
	// read back (say its keys never arrived): it still counts, with a link.
	unreadable := &event.Event{ID: "$r2", RoomID: "!en:test", Sender: "@eve:test", Type: event.EventMessage,
		Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: "All fine",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: posts[0].id}}}}}
	if ok, err := f.s.OnMessage(ctx, unreadable); !ok || err != nil {
		t.Fatalf("reply to the reminder not counted as report: %v %v", ok, err)
	}
	f.clock.Set(madrid(t, "2026-11-24 18:00"))
	f.s.RunDue(ctx)
	posts = f.mx.take()
	summary := bodies(posts, "!es:test")
	if len(summary) != 1 || !strings.Contains(summary[0], "informaron 2 de 2 salas") || !strings.Contains(summary[0], "necesitamos agua") ||
		!strings.Contains(summary[0], "**es**, ana") || !strings.Contains(summary[0], "**en**, eve: informó, pero no pude leer el mensaje") ||
		!strings.Contains(summary[0], "https://matrix.to/#/!en:test/$r2") || strings.Contains(summary[0], "Sin informar") {
		t.Fatalf("summary: %q", summary)
	}
	// The next occurrence names the next facilitator.
	f.clock.Set(madrid(t, "2026-11-30 18:00"))
	f.s.RunDue(ctx)
	if next := bodies(f.mx.take(), "!es:test"); len(next) != 1 || !strings.Contains(next[0], "bob") {
		t.Fatalf("second occurrence: %q", next)
	}
	got, _ := f.db.Schedule.Get(ctx, sc.ID)
	if got.Occurrences != 2 {
		t.Fatalf("occurrences = %d", got.Occurrences)
	}
}

// Stopped across an occurrence still inside its window: it fires once,
// marked late. Stopped past the window: skipped, and never fired twice.
func TestCatchUpAfterDowntime(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	f := newFixture(t, path, madrid(t, "2026-11-22 12:00"))
	f.coalition(t)
	_, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindCheckin, RoomID: "!es:test", By: "@ana:test",
		When: "every day 18:00", Text: "Report", Window: 2 * time.Hour})
	must(t, err)

	// The bot is down at 18:00 and starts again at 19:00: inside the window.
	f2 := newFixture(t, path, madrid(t, "2026-11-22 19:00"))
	must(t, f2.s.Load(ctx))
	f2.s.RunDue(ctx)
	posts := f2.mx.take()
	if es := bodies(posts, "!es:test"); len(es) != 1 || !strings.Contains(es[0], "Publicado con retraso") {
		t.Fatalf("late occurrence: %q", es)
	}
	// A second start at the same time fires nothing again.
	f3 := newFixture(t, path, madrid(t, "2026-11-22 19:05"))
	must(t, f3.s.Load(ctx))
	f3.s.RunDue(ctx)
	if p := f3.mx.take(); len(p) != 0 {
		t.Fatalf("fired again after restart: %v", p)
	}
	// Down from before 18:00 the next day until 21:00: the window (2 h) passed.
	f4 := newFixture(t, path, madrid(t, "2026-11-23 21:00"))
	must(t, f4.s.Load(ctx))
	f4.s.RunDue(ctx)
	for _, p := range f4.mx.take() {
		if strings.Contains(p.body, "Check-in:") {
			t.Fatalf("an occurrence past its window fired: %q", p.body)
		}
	}
}

func TestVigilAnnouncedAndReminded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-12-01 12:00"))
	f.coalition(t)
	must(t, f.db.Person.SetTimezone(ctx, "@bob:test", "Asia/Manila"))
	_, first, err := f.s.Add(ctx, NewSchedule{Kind: database.KindVigil, RoomID: "!en:test", By: "@ana:test",
		When: "2026-12-10 19:00", Text: "Vigil for the detained"})
	must(t, err)
	posts := f.mx.take()
	announce := bodies(posts, "!es:test")
	if len(announce) != 1 || !strings.Contains(announce[0], "19:00 Santiago · 23:00 Madrid · 06:00 (+1) Manila") {
		t.Fatalf("announcement: %q (first %v)", announce, first)
	}
	// Reacting to the announcement is an RSVP, counted once per person.
	esPost := posts[slices.IndexFunc(posts, func(p sent) bool { return p.room == "!es:test" })].id
	for _, r := range []struct{ sender, id string }{{"@ana:test", "$rx1"}, {"@bob:test", "$rx2"}, {"@ana:test", "$rx3"}} {
		rsvp := &event.Event{ID: id.EventID(r.id), RoomID: "!es:test", Sender: id.UserID(r.sender), Type: event.EventReaction,
			Content: event.Content{Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: esPost, Key: "👍"}}}}
		if ok, err := f.s.OnReaction(ctx, rsvp); !ok || err != nil {
			t.Fatalf("reaction not counted: %v %v", ok, err)
		}
	}
	// A reaction naming another room's post counts for nothing.
	spoof := &event.Event{ID: "$rx4", RoomID: "!en:test", Sender: "@eve:test", Type: event.EventReaction,
		Content: event.Content{Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: esPost, Key: "👍"}}}}
	if ok, err := f.s.OnReaction(ctx, spoof); ok || err != nil {
		t.Fatalf("a reaction from another room was counted: %v %v", ok, err)
	}
	infos, err := f.s.Visible(ctx, "!es:test")
	must(t, err)
	if len(infos) != 1 || infos[0].RSVPs != 2 {
		t.Fatalf("RSVPs = %+v, want 2", infos)
	}
	// Removing the reaction withdraws the RSVP.
	must(t, f.s.OnRedaction(ctx, &event.Event{Type: event.EventRedaction, Redacts: "$rx2"}))
	if infos, _ = f.s.Visible(ctx, "!es:test"); infos[0].RSVPs != 1 {
		t.Fatalf("RSVPs after withdrawal = %d, want 1", infos[0].RSVPs)
	}
	for _, step := range []struct {
		at, want string
	}{
		{"2026-12-09 23:00", "Tomorrow"},
		{"2026-12-10 22:00", "In one hour"},
		{"2026-12-10 23:00", "starts now"},
	} {
		f.clock.Set(madrid(t, step.at))
		f.s.RunDue(ctx)
		got := bodies(f.mx.take(), "!en:test")
		if len(got) != 1 || !strings.Contains(got[0], step.want) {
			t.Fatalf("at %s: %q, want %q", step.at, got, step.want)
		}
	}
	f.clock.Set(madrid(t, "2026-12-20 12:00"))
	f.s.RunDue(ctx)
	if p := f.mx.take(); len(p) != 0 {
		t.Fatalf("a one-off vigil fired again: %v", p)
	}
}

// Vigil notices missed while the bot was down: the start notice inside the
// hour comes once, marked late, the overtaken reminder is dropped, and past
// the hour nothing comes.
func TestVigilCatchUp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	f := newFixture(t, path, madrid(t, "2026-12-01 12:00"))
	f.coalition(t)
	for _, when := range []string{"2026-12-10 19:00", "2026-12-11 18:00"} {
		_, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindVigil, RoomID: "!en:test", By: "@ana:test", When: when, Text: "Vigil"})
		must(t, err)
	}
	f.mx.take()                                // the announcements
	f.clock.Set(madrid(t, "2026-12-10 22:00")) // the first's 1-hour, the second's 24-hour reminder
	f.s.RunDue(ctx)
	if sent := bodies(f.mx.take(), "!en:test"); len(sent) != 2 {
		t.Fatalf("reminders at 22:00: %q", sent)
	}

	// Down from 22:00 until 23:30 (the first vigil began at 23:00 Madrid).
	f2 := newFixture(t, path, madrid(t, "2026-12-10 23:30"))
	must(t, f2.s.Load(ctx))
	f2.s.RunDue(ctx)
	got := bodies(f2.mx.take(), "!en:test")
	if len(got) != 1 || !strings.Contains(got[0], "starts now") || !strings.Contains(got[0], "Posted late: it was due at 19:00") {
		t.Fatalf("after a short downtime: %q, want one start notice marked late", got)
	}
	f2.s.RunDue(ctx)
	if again := f2.mx.take(); len(again) != 0 {
		t.Fatalf("the late notice came again: %v", again)
	}

	// Down from then until two hours after the second vigil began.
	f3 := newFixture(t, path, madrid(t, "2026-12-12 00:00"))
	must(t, f3.s.Load(ctx))
	f3.s.RunDue(ctx)
	if late := f3.mx.take(); len(late) != 0 {
		t.Fatalf("notices more than an hour late were sent: %v", late)
	}
}

// A vigil whose announcement cannot reach one room is still kept and
// reminded everywhere once that room works again.
func TestVigilKeptWhenAnnouncementFails(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-12-01 12:00"))
	f.coalition(t)
	f.mx.down = map[id.RoomID]bool{"!es:test": true}
	sc, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindVigil, RoomID: "!en:test", By: "@ana:test", When: "2026-12-10 19:00", Text: "Vigil"})
	if err != nil || sc == nil {
		t.Fatalf("vigil not kept: %v", err)
	}
	f.mx.take()
	delete(f.mx.down, "!es:test")
	f.clock.Set(madrid(t, "2026-12-09 23:00"))
	f.s.RunDue(ctx)
	posts := f.mx.take()
	if es, en := bodies(posts, "!es:test"), bodies(posts, "!en:test"); len(es) != 1 || len(en) != 1 || !strings.Contains(es[0], "Mañana") {
		t.Fatalf("24-hour reminders: es %q en %q", es, en)
	}
}

// testDeps are a scheduler's dependencies on db, with English and UTC as
// the defaults and no translation engine.
func testDeps(db *database.Database, l10n *translations.Localizer) service.Deps {
	return service.Deps{DB: db, Rooms: rooms.New(db, roomState{}, rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"}), L10n: l10n, Log: zerolog.Nop()}
}

// roomState is the room authority's view: every room encrypted, with the bot.
type roomState struct{}

func (roomState) BotUserID() id.UserID                                 { return "@bot:test" }
func (roomState) IsEncrypted(context.Context, id.RoomID) (bool, error) { return true, nil }
func (roomState) Members(context.Context, id.RoomID) (joined, invited []id.UserID, err error) {
	return []id.UserID{"@bot:test", "@ana:test", "@bob:test"}, nil, nil
}
func (roomState) JoinRule(context.Context, id.RoomID) event.JoinRule  { return "" }
func (roomState) IsJoined(context.Context, id.RoomID, id.UserID) bool { return true }

// A room whose people are all away is not chased by a check-in's reminder.
func TestReminderSkipsARoomWhereEveryoneIsAway(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-22 12:00"))
	f.coalition(t)
	_, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindCheckin, RoomID: "!es:test", By: "@ana:test",
		When: "cada lunes 18:00", Text: "¿Cómo está vuestro grupo?"})
	must(t, err)
	f.clock.Set(madrid(t, "2026-11-23 18:00"))
	f.s.RunDue(ctx)
	f.mx.take()
	// Every room here holds ana and bob (the fake's members).
	must(t, f.db.Person.SetAway(ctx, "@ana:test", "2026-11-23", "2026-11-30"))
	must(t, f.db.Person.SetAway(ctx, "@bob:test", "2026-11-24", "2026-11-24"))
	f.clock.Set(madrid(t, "2026-11-24 06:00"))
	f.s.RunDue(ctx)
	if posts := f.mx.take(); len(bodies(posts, "!es:test"))+len(bodies(posts, "!en:test")) != 0 {
		t.Fatalf("reminders went to rooms where everyone is away: %v", posts)
	}
	// The summary says how many of the coalition's people are away.
	f.clock.Set(madrid(t, "2026-11-24 18:30"))
	f.s.RunDue(ctx)
	summary := strings.Join(bodies(f.mx.take(), "!es:test"), "\n")
	if !strings.Contains(summary, "Ausentes: 2 personas.") {
		t.Fatalf("summary without the count of people away: %q", summary)
	}
}
