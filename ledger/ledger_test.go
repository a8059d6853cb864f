package ledger

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/internal/dbtest"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

type fakeMatrix struct {
	mu    sync.Mutex
	files map[id.RoomID][]string
	// plain rooms are not encrypted.
	plain map[id.RoomID]bool
}

func (f *fakeMatrix) RoomName(_ context.Context, r id.RoomID) string {
	return strings.TrimPrefix(strings.Split(string(r), ":")[0], "!")
}
func (f *fakeMatrix) SendToPerson(context.Context, id.UserID, id.RoomID, string) (id.RoomID, error) {
	return "!dm:test", nil
}
func (f *fakeMatrix) SendFile(_ context.Context, room id.RoomID, _ id.EventID, data []byte, name, _ string, _ rooms.Origin) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.files == nil {
		f.files = map[id.RoomID][]string{}
	}
	f.files[room] = append(f.files[room], name)
	return nil
}
func (f *fakeMatrix) OpenDM(context.Context, id.UserID) (id.RoomID, error) { return "!dm:test", nil }
func (f *fakeMatrix) SendMarkdown(context.Context, id.RoomID, string, rooms.Origin) (id.EventID, error) {
	return "$x", nil
}
func (f *fakeMatrix) SendOnce(context.Context, id.RoomID, *event.MessageEventContent, string, rooms.Origin) (id.EventID, error) {
	return "$x", nil
}
func (f *fakeMatrix) IsJoined(context.Context, id.RoomID, id.UserID) bool { return true }
func (f *fakeMatrix) BotUserID() id.UserID                                { return "@bot:test" }
func (f *fakeMatrix) IsEncrypted(_ context.Context, r id.RoomID) (bool, error) {
	return !f.plain[r], nil
}
func (f *fakeMatrix) Members(context.Context, id.RoomID) (joined, invited []id.UserID, err error) {
	return nil, nil, nil
}
func (f *fakeMatrix) JoinRule(context.Context, id.RoomID) event.JoinRule { return "" }

// newService is a ledger over a fresh database with one coalition of three
// rooms (es, en, fr) and a clock set to 2026-11-15 12:00 UTC.
func newService(t *testing.T) (*Service, *database.Database) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 15, 12, 0, 0, 0, time.UTC)
	mx := &fakeMatrix{}
	deps := service.Deps{DB: db, Rooms: rooms.New(db, mx, rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"}),
		Translator: translate.NewTranslator(nil), L10n: l10n, Log: zerolog.Nop(), Now: func() time.Time { return now }}
	templates, err := forms.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(deps, mx, forms.NewEngine(deps, mx, templates), Settings{})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@mod:test", CreatedAt: now}))
	for i, r := range []id.RoomID{"!es:test", "!en:test", "!fr:test"} {
		must(db.CoalitionRoom.Insert(ctx, &database.CoalitionRoom{RoomID: r, CoalitionID: "c", AddedAt: now.Add(time.Duration(i) * time.Second)}))
	}
	must(db.Room.SetLanguage(ctx, "!es:test", "es", false))
	return s, db
}

func record(t *testing.T, s *Service, room id.RoomID, by id.UserID, typed string, to id.RoomID) *database.LedgerEntry {
	t.Helper()
	d, err := ParseDraft(typed, "en")
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.Add(context.Background(), Record{Room: room, Author: by, Draft: d, To: to, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestTotalsPerRoomKindAndCurrency(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	record(t, s, "!es:test", "@ana:test", "6h translation for en: subtitles", "!en:test")
	record(t, s, "!es:test", "@ana:test", "1,5h translation for en: more", "!en:test")
	record(t, s, "!es:test", "@ana:test", "50 EUR funds for fr: bail", "!fr:test")
	record(t, s, "!es:test", "@ana:test", "20 USD funds for fr: phone credit", "!fr:test")
	record(t, s, "!en:test", "@ben:test", "hosting for coalition: the assembly", "")
	p := QuarterOf(s.now(), time.UTC)
	entries, _, err := s.Entries(ctx, "!es:test", p)
	if err != nil {
		t.Fatal(err)
	}
	tallies, toAll := Totals(entries, []id.RoomID{"!es:test", "!en:test", "!fr:test"})
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"es gave four", tallies[0].Given.Count, 4},
		{"es's translation hours are summed", tallies[0].Given.Kinds[KindTranslation].Sums[UnitHours], int64(750)},
		{"euros stay euros", tallies[0].Given.Kinds[KindFunds].Sums["EUR"], int64(5000)},
		{"dollars stay dollars", tallies[0].Given.Kinds[KindFunds].Sums["USD"], int64(2000)},
		{"en received two", tallies[1].Receive.Count, 2},
		{"fr received funds twice", tallies[2].Receive.Kinds[KindFunds].Count, 2},
		{"en gave to the coalition", tallies[1].Given.Count, 1},
		{"the coalition received one", toAll.Count, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	summary, _, err := s.Summary(ctx, "!fr:test", "es", p, "!ledger add")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2026-Q4", "fondos 2 (50 EUR, 20 USD)", "traducción 2 (7,5 h)", "toda la coalición", "alojamiento 1"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the Spanish summary lacks %q:\n%s", want, summary)
		}
	}
}

// Entries belong to the room that gave: its author edits or withdraws, a
// moderator of that room corrects, there; each change keeps what was
// before in the audit trail; two changes decided on one reading cannot
// both land.
func TestChangesKeepAnAuditAndBelongToTheGivingRoom(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	e := record(t, s, "!es:test", "@ana:test", "6h translation for en: subtitles", "!en:test")
	draft := func(typed string) Draft {
		d, err := ParseDraft(typed, "en")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	steps := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"someone else cannot edit it", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!es:test", Author: "@eve:test", Draft: draft("1h translation for en: x"), To: "!en:test"}, false)
			return err
		}, ErrNotAuthor},
		{"its author edits it", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!es:test", Author: "@ana:test", Draft: draft("8h translation for en: two videos"), To: "!en:test"}, false)
			return err
		}, nil},
		{"a moderator of another room cannot correct it", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!fr:test", Author: "@mod:test", Draft: draft("1h translation for en: x"), To: "!en:test"}, true)
			return err
		}, ErrNotGiverRoom},
		{"a moderator of the giving room corrects it", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!es:test", Author: "@mod:test", Draft: draft("7h translation for en: two videos"), To: "!en:test"}, true)
			return err
		}, nil},
		{"it cannot be given to its own room", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!es:test", Author: "@ana:test", Draft: draft("7h translation for es: x"), To: "!es:test"}, false)
			return err
		}, ErrToSelf},
		{"another coalition cannot see it", func() error {
			_, err := s.Withdraw(ctx, "!elsewhere:test", "@ana:test", e.ID, true)
			return err
		}, ErrNotLinked},
		{"a moderator of another room cannot withdraw it", func() error {
			_, err := s.Withdraw(ctx, "!en:test", "@eve:test", e.ID, true)
			return err
		}, ErrNotGiverRoom},
		{"someone else cannot withdraw it", func() error {
			_, err := s.Withdraw(ctx, "!es:test", "@eve:test", e.ID, false)
			return err
		}, ErrNotAuthor},
		{"its author edits it only where it was given", func() error {
			_, err := s.Change(ctx, e.ID, Record{Room: "!en:test", Author: "@ana:test", Draft: draft("9h translation for fr: x"), To: "!fr:test"}, false)
			return err
		}, ErrNotGiverRoom},
		{"its author withdraws it", func() error {
			_, err := s.Withdraw(ctx, "!es:test", "@ana:test", e.ID, false)
			return err
		}, nil},
		{"a withdrawn entry is gone", func() error {
			_, err := s.Withdraw(ctx, "!es:test", "@ana:test", e.ID, false)
			return err
		}, ErrNoSuchEntry},
	}
	for _, st := range steps {
		if err := st.run(); !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: %v, want %v", st.name, err, st.wantErr)
		}
	}
	trail, err := db.LedgerAudit.List(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range trail {
		actions = append(actions, string(a.Actor)+" "+a.Action)
	}
	if got := strings.Join(actions, ", "); got != "@ana:test added, @ana:test edited, @mod:test corrected, @ana:test withdrawn" {
		t.Fatalf("audit trail: %s", got)
	}
	if trail[1].Before == nil || trail[1].Before.Hundredths != 600 || trail[2].Before.Hundredths != 800 || trail[3].Before.Hundredths != 700 {
		t.Fatalf("the audit does not keep what each change replaced: %+v %+v %+v", trail[1].Before, trail[2].Before, trail[3].Before)
	}

	// Two edits decided on the same reading: the second is refused.
	f := record(t, s, "!es:test", "@ana:test", "2h time for en: setup", "!en:test")
	stale := *f
	if _, err = s.Change(ctx, f.ID, Record{Room: "!es:test", Author: "@ana:test", Draft: draft("3h time for en: setup"), To: "!en:test"}, false); err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return time.Date(2026, 11, 15, 12, 0, 1, 0, time.UTC) }
	changed := stale
	changed.Hundredths = 900
	if ok, err := db.Ledger.Update(ctx, &stale, &changed, "@ana:test", database.LedgerEdited, s.now()); err != nil || ok {
		t.Fatalf("an edit based on a reading that changed since landed: %v %v", ok, err)
	}
}

// The chart's bars stand in proportion to the counts, room by room.
func TestChartBarsMatchTheCounts(t *testing.T) {
	given, received := []int{4, 1, 0}, []int{0, 2, 3}
	data, err := DrawChart(given, received)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	g := ChartGeometry(3)
	if b := img.Bounds(); b.Dx() != g.Width || b.Dy() != g.Height {
		t.Fatalf("chart is %v, want %dx%d", b, g.Width, g.Height)
	}
	for i := range given {
		for _, side := range []struct {
			recv  bool
			count int
		}{{false, given[i]}, {true, received[i]}} {
			if got, want := MeasureBar(img, g, i, side.recv), BarHeight(side.count, 4); got != want {
				t.Errorf("room %d (received %v): bar %d px high, want %d", i+1, side.recv, got, want)
			}
		}
	}
}

func TestPeriods(t *testing.T) {
	madrid, _ := time.LoadLocation("Europe/Madrid")
	now := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC) // 00:30 on 1 January in Madrid
	tests := []struct {
		name, typed string
		want        string
		ok          bool
	}{
		{"this quarter where the room is", "", "2027-Q1", true},
		{"year and quarter", "2026-Q3", "2026-Q3", true},
		{"no dash", "2026q2", "2026-Q2", true},
		{"trimestre", "T4-2025", "2025-Q4", true},
		{"quarter alone, this year", "Q2", "2027-Q2", true},
		{"no fifth quarter", "2026-Q5", "", false},
		{"nonsense", "yesterday", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Period
			ok := true
			if tt.typed == "" {
				p = QuarterOf(now, madrid)
			} else {
				p, ok = ParsePeriod(tt.typed, now, madrid)
			}
			if ok != tt.ok || ok && p.String() != tt.want {
				t.Fatalf("%q: %v %v, want %s %v", tt.typed, p, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseDraft(t *testing.T) {
	tests := []struct {
		name, typed, lang string
		want              Draft
		err               DraftErrorKind
		isErr             bool
	}{
		{name: "English", typed: "6h translation for Sala EN: subtitled the video", lang: "en",
			want: Draft{Amount: Amount{600, UnitHours}, Kind: KindTranslation, To: "Sala EN", Note: "subtitled the video"}},
		{name: "Spanish", typed: "50 € fondos para Sala FR: fianza", lang: "es",
			want: Draft{Amount: Amount{5000, "EUR"}, Kind: KindFunds, To: "Sala FR", Note: "fianza"}},
		{name: "French, to the coalition", typed: "hébergement pour la coalition : l’assemblée", lang: "fr",
			want: Draft{Kind: KindHosting, Note: "l’assemblée"}},
		{name: "German, two-word kind", typed: "3 Stunden Rechtshilfe für Sala ES", lang: "de",
			want: Draft{Amount: Amount{300, UnitHours}, Kind: KindLegal, To: "Sala ES"}},
		{name: "English two-word kind", typed: "emotional labour to Sala AR: listening", lang: "en",
			want: Draft{Kind: KindCare, To: "Sala AR", Note: "listening"}},
		{name: "Arabic", typed: "٦ ساعات ترجمة الى Sala ES: ترجمة الفيديو", lang: "ar",
			want: Draft{Amount: Amount{600, UnitHours}, Kind: KindTranslation, To: "Sala ES", Note: "ترجمة الفيديو"}},
		{name: "unknown kind", typed: "6h knitting for Sala EN", lang: "en", isErr: true, err: DraftNoKind},
		{name: "no receiver", typed: "6h translation: x", lang: "en", isErr: true, err: DraftNoReceiver},
		{name: "currency unknown", typed: "$20 funds for Sala EN", lang: "en", isErr: true, err: DraftBadAmount},
		{name: "note too long", typed: "funds for Sala EN: " + strings.Repeat("a", 501), lang: "en", isErr: true, err: DraftNoteTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDraft(tt.typed, tt.lang)
			if tt.isErr {
				var de *DraftError
				if !errors.As(err, &de) || de.Kind != tt.err {
					t.Fatalf("ParseDraft(%q) = %+v, %v; want error %d", tt.typed, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDraft(%q) = %+v, %v; want %+v", tt.typed, got, err, tt.want)
			}
		})
	}
}

// The responder room keeps no ledger and is no receiver; a room in the
// clear sees no entry written in an encrypted event.
func TestWhereTheLedgerIsNot(t *testing.T) {
	s, db := newService(t)
	ctx := context.Background()
	record(t, s, "!es:test", "@ana:test", "6h translation for en: subtitles", "!en:test")
	if err := db.Incident.SetResponderRoom(ctx, "c", "!fr:test"); err != nil {
		t.Fatal(err)
	}
	d, _ := ParseDraft("2h time for fr: x", "en")
	steps := []struct {
		name string
		err  error
	}{
		{"the responder room records nothing", func() error {
			_, err := s.Add(ctx, Record{Room: "!fr:test", Author: "@r:test", Draft: d, To: "!es:test"})
			return err
		}()},
		{"the responder room reads nothing", func() error {
			_, _, err := s.List(ctx, "!fr:test", "en", QuarterOf(s.now(), time.UTC), "!ledger export")
			return err
		}()},
		{"nothing is given to the responder room", func() error {
			_, err := s.Add(ctx, Record{Room: "!es:test", Author: "@ana:test", Draft: d, To: "!fr:test"})
			return err
		}()},
	}
	for i, want := range []error{ErrResponderRoom, ErrResponderRoom, ErrNoSuchEntry} {
		if !errors.Is(steps[i].err, want) {
			t.Errorf("%s: %v, want %v", steps[i].name, steps[i].err, want)
		}
	}
	summary, _, err := s.Summary(ctx, "!en:test", "en", QuarterOf(s.now(), time.UTC), "!ledger add")
	if err != nil || strings.Contains(summary, "fr") {
		t.Fatalf("the responder room shows in the summary (%v): %s", err, summary)
	}

	// An entry from an encrypted event, and a room in the clear.
	secret := &database.LedgerEntry{CoalitionID: "c", FromRoom: "!es:test", ToRoom: "!en:test", Kind: KindLegal, Note: "abogada de guardia",
		NoteLang: "es", Author: "@ana:test", Encrypted: true, CreatedAt: s.now()}
	if err = db.Ledger.Insert(ctx, secret); err != nil {
		t.Fatal(err)
	}
	s.mx.(*fakeMatrix).plain = map[id.RoomID]bool{"!en:test": true}
	list, origin, err := s.List(ctx, "!en:test", "en", QuarterOf(s.now(), time.UTC), "!ledger export")
	if err != nil || strings.Contains(list, "abogada") || strings.Contains(list, "legal") || origin.Encrypted {
		t.Fatalf("a room in the clear was shown an encrypted entry (%v, %+v): %s", err, origin, list)
	}
	if _, _, err = s.Get(ctx, "!en:test", secret.ID); !errors.Is(err, ErrNoSuchEntry) {
		t.Fatalf("a room in the clear can open an encrypted entry: %v", err)
	}
	list, origin, err = s.List(ctx, "!es:test", "en", QuarterOf(s.now(), time.UTC), "!ledger export")
	if err != nil || !strings.Contains(list, "abogada") || !origin.Encrypted {
		t.Fatalf("an encrypted room does not see the entry as encrypted content (%v, %+v): %s", err, origin, list)
	}
}
