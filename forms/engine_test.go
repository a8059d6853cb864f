package forms

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"path/filepath"
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
	"starling/translate"
	"starling/translations"
)

type fakeMatrix struct {
	mu   sync.Mutex
	sent map[id.RoomID][]string
	// outsiders are in none of the rooms; everyone else is in all of them.
	outsiders map[id.UserID]bool
	// txns are the transactions sent once; failing rooms refuse that many
	// sends before they take one.
	txns    map[string]bool
	failing map[id.RoomID]int
}

func (f *fakeMatrix) SendOnce(ctx context.Context, room id.RoomID, content *event.MessageEventContent, txn string, from rooms.Origin) (id.EventID, error) {
	f.mu.Lock()
	if f.failing[room] > 0 {
		f.failing[room]--
		f.mu.Unlock()
		return "", errors.New("M_UNKNOWN: try again")
	}
	if f.txns[txn] {
		f.mu.Unlock()
		return "$again", nil
	}
	if f.txns == nil {
		f.txns = map[string]bool{}
	}
	f.txns[txn] = true
	f.mu.Unlock()
	return f.SendMarkdown(ctx, room, content.Body, from)
}

func (f *fakeMatrix) IsJoined(_ context.Context, _ id.RoomID, u id.UserID) bool {
	return !f.outsiders[u]
}

func (f *fakeMatrix) OpenDM(_ context.Context, u id.UserID) (id.RoomID, error) {
	return id.RoomID("!dm-" + u.Localpart() + ":test"), nil
}

func (f *fakeMatrix) SendToPerson(ctx context.Context, u id.UserID, room id.RoomID, md string) (id.RoomID, error) {
	if room == "" {
		room, _ = f.OpenDM(ctx, u)
	}
	_, err := f.SendMarkdown(ctx, room, md, rooms.Private)
	return room, err
}

func (f *fakeMatrix) SendMarkdown(_ context.Context, room id.RoomID, md string, _ rooms.Origin) (id.EventID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent[room] = append(f.sent[room], md)
	return id.EventID(fmt.Sprintf("$%s-%d", room, len(f.sent[room]))), nil
}

// last returns the last message sent into room.
func (f *fakeMatrix) last(room id.RoomID) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	msgs := f.sent[room]
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1]
}

type fx struct {
	db   *database.Database
	mx   *fakeMatrix
	eng  *Engine
	tr   *translate.Translator
	deps service.Deps
}

func newFx(t *testing.T, path string, tr *translate.Translator) *fx {
	t.Helper()
	db := dbtest.OpenAt(t, path)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	mx := &fakeMatrix{sent: map[id.RoomID][]string{}}
	deps := service.Deps{DB: db, Rooms: rooms.New(db, nil, rooms.Settings{DefaultLanguage: "en"}), Translator: tr, L10n: l10n, Log: zerolog.Nop()}
	return &fx{db: db, mx: mx, deps: deps, eng: NewEngine(deps, mx, ts), tr: tr}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

const ana = id.UserID("@ana:test")
const anaDM = id.RoomID("!dm-ana:test")

// say sends input as Ana and returns the bot's answer.
func (f *fx) say(t *testing.T, input string) string {
	t.Helper()
	handled, err := f.eng.Handle(context.Background(), ana, anaDM, input)
	must(t, err)
	if !handled {
		t.Fatalf("%q was not taken by the conversation", input)
	}
	return f.mx.last(anaDM)
}

func TestNeedsAssessmentInSpanish(t *testing.T) {
	ctx := context.Background()
	apertium, err := translate.NewApertium()
	must(t, err)
	t.Cleanup(func() { _ = apertium.Close() })
	path := filepath.Join(t.TempDir(), "f.db")
	f := newFx(t, path, translate.NewTranslator([]translate.Engine{apertium}))
	must(t, f.db.Person.SetLanguage(ctx, ana, "es"))
	must(t, f.db.Room.SetLanguage(ctx, "!coord:test", "en", false))
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "needs-assessment", zeroTime)
	must(t, err)
	if inv := f.mx.last("!coord:test"); !strings.Contains(inv, "`fill f1`") {
		t.Fatalf("invitation: %q", inv)
	}
	must(t, f.eng.Fill(ctx, ana, form.ID))
	first := f.mx.last(anaDM)
	for _, w := range []string{"Evaluación de necesidades", "1/5", "¿Qué necesita más vuestro grupo", "Apoyo legal", "`atrás`"} {
		if !strings.Contains(first, w) {
			t.Fatalf("first question lacks %q:\n%s", w, first)
		}
	}
	steps := []struct{ in, want string }{
		{"7", "no es una de las opciones"},             // wrong: the same question again
		{"1, 3", "2/5"},                                // legal + digital security
		{"9", "número entero del 1 al 5"},              // out of range
		{"4", "3/5"},                                   // urgency
		{"saltar", "4/5"},                              // optional: people
		{"atrás", "3/5"},                               // back
		{"skip", "4/5"},                                // the English word works too
		{"Necesitamos abogadas para la marcha", "5/5"}, // details
	}
	for _, st := range steps {
		if got := f.say(t, st.in); !strings.Contains(got, st.want) {
			t.Fatalf("after %q got:\n%s\nwant %q", st.in, got, st.want)
		}
	}

	// A restart: a new engine on the same database continues at question 5.
	f2 := newFx(t, path, f.tr)
	f2.mx = f.mx
	f2.eng.mx = f.mx
	if got := f2.say(t, "revisar"); !strings.Contains(got, "Apoyo legal, Seguridad digital") || !strings.Contains(got, "(sin respuesta)") {
		t.Fatalf("review:\n%s", got)
	}
	if got := f2.say(t, "Traducción al árabe"); !strings.Contains(got, "`enviar`") {
		t.Fatalf("after the last question:\n%s", got)
	}
	if got := f2.say(t, "enviar"); !strings.Contains(got, "Gracias") {
		t.Fatalf("submit:\n%s", got)
	}
	if handled, _ := f2.eng.Handle(ctx, ana, anaDM, "hola"); handled {
		t.Fatal("a submitted conversation still takes messages")
	}

	results, err := f2.eng.Results(ctx, form, "en")
	must(t, err)
	for _, w := range []string{"1 response", "Legal support: 1", "Funds: 0", "Digital security: 1", "average 4.0",
		"“We need", "(original: “Necesitamos abogadas para la marcha”)"} {
		if !strings.Contains(results, w) {
			t.Errorf("results lack %q:\n%s", w, results)
		}
	}
}

func TestCancelAndBusyInTwoLanguages(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	must(t, f.db.Person.SetLanguage(ctx, ana, "fr"))
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "solidarity-retro", zeroTime)
	must(t, err)
	must(t, f.eng.Fill(ctx, ana, form.ID))
	if got := f.say(t, "passer"); !strings.Contains(got, "ne peut pas être passée") {
		t.Fatalf("required question skipped: %s", got)
	}
	other, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "needs-assessment", zeroTime)
	must(t, err)
	must(t, f.eng.Fill(ctx, ana, other.ID))
	if got := f.mx.last(anaDM); !strings.Contains(got, "Rétrospective solidaire") || !strings.Contains(got, "`annuler`") {
		t.Fatalf("second form while one is open: %s", got)
	}
	if got := f.say(t, "cancelar"); !strings.Contains(got, "Rien n’a été envoyé") {
		t.Fatalf("cancel (Spanish word, French reader): %s", got)
	}
	responses, err := f.db.Form.Responses(ctx, form.ID)
	must(t, err)
	if len(responses) != 0 {
		t.Fatal("a cancelled conversation left a response")
	}
}

func TestCSVExportIsSafe(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "solidarity-retro", zeroTime)
	must(t, err)
	for i, user := range []id.UserID{"@ana:test", "@bo:test"} {
		must(t, f.db.Form.PutResponse(ctx, form.ID, &database.Response{UserID: user, Lang: "es", SubmittedAt: zeroTime.AddDate(0, 0, i+1),
			Answers: map[string]Answer{
				"extractive":     {Value: "=HYPERLINK(\"http://x\")", Shown: "=HYPERLINK(\"http://x\")"},
				"transformative": {Value: "Compartir, \"juntas\"\nsiempre", Shown: "Compartir, \"juntas\"\nsiempre"},
				"again":          {Value: "yes", Shown: "sí"},
			}}))
	}
	data, err := f.eng.ExportCSV(ctx, form)
	must(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	must(t, err)
	if len(rows) != 3 || strings.Join(rows[0], ",") != "submitted_at,user,language,extractive,transformative,shared-risks,again" {
		t.Fatalf("csv rows %q", rows)
	}
	if rows[1][3] != "'=HYPERLINK(\"http://x\")" {
		t.Fatalf("formula not neutralised: %q", rows[1][3])
	}
	if rows[1][4] != "Compartir, \"juntas\"\nsiempre" || rows[2][6] != "yes" {
		t.Fatalf("cells changed: %q", rows[1])
	}
}

var zeroTime = mustTime("2026-11-22T12:00:00Z")

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Reacting to an invitation starts the form in a direct chat; the deadline
// closes it and posts the results to the coordinator room.
func TestReactionStartsAndDeadlineCloses(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	now := zeroTime
	f.eng.now = func() time.Time { return now }
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "solidarity-retro", now.Add(time.Hour))
	must(t, err)
	invitation := id.EventID("$!coord:test-1")
	react := &event.Event{ID: "$r", RoomID: "!coord:test", Sender: ana, Type: event.EventReaction,
		Content: event.Content{Parsed: &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: invitation, Key: "👍"}}}}
	if ok, err := f.eng.OnReaction(ctx, react); !ok || err != nil {
		t.Fatalf("reaction to the invitation: %v %v", ok, err)
	}
	if q := f.mx.last(anaDM); !strings.Contains(q, "1/4") {
		t.Fatalf("no first question after the reaction: %q", q)
	}
	f.say(t, "Poco")
	must(t, f.eng.CloseDue(ctx))
	if f.mx.last("!coord:test") != "" && strings.Contains(f.mx.last("!coord:test"), "closed") {
		t.Fatal("closed before its deadline")
	}
	now = now.Add(2 * time.Hour)
	must(t, f.eng.CloseDue(ctx))
	if summary := f.mx.last("!coord:test"); !strings.Contains(summary, "0 responses") || !strings.Contains(summary, "now closed") {
		t.Fatalf("deadline summary: %q", summary)
	}
	got, _ := f.db.Form.Get(ctx, form.ID)
	if !got.Closed {
		t.Fatal("form not closed")
	}
	if reply := f.say(t, "Mucho"); !strings.Contains(reply, "3/4") {
		t.Fatalf("answer after close: %q", reply)
	}
	f.say(t, "skip")
	f.say(t, "sí")
	if reply := f.say(t, "submit"); !strings.Contains(reply, "closed and no longer takes answers") {
		t.Fatalf("submitting to a closed form: %q", reply)
	}
}

// A retro is answered only by the participants it was opened for, opens
// once per origin (taken up again after an interruption), and its results
// reach every room of its coalition but the responder room.
func TestARetroIsForItsParticipantsAndOpensOnce(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	must(t, f.db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@mod:test", CreatedAt: zeroTime}))
	for _, room := range []id.RoomID{"!a:test", "!b:test", "!resp:test"} {
		must(t, f.deps.Rooms.AddToCoalition(ctx, room, "c", "@mod:test", zeroTime))
	}
	must(t, f.db.Incident.SetResponderRoom(ctx, "c", "!resp:test"))
	form, err := f.eng.StartRetro(ctx, "!a:test", "@mod:test", "solidarity-retro", zeroTime.Add(time.Hour), "circle:1:0", []id.UserID{ana})
	must(t, err)
	again, err := f.eng.StartRetro(ctx, "!a:test", "@mod:test", "solidarity-retro", zeroTime.Add(time.Hour), "circle:1:0", []id.UserID{ana, "@cai:test"})
	must(t, err)
	if again.ID != form.ID {
		t.Fatalf("the retro opened twice: forms %d and %d", form.ID, again.ID)
	}
	if forms, err := f.db.Form.Visible(ctx, "!a:test", "c"); err != nil || len(forms) != 1 {
		t.Fatalf("%d forms opened (%v), want 1", len(forms), err)
	}
	for _, room := range []id.RoomID{"!a:test", "!b:test"} {
		if got := f.mx.sent[room]; len(got) > 0 {
			t.Fatalf("an invitation anyone could take was posted in %s: %q", room, got)
		}
	}
	if err := f.eng.Fill(ctx, "@bob:test", form.ID); !errors.Is(err, ErrNoForm) {
		t.Fatalf("someone who was not in the circle may answer its retro: %v", err)
	}
	for _, who := range []id.UserID{ana, "@cai:test"} {
		must(t, f.eng.Fill(ctx, who, form.ID))
	}
	other, err := f.eng.StartRetro(ctx, "!a:test", "@mod:test", "solidarity-retro", zeroTime.Add(time.Hour), "circle:1:1", nil)
	must(t, err)
	if other.ID == form.ID {
		t.Fatal("the next occurrence's retro is the same form")
	}

	if _, err := f.eng.Close(ctx, form); err != nil {
		t.Fatal(err)
	}
	for room, want := range map[id.RoomID]int{"!a:test": 1, "!b:test": 1, "!resp:test": 0} {
		if got := len(f.mx.sent[room]); got != want {
			t.Errorf("%s got %d results, want %d", room, got, want)
		}
	}
}

// Results a failed send, or a stop, kept from a room after the form closed
// are posted there later, and only there.
func TestResultsOwedAreMadeGood(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	must(t, f.db.Coalition.Insert(ctx, &database.Coalition{ID: "c", Name: "Red", CreatedBy: "@mod:test", CreatedAt: zeroTime}))
	for _, room := range []id.RoomID{"!a:test", "!b:test"} {
		must(t, f.deps.Rooms.AddToCoalition(ctx, room, "c", "@mod:test", zeroTime))
	}
	form, err := f.eng.StartRetro(ctx, "!a:test", "@mod:test", "solidarity-retro", zeroTime.Add(time.Hour), "circle:1:0", []id.UserID{ana})
	must(t, err)
	f.mx.failing = map[id.RoomID]int{"!b:test": 1}
	if closed, err := f.eng.Close(ctx, form); !closed || err == nil {
		t.Fatalf("close with a failed send: closed %v, error %v", closed, err)
	}
	if got, _ := f.db.Form.Get(ctx, form.ID); got == nil || !got.Closed || got.ResultsPosted {
		t.Fatalf("after the failed send: %+v", got)
	}
	must(t, f.eng.CloseDue(ctx))
	must(t, f.eng.CloseDue(ctx))
	if a, b := len(f.mx.sent["!a:test"]), len(f.mx.sent["!b:test"]); a != 1 || b != 1 {
		t.Fatalf("results: %d in a, %d in b; want one each", a, b)
	}
	if got, _ := f.db.Form.Get(ctx, form.ID); got == nil || !got.ResultsPosted {
		t.Fatalf("the results are still owed: %+v", got)
	}
}

// Only people in a form's room or coalition can fill it; to others it does
// not exist, and a bare fill finds the forms a person may fill.
func TestOnlyMembersFill(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), nil)
	const stranger = id.UserID("@stranger:elsewhere")
	f.mx.outsiders = map[id.UserID]bool{stranger: true}
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "solidarity-retro", zeroTime)
	must(t, err)
	if err = f.eng.Fill(ctx, stranger, form.ID); !errors.Is(err, ErrNoForm) {
		t.Fatalf("a stranger filling f1: %v, want ErrNoForm", err)
	}
	if open, err := f.eng.OpenFor(ctx, stranger); err != nil || len(open) != 0 {
		t.Fatalf("a stranger sees %d open forms (%v)", len(open), err)
	}
	if open, err := f.eng.OpenFor(ctx, ana); err != nil || len(open) != 1 || open[0].ID != form.ID {
		t.Fatalf("a member sees %v (%v), want f1", open, err)
	}
	must(t, f.eng.Fill(ctx, ana, form.ID))
}

// gatedMatrix holds every OpenDM until two have been asked for, so that
// two starts for one person are surely at the same point at once.
type gatedMatrix struct {
	*fakeMatrix
	arrived sync.WaitGroup
}

func (g *gatedMatrix) OpenDM(ctx context.Context, u id.UserID) (id.RoomID, error) {
	g.arrived.Done()
	g.arrived.Wait()
	return g.fakeMatrix.OpenDM(ctx, u)
}

// Two forms started for one person at the same moment (from two rooms,
// whose events the bot handles side by side) open one conversation: the
// other is kept out, and the person told, not asked two first questions.
func TestTwoStartsAtOnceOpenOneConversation(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), translate.NewTranslator(nil))
	gated := &gatedMatrix{fakeMatrix: f.mx}
	gated.arrived.Add(2)
	ts, err := LoadTemplates("")
	must(t, err)
	eng := NewEngine(f.deps, gated, ts)
	var forms []int64
	for _, room := range []id.RoomID{"!a:test", "!b:test"} {
		form, err := eng.StartForm(ctx, room, "@mod:test", "needs-assessment", zeroTime)
		must(t, err)
		forms = append(forms, form.ID)
	}
	var wg sync.WaitGroup
	for _, form := range forms {
		wg.Add(1)
		go func() { defer wg.Done(); must(t, eng.Fill(ctx, ana, form)) }()
	}
	wg.Wait()
	conv, err := f.db.Conversation.Get(ctx, ana)
	must(t, err)
	f.mx.mu.Lock()
	sent := append([]string(nil), f.mx.sent[anaDM]...)
	f.mx.mu.Unlock()
	firsts := 0
	for _, m := range sent {
		if strings.Contains(m, "1/5") {
			firsts++
		}
	}
	if conv == nil || firsts != 1 || len(sent) != 2 {
		t.Fatalf("conversation %+v; %d first questions in %d messages: %q", conv, firsts, len(sent), sent)
	}
}

// A conversation that cannot go on (its options cannot be read any more:
// the room it was about left its coalition, say) still ends on cancel, so
// it never keeps its person from starting another, such as a report.
func TestCancelEndsAConversationThatCannotGoOn(t *testing.T) {
	ctx := context.Background()
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), translate.NewTranslator(nil))
	tmpl, err := ParseTemplate("broken.yaml", []byte(`id: broken
language: en
title: Broken
questions:
  - id: pick
    type: choice
    required: true
    options_from: gone
    text: Which?
`))
	must(t, err)
	working := true
	f.eng.Source("gone", func(context.Context, *database.Conversation) ([]Option, error) {
		if working {
			return []Option{{ID: "a", Text: Text{"": "A"}}, {ID: "b", Text: Text{"": "B"}}}, nil
		}
		return nil, errors.New("the room left its coalition")
	})
	f.eng.OnSubmit("broken", func(context.Context, *database.Conversation, *Template) (string, error) { return "done", nil }, tmpl)
	must(t, f.eng.Start(ctx, ana, "broken", 0, "broken"))
	working = false
	if _, err = f.eng.Handle(ctx, ana, anaDM, "A"); err == nil {
		t.Fatal("an answer went through options that cannot be read")
	}
	handled, err := f.eng.Handle(ctx, ana, anaDM, "cancel")
	if err != nil || !handled {
		t.Fatalf("cancel: %v %v", handled, err)
	}
	if conv, err := f.db.Conversation.Get(ctx, ana); err != nil || conv != nil {
		t.Fatalf("the conversation is still open after cancel: %+v %v", conv, err)
	}
}
