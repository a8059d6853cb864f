package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/dbtest"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// fakeMatrix stands in for the homeserver in this package's unit tests:
// unencrypted rooms, and sends that fail for a while where asked.
type fakeMatrix struct {
	mu       sync.Mutex
	sent     map[id.RoomID][]string
	failures map[id.RoomID]int
	// forbidden answers 403 to this many sends (-1: always).
	forbidden map[id.RoomID]int
	// kicked rooms no longer have the bot as a member.
	kicked   map[id.RoomID]bool
	attempts map[id.RoomID]int
	txns     map[string]bool
	notices  map[id.RoomID][]string
	// senders are the events the homeserver knows, by sender.
	senders map[id.EventID]id.UserID
	// redactors may delete others' events (in any room, here).
	redactors map[id.UserID]bool
	// panicOn makes a send of a copy ending with this text panic.
	panicOn string
	// loseEvent answers 500 to this many sends, keeping their transaction
	// ids and losing the events, as Dendrite stopped mid-send can: the
	// same id sent again is acknowledged and swallowed.
	loseEvent map[id.RoomID]int
	swallowed map[string]bool
	// storeThenFail stores this many events but answers 500, and echoes
	// them to the bot (echo) as a sync would.
	storeThenFail map[id.RoomID]int
	echo          func(txn string, room id.RoomID, eventID id.EventID)
}

func newFakeMatrix() *fakeMatrix {
	return &fakeMatrix{sent: map[id.RoomID][]string{}, failures: map[id.RoomID]int{}, forbidden: map[id.RoomID]int{}, attempts: map[id.RoomID]int{}, txns: map[string]bool{},
		notices: map[id.RoomID][]string{}, senders: map[id.EventID]id.UserID{}, redactors: map[id.UserID]bool{},
		loseEvent: map[id.RoomID]int{}, swallowed: map[string]bool{}, storeThenFail: map[id.RoomID]int{}}
}

func (f *fakeMatrix) BotUserID() id.UserID { return "@bot:test" }
func (f *fakeMatrix) IsJoined(_ context.Context, room id.RoomID, _ id.UserID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.kicked[room]
}
func (f *fakeMatrix) IsEncrypted(context.Context, id.RoomID) (bool, error)          { return false, nil }
func (f *fakeMatrix) JoinedMembers(context.Context, id.RoomID) ([]id.UserID, error) { return nil, nil }
func (f *fakeMatrix) DisplayName(_ context.Context, _ id.RoomID, u id.UserID) string {
	return u.Localpart()
}
func (f *fakeMatrix) RoomName(_ context.Context, r id.RoomID) string { return string(r) }

// Decrypt: nothing encrypted here can be read; an event whose session id
// is "garbled" never will be.
func (f *fakeMatrix) Decrypt(_ context.Context, evt *event.Event) (*event.Event, error) {
	if c, ok := evt.Content.Parsed.(*event.EncryptedEventContent); ok && c.SessionID == "garbled" {
		return nil, fmt.Errorf("%w: content is not what its type says", ErrBadEvent)
	}
	return nil, errors.New("nothing is encrypted here")
}
func (f *fakeMatrix) FetchEvent(context.Context, id.RoomID, id.EventID) (*event.Event, error) {
	return nil, errors.New("not stored")
}
func (f *fakeMatrix) FetchCurrent(ctx context.Context, room id.RoomID, eventID id.EventID) (*event.Event, error) {
	return f.FetchEvent(ctx, room, eventID)
}
func (f *fakeMatrix) WaitForSync(context.Context) error      { return nil }
func (f *fakeMatrix) WaitForFreshSync(context.Context) error { return nil }
func (f *fakeMatrix) Redact(_ context.Context, room id.RoomID, target id.EventID, _ string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent[room] = append(f.sent[room], "redact "+string(target))
	return nil
}
func (f *fakeMatrix) Download(context.Context, id.ContentURIString, int64) ([]byte, error) {
	return nil, nil
}
func (f *fakeMatrix) CheckOrigin(_ context.Context, _ id.RoomID, from rooms.Origin) error {
	if from.Encrypted {
		return rooms.ErrEncryptedToPlain // every room here is unencrypted
	}
	return nil
}
func (f *fakeMatrix) EventSender(_ context.Context, _ id.RoomID, eventID id.EventID) (id.UserID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if u, ok := f.senders[eventID]; ok {
		return u, nil
	}
	return "", errors.New("not stored")
}
func (f *fakeMatrix) MayRedactOthers(_ context.Context, _ id.RoomID, u id.UserID) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.redactors[u], nil
}
func (f *fakeMatrix) Members(context.Context, id.RoomID) ([]id.UserID, []id.UserID, error) {
	return []id.UserID{"@bot:test", "@mod:test", "@ana:test"}, nil, nil
}
func (f *fakeMatrix) JoinRule(context.Context, id.RoomID) event.JoinRule { return "" }
func (f *fakeMatrix) SendToPerson(_ context.Context, u id.UserID, _ id.RoomID, markdown string) (id.RoomID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	dm := id.RoomID("!dm-" + u.Localpart() + ":test")
	f.notices[dm] = append(f.notices[dm], markdown)
	return dm, nil
}
func (f *fakeMatrix) Avatar(context.Context, id.RoomID, id.UserID) id.ContentURIString { return "" }
func (f *fakeMatrix) HTTPStatus(err error) int {
	var httpErr mautrix.HTTPError
	if !errors.As(err, &httpErr) || httpErr.Response == nil {
		return 0
	}
	return httpErr.Response.StatusCode
}
func (f *fakeMatrix) Attach(context.Context, *event.MessageEventContent, []byte, string, bool) error {
	return nil
}

func (f *fakeMatrix) Send(ctx context.Context, room id.RoomID, _ event.Type, content any, txn string, from rooms.Origin) (id.EventID, error) {
	if err := f.CheckOrigin(ctx, room, from); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := content.(*event.MessageEventContent); ok && f.panicOn != "" && strings.HasSuffix(c.Body, f.panicOn) {
		panic("a bug met " + f.panicOn)
	}
	if c, ok := content.(*event.MessageEventContent); ok && c.MsgType == event.MsgNotice {
		f.notices[room] = append(f.notices[room], c.Body) // the bot's own words, not copies
		return id.EventID(fmt.Sprintf("$notice-%s-%d", room, len(f.notices[room]))), nil
	}
	f.attempts[room]++
	if f.failures[room] > 0 {
		f.failures[room]--
		return "", errors.New("connection refused")
	}
	if f.forbidden[room] != 0 {
		f.forbidden[room]--
		return "", mautrix.HTTPError{Response: &http.Response{StatusCode: http.StatusForbidden},
			RespError: &mautrix.RespError{ErrCode: "M_FORBIDDEN", Err: "You don't have permission to post that to the room."}}
	}
	serverError := mautrix.HTTPError{Response: &http.Response{StatusCode: http.StatusInternalServerError}}
	if f.swallowed[txn] {
		return "$swallowed", nil
	}
	if f.loseEvent[room] > 0 {
		f.loseEvent[room]--
		f.swallowed[txn] = true
		return "", serverError
	}
	if f.txns[txn] {
		return "", fmt.Errorf("transaction %s sent twice", txn)
	}
	f.txns[txn] = true
	if f.storeThenFail[room] > 0 {
		f.storeThenFail[room]--
		f.sent[room] = append(f.sent[room], content.(*event.MessageEventContent).Body)
		f.echo(txn, room, id.EventID(fmt.Sprintf("$%s-%d", room, len(f.sent[room]))))
		return "", serverError
	}
	switch c := content.(type) {
	case *event.ReactionEventContent:
		f.sent[room] = append(f.sent[room], "react "+string(c.RelatesTo.EventID)+" "+c.RelatesTo.Key)
	default:
		f.sent[room] = append(f.sent[room], c.(*event.MessageEventContent).Body)
	}
	return id.EventID(fmt.Sprintf("$%s-%d", room, len(f.sent[room]))), nil
}

func (f *fakeMatrix) bodies(room id.RoomID) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent[room]...)
}

func newTestRelay(t testing.TB, mx Matrix) *Relay {
	t.Helper()
	db := dbtest.Open(t)
	l10n, err := translations.New()
	if err != nil {
		t.Fatal(err)
	}
	authority := rooms.New(db, mx.(rooms.Matrix), rooms.Settings{DefaultLanguage: "en", DefaultTimezone: "UTC"})
	r := New(service.Deps{DB: db, Rooms: authority, Translator: translate.NewTranslator(nil), L10n: l10n, Log: zerolog.Nop()}, mx, Settings{IsCommand: func(c *event.MessageEventContent) bool { return strings.HasPrefix(c.Body, "!") }})
	r.retryBase = 20 * time.Millisecond
	return r
}

// link makes a coalition of the rooms, the first one starting it.
func link(t *testing.T, r *Relay, first id.RoomID, others ...id.RoomID) {
	t.Helper()
	ctx := context.Background()
	_, code, err := r.Coalitions().Create(ctx, first, "Red", "@mod:test")
	if err != nil {
		t.Fatal(err)
	}
	for i, room := range others {
		if i > 0 {
			if code, err = r.Coalitions().NewCode(ctx, first, "@mod:test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err = r.Coalitions().Join(ctx, room, code.Code, "@mod:test"); err != nil {
			t.Fatal(err)
		}
	}
}

// A room whose sends fail waits and gets every message, in order, once it
// recovers; the other room is not held up meanwhile.
func TestFailingRoomIsRetriedInOrderWithoutBlockingOthers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mx := newFakeMatrix()
	mx.failures["!c:test"] = 4
	r := newTestRelay(t, mx)
	_, code, err := r.Coalitions().Create(ctx, "!a:test", "Red", "@mod:test")
	if err != nil {
		t.Fatal(err)
	}
	for _, room := range []id.RoomID{"!b:test", "!c:test"} {
		if room == "!c:test" {
			if code, err = r.Coalitions().NewCode(ctx, "!a:test", "@mod:test"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err = r.Coalitions().Join(ctx, room, code.Code, "@mod:test"); err != nil {
			t.Fatal(err)
		}
	}
	if err = r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 5
	for i := 1; i <= n; i++ {
		evt := &event.Event{ID: id.EventID(fmt.Sprintf("$m%d", i)), RoomID: "!a:test", Sender: "@ana:test", Type: event.EventMessage,
			Content: event.Content{Parsed: &event.MessageEventContent{MsgType: event.MsgText, Body: fmt.Sprintf("message %d", i)}}}
		evt.Content.VeryRaw = mustJSON(t, evt.Content.Parsed)
		if err = r.Enqueue(ctx, evt); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, func() bool { return len(mx.bodies("!b:test")) == n })
	if got := len(mx.bodies("!c:test")); got == n {
		t.Fatal("the failing room was not retried with back-off")
	}
	waitFor(t, func() bool { return len(mx.bodies("!c:test")) == n })
	for _, room := range []id.RoomID{"!b:test", "!c:test"} {
		for i, body := range mx.bodies(room) {
			if !strings.HasSuffix(body, fmt.Sprintf("message %d", i+1)) {
				t.Fatalf("%s copy %d is %q: order lost", room, i+1, body)
			}
		}
	}
	if mx.attempts["!c:test"] != n+4 {
		t.Fatalf("%d sends to the failing room, want %d", mx.attempts["!c:test"], n+4)
	}
	// Each copy is marked delivered just after it is sent.
	waitFor(t, func() bool { n, _ := r.db.RelayJob.Pending(ctx); return n == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
