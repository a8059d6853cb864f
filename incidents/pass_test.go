package incidents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	"starling/translations"
)

// fakeMatrix stands in for the homeserver: rooms are encrypted unless
// listed as plain, and sends to a room in `broken` fail.
type fakeMatrix struct {
	mu     sync.Mutex
	plain  map[id.RoomID]bool
	broken map[id.RoomID]bool
	posts  map[id.RoomID][]string
	// levels are power levels (100 for anyone not listed); joined rooms
	// beyond the member room hold everyone.
	levels map[id.UserID]int
	joined map[id.RoomID]bool
	// members are every room's joined members.
	members []id.UserID
}

func (f *fakeMatrix) BotUserID() id.UserID { return "@bot:x" }
func (f *fakeMatrix) SendOnce(_ context.Context, room id.RoomID, content *event.MessageEventContent, txn string, _ rooms.Origin) (id.EventID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken[room] {
		return "", errors.New("M_FORBIDDEN: the bot is not in the room")
	}
	f.posts[room] = append(f.posts[room], content.Body)
	return id.EventID(fmt.Sprintf("$%s-%d", txn, len(f.posts[room]))), nil
}
func (f *fakeMatrix) SendToPerson(ctx context.Context, _ id.UserID, room id.RoomID, markdown string) (id.RoomID, error) {
	_, err := f.SendMarkdown(ctx, room, markdown, rooms.Private)
	return room, err
}
func (f *fakeMatrix) RoomName(_ context.Context, room id.RoomID) string { return string(room) }
func (f *fakeMatrix) PowerLevel(_ context.Context, _ id.RoomID, u id.UserID) (int, error) {
	if l, ok := f.levels[u]; ok {
		return l, nil
	}
	return 100, nil
}
func (f *fakeMatrix) DirectChat(context.Context, id.RoomID) (id.UserID, error) { return "", nil }
func (f *fakeMatrix) SendMarkdown(ctx context.Context, room id.RoomID, markdown string, _ rooms.Origin) (id.EventID, error) {
	return f.SendOnce(ctx, room, &event.MessageEventContent{Body: markdown}, "md", rooms.Private)
}
func (f *fakeMatrix) JoinedMembers(context.Context, id.RoomID) ([]id.UserID, error) {
	return f.members, nil
}
func (f *fakeMatrix) DisplayName(_ context.Context, _ id.RoomID, u id.UserID) string {
	return u.Localpart()
}
func (f *fakeMatrix) IsJoined(_ context.Context, room id.RoomID, user id.UserID) bool {
	return room == "!member:x" || f.joined[room] // every reporter is in the coalition's member room
}
func (f *fakeMatrix) Members(context.Context, id.RoomID) ([]id.UserID, []id.UserID, error) {
	return nil, nil, nil
}
func (f *fakeMatrix) JoinRule(context.Context, id.RoomID) event.JoinRule { return "" }
func (f *fakeMatrix) IsEncrypted(_ context.Context, room id.RoomID) (bool, error) {
	return !f.plain[room], nil
}

func (f *fakeMatrix) count(room id.RoomID) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts[room])
}

func TestPassDeliversWhatItCanAndKeepsTheRest(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	mx := &fakeMatrix{plain: map[id.RoomID]bool{"!plain:x": true}, broken: map[id.RoomID]bool{"!gone:x": true}, posts: map[id.RoomID][]string{}}
	s := passService(db, mx, l10n, &now)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	report := func(room id.RoomID) *database.Incident {
		inc := &database.Incident{ResponderRoom: room, Reporter: "@rep:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "high",
			Answers: map[string]database.StoredAnswer{"what": {Value: "x", Shown: "detenidas"}}, State: database.IncidentOpen, CreatedAt: now}
		must(db.Incident.Insert(ctx, inc))
		return inc
	}
	gone, plain, waiting, fine := report("!gone:x"), report("!plain:x"), report(""), report("!resp:x")

	must(s.Pass(ctx))
	if mx.count("!resp:x") != 1 {
		t.Fatalf("the report for a working room was held up by one for a broken room: %v", mx.posts)
	}
	if mx.count("!plain:x") != 0 {
		t.Fatal("a report was posted in an unencrypted room")
	}
	for _, inc := range []*database.Incident{gone, plain, waiting} {
		if got, _ := db.Incident.Get(ctx, inc.ID); got.RelayedEvent != "" {
			t.Fatalf("report %d marked relayed", inc.ID)
		}
	}
	if got, _ := db.Incident.Get(ctx, fine.ID); got.RelayedEvent == "" {
		t.Fatal("the delivered report is not marked relayed")
	}
	if mx.count("!dm:x") != 0 {
		t.Fatal("the reporter was warned of a delay before any delay")
	}

	// A responder room set later takes the report that was waiting; an
	// unencrypted room is refused as responder room.
	must(db.Coalition.Insert(ctx, &database.Coalition{ID: "c1", Name: "Red", CreatedBy: "@mod:x", CreatedAt: now}))
	for _, room := range []id.RoomID{"!member:x", "!later:x", "!plain2:x"} {
		must(s.rooms.AddToCoalition(ctx, room, "c1", "@mod:x", now))
	}
	mx.plain["!plain2:x"] = true
	if err = s.SetResponderRoom(ctx, "!plain2:x", "@mod:x"); !errors.Is(err, ErrNotEncrypted) {
		t.Fatalf("unencrypted responder room: %v, want ErrNotEncrypted", err)
	}
	// A coalition report stuck on a room that cannot take it moves too.
	stale := &database.Incident{CoalitionID: "c1", ResponderRoom: "!plain2:x", Reporter: "@other:x", ReporterRoom: "!dm2:x", ReporterLang: "en",
		Severity: "low", Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: now}
	must(db.Incident.Insert(ctx, stale))
	must(s.SetResponderRoom(ctx, "!later:x", "@mod:x"))
	now = now.Add(20 * time.Minute) // past every back-off, and past the first escalation step of "high"
	must(s.Pass(ctx))
	if mx.count("!later:x") != 2 {
		t.Fatalf("the waiting and the stale report did not both reach the new responder room (and only they): %q", mx.posts["!later:x"])
	}
	got, _ := db.Incident.Get(ctx, waiting.ID)
	if got.ResponderRoom != "!later:x" || got.CoalitionID != "c1" || !got.NextEscalation.After(now) {
		t.Fatalf("waiting report assigned to %q in %q, escalation at %v (now %v)", got.ResponderRoom, got.CoalitionID, got.NextEscalation, now)
	}

	// By now the reports for the broken and the unencrypted room are
	// minutes late: the reporter is told once for each, in Spanish.
	now = now.Add(10 * time.Minute)
	must(s.Pass(ctx))
	now = now.Add(10 * time.Minute)
	must(s.Pass(ctx))
	dm := mx.posts["!dm:x"]
	if len(dm) != 2 || !strings.Contains(dm[0], "todavía no he podido") || !strings.Contains(dm[0], ShortID(gone.ID)) || !strings.Contains(dm[1], ShortID(plain.ID)) {
		t.Fatalf("reporter told %q; want one delay notice for %s and one for %s", dm, ShortID(gone.ID), ShortID(plain.ID))
	}
	// After a restart (a fresh service on the same database) they are not
	// told again.
	restarted := &Service{db: db, mx: mx, rooms: s.rooms, l10n: l10n, settings: s.settings, log: zerolog.Nop(),
		now: s.now, wake: make(chan struct{}, 1), retryAt: map[int64]retry{}, warned: map[int64]bool{}}
	must(restarted.Pass(ctx))
	if n := mx.count("!dm:x"); n != 2 {
		t.Fatalf("after a restart the reporter has %d delay notices, want still 2", n)
	}

	// The broken room recovers: its report goes, once.
	delete(mx.broken, "!gone:x")
	now = now.Add(10 * time.Minute)
	must(s.Pass(ctx))
	must(s.Pass(ctx))
	if mx.count("!gone:x") != 1 {
		t.Fatalf("the recovered room got %d posts, want 1", mx.count("!gone:x"))
	}

	// What the reporter adds is stored before they are told, and reaches the
	// responders once their room works again.
	mx.broken["!resp:x"] = true
	if added, err := s.FromReporter(ctx, "@rep:x", "!dm:x", "Ya las soltaron"); err != nil || !added {
		t.Fatalf("addition: %v, %v", added, err)
	}
	if mx.count("!dm:x") != 3 {
		t.Fatal("the reporter was not told the addition was taken")
	}
	now = now.Add(10 * time.Minute)
	must(s.Pass(ctx))
	if pending, _ := db.Addition.Pending(ctx); len(pending) != 1 || pending[0].Text != "Ya las soltaron" {
		t.Fatalf("the addition is not kept while the room fails: %+v", pending)
	}
	delete(mx.broken, "!resp:x")
	now = now.Add(10 * time.Minute)
	must(s.Pass(ctx))
	must(s.Pass(ctx))
	posts := mx.posts["!resp:x"]
	if len(posts) != 2 || !strings.Contains(posts[1], "Ya las soltaron") || !strings.Contains(posts[1], ShortID(fine.ID)) {
		t.Fatalf("responder room posts: %q; want the report, then the addition once", posts)
	}
}

// The responder role and the escalation policy belong to the responder
// room: taking the role needs a moderator there, the policy is set there,
// and escalations reach no room they could leak from.
func TestResponderRoomAndPolicyNeedConsent(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	mx := &fakeMatrix{plain: map[id.RoomID]bool{"!plainesc:x": true}, posts: map[id.RoomID][]string{},
		levels: map[id.UserID]int{"@other:x": 0}, joined: map[id.RoomID]bool{"!resp:x": true, "!esc:x": true, "!plainesc:x": true}}
	s := &Service{db: db, mx: mx, rooms: testRooms(db, mx), l10n: l10n, settings: Settings{ModeratorLevel: 50}, log: zerolog.Nop(),
		now: time.Now, wake: make(chan struct{}, 1), retryAt: map[int64]retry{}, warned: map[int64]bool{}}
	if err = db.Coalition.Insert(ctx, &database.Coalition{ID: "c1", Name: "Red", CreatedBy: "@mod:x", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []id.RoomID{"!resp:x", "!member:x"} {
		if err = s.rooms.AddToCoalition(ctx, r, "c1", "@mod:x", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err = s.SetPolicy(ctx, "!member:x", "@mod:x", "high", Step{First: time.Minute, Times: 1}); !errors.Is(err, ErrNotResponderRoom) {
		t.Fatalf("policy set with no responder room: %v", err)
	}
	if err = s.SetResponderRoom(ctx, "!resp:x", "@mod:x"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		do   func() error
		want error
	}{
		{"policy from a member room", func() error {
			_, err := s.SetPolicy(ctx, "!member:x", "@mod:x", "high", Step{First: time.Minute, Times: 1})
			return err
		}, ErrNotResponderRoom},
		{"policy read from a member room", func() error { _, err := s.PolicyOf(ctx, "!member:x"); return err }, ErrNotResponderRoom},
		{"escalations into an unencrypted room", func() error {
			_, err := s.SetPolicy(ctx, "!resp:x", "@mod:x", "high", Step{First: time.Minute, Times: 1, Room: "!plainesc:x"})
			return err
		}, ErrBadEscalationRoom},
		{"escalations into a room the bot is not in", func() error {
			_, err := s.SetPolicy(ctx, "!resp:x", "@mod:x", "high", Step{First: time.Minute, Times: 1, Room: "!elsewhere:x"})
			return err
		}, ErrBadEscalationRoom},
		{"escalations into an encrypted room both are in", func() error {
			_, err := s.SetPolicy(ctx, "!resp:x", "@mod:x", "high", Step{First: time.Minute, Times: 1, Room: "!esc:x"})
			return err
		}, nil},
		{"the role taken by someone who is no moderator there", func() error { return s.SetResponderRoom(ctx, "!member:x", "@other:x") },
			ErrNeedResponderModerator},
		{"the role moved by a moderator of the responder room", func() error { return s.SetResponderRoom(ctx, "!member:x", "@mod:x") }, nil},
		// Others take the responder room out: its moderators still decide.
		{"the role taken after its room was removed", func() error {
			if err := db.Incident.VacateResponderRoom(ctx, "c1", "!member:x"); err != nil {
				return err
			}
			return s.SetResponderRoom(ctx, "!resp:x", "@other:x")
		}, ErrNeedResponderModerator},
		{"the role given on by the removed room's moderator", func() error { return s.SetResponderRoom(ctx, "!resp:x", "@mod:x") }, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); !errors.Is(err, st.want) {
				t.Fatalf("got %v, want %v", err, st.want)
			}
		})
	}
	if room, _, _ := db.Incident.ResponderRoom(ctx, "c1"); room != "!resp:x" {
		t.Fatalf("responder room %s", room)
	}
	if former, _ := db.Incident.FormerResponder(ctx, "c1"); former != "" {
		t.Fatalf("former responder room %s still holds the role's consent", former)
	}
	if n, m := mx.count("!resp:x"), mx.count("!member:x"); n != 1 || m != 1 {
		t.Fatalf("each room that gave the role away was told once: %d, %d", n, m)
	}
}

// testRooms is the room authority over db, English by default.
func testRooms(db *database.Database, mx *fakeMatrix) *rooms.Authority {
	return rooms.New(db, mx, rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"})
}

// A page below critical waits out the quiet hours of everyone it would
// reach, and goes when they end; the hold is stored, so a restart keeps it.
func TestQuietHoursHoldAPageUntilTheyEnd(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC)
	mx := &fakeMatrix{posts: map[id.RoomID][]string{}, members: []id.UserID{"@bot:x", "@ana:x"}}
	s := passService(db, mx, l10n, &now)
	must(db.Person.SetQuiet(ctx, "@ana:x", 22*60, 6*60))
	inc := &database.Incident{ResponderRoom: "!resp:x", Reporter: "@rep:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "medium",
		Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: now.Add(-2 * time.Hour), NextEscalation: now}
	must(db.Incident.Insert(ctx, inc))
	must(db.Incident.SetRelayed(ctx, inc.ID, "$report"))

	must(s.Pass(ctx))
	if n := mx.count("!resp:x"); n != 0 {
		t.Fatalf("%d pages during quiet hours", n)
	}
	held, err := db.Incident.Get(ctx, inc.ID)
	must(err)
	if want := time.Date(2026, 12, 11, 6, 0, 0, 0, time.UTC); !held.NextEscalation.Equal(want) {
		t.Fatalf("the page is held until %s, want the end of the quiet hours %s", held.NextEscalation, want)
	}
	now = time.Date(2026, 12, 11, 6, 0, 0, 0, time.UTC)
	must(s.Pass(ctx))
	if n := mx.count("!resp:x"); n != 1 {
		t.Fatalf("%d pages once the quiet hours ended, want 1", n)
	}
}

// The person on duty in their quiet hours does not stop a page below
// critical: the backup is paged instead, at once.
func TestQuietPersonOnDutyPassesThePageToTheBackup(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC)
	mx := &fakeMatrix{posts: map[id.RoomID][]string{}, members: []id.UserID{"@bot:x", "@ana:x", "@ben:x"}, joined: map[id.RoomID]bool{"!resp:x": true}}
	s := passService(db, mx, l10n, &now)
	must(db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@ana:x", CreatedAt: now}))
	must(db.Incident.SetResponderRoom(ctx, "c", "!resp:x"))
	must(db.Incident.SetPolicy(ctx, "c", `{"medium": {"first": 1000000000, "every": 1000000000, "times": 3}}`))
	must(db.DutyRota.Put(ctx, &database.DutyRota{CoalitionID: "c", People: []id.UserID{"@ana:x", "@ben:x"}, Daily: true, Minute: 9 * 60,
		Anchor: "2026-12-10", CreatedBy: "@ana:x", CreatedAt: now}))
	must(db.Person.SetQuiet(ctx, "@ana:x", 22*60, 6*60))
	inc := &database.Incident{CoalitionID: "c", ResponderRoom: "!resp:x", Reporter: "@rep:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "medium",
		Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: now.Add(-time.Hour), NextEscalation: now}
	must(db.Incident.Insert(ctx, inc))
	must(db.Incident.SetRelayed(ctx, inc.ID, "$report"))

	must(s.Pass(ctx))
	posts := mx.posts["!resp:x"]
	if len(posts) != 1 || !strings.Contains(posts[0], "@ben:x") || strings.Contains(posts[0], "@ana:x") {
		t.Fatalf("pages %q; want one to the backup, ben, while ana on duty is quiet", posts)
	}
}

// passService is a service over a real database and the fake homeserver,
// whose clock is *now.
func passService(db *database.Database, mx *fakeMatrix, l10n *translations.Localizer, now *time.Time) *Service {
	return &Service{db: db, mx: mx, rooms: testRooms(db, mx), l10n: l10n, log: zerolog.Nop(),
		now: func() time.Time { return *now }, wake: make(chan struct{}, 1), retryAt: map[int64]retry{}, warned: map[int64]bool{}}
}

// A page due while the bot could not send goes out once when it can,
// marked late with the time it was due, in the responder room's zone.
func TestPageDueDuringAnOutageGoesOnceMarkedLate(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	due := time.Date(2026, 12, 10, 22, 15, 0, 0, time.UTC)
	now := due.Add(40 * time.Minute)
	mx := &fakeMatrix{posts: map[id.RoomID][]string{}, members: []id.UserID{"@bot:x", "@ana:x"}}
	s := passService(db, mx, l10n, &now)
	must(db.Room.SetTimezone(ctx, "!resp:x", "America/Santiago"))
	inc := &database.Incident{ResponderRoom: "!resp:x", Reporter: "@rep:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "critical",
		Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: due.Add(-5 * time.Minute), NextEscalation: due}
	must(db.Incident.Insert(ctx, inc))
	must(db.Incident.SetRelayed(ctx, inc.ID, "$report"))

	must(s.Pass(ctx))
	must(s.Pass(ctx))
	pages := mx.posts["!resp:x"]
	if len(pages) != 1 || !strings.Contains(pages[0], "Sent late: it was due at Thu 2026-12-10 19:15 (America/Santiago)") {
		t.Fatalf("pages after the outage: %q; want one, marked late", pages)
	}
	now = now.Add(15 * time.Minute) // the next step, on time
	must(s.Pass(ctx))
	if pages = mx.posts["!resp:x"]; len(pages) != 2 || strings.Contains(pages[1], "late") {
		t.Fatalf("the next page, on time: %q", pages)
	}
}

// The policy's pages decide whom each escalation pages while there is a
// rota; the last one still pages the whole room.
func TestPolicyPagesChooseWhomEachStepPages(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC)
	mx := &fakeMatrix{posts: map[id.RoomID][]string{}, members: []id.UserID{"@bot:x", "@ana:x", "@ben:x", "@cai:x"}, joined: map[id.RoomID]bool{"!resp:x": true}}
	s := passService(db, mx, l10n, &now)
	must(db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@ana:x", CreatedAt: now}))
	must(db.Incident.SetResponderRoom(ctx, "c", "!resp:x"))
	step, err := ParseStep(strings.Fields("1s every 1s x3 pages backup,duty"))
	must(err)
	raw, err := json.Marshal(Policy{"high": step})
	must(err)
	must(db.Incident.SetPolicy(ctx, "c", string(raw)))
	must(db.DutyRota.Put(ctx, &database.DutyRota{CoalitionID: "c", People: []id.UserID{"@ana:x", "@ben:x", "@cai:x"}, Daily: true, Minute: 9 * 60,
		Anchor: "2026-12-10", CreatedBy: "@ana:x", CreatedAt: now}))
	inc := &database.Incident{CoalitionID: "c", ResponderRoom: "!resp:x", Reporter: "@rep:x", ReporterRoom: "!dm:x", ReporterLang: "es", Severity: "high",
		Answers: map[string]database.StoredAnswer{}, State: database.IncidentOpen, CreatedAt: now, NextEscalation: now}
	must(db.Incident.Insert(ctx, inc))
	must(db.Incident.SetRelayed(ctx, inc.ID, "$report"))

	want := [][]string{{"@ana:x", "@ben:x"}, {"@ana:x"}, {"@ana:x", "@ben:x", "@cai:x"}}
	for i, people := range want {
		must(s.Pass(ctx))
		posts := mx.posts["!resp:x"]
		if len(posts) != i+1 {
			t.Fatalf("after step %d: pages %q", i+1, posts)
		}
		for _, u := range []string{"@ana:x", "@ben:x", "@cai:x"} {
			if strings.Contains(posts[i], u) != slices.Contains(people, u) {
				t.Fatalf("step %d pages %q; want %v", i+1, posts[i], people)
			}
		}
		now = now.Add(time.Second)
	}
}
