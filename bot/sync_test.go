package bot

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/monitor"
)

func TestAnOutageNotABlipIsSwept(t *testing.T) {
	s := newTrackingSyncer(zerolog.Nop())
	monitor.Synced(time.Now())
	if _, err := s.OnFailedSync(nil, errors.New("connection reset")); err != nil {
		t.Fatal(err)
	}
	if s.sweepDue() {
		t.Fatal("one failed sync led to reading back every room")
	}
	s.failingSince = time.Now().Add(-minOutage)
	if _, err := s.OnFailedSync(nil, errors.New("connection refused")); err != nil {
		t.Fatal(err)
	}
	if !s.sweepDue() || s.sweepDue() {
		t.Fatal("after an outage the rooms are read back at once, and the second time only later")
	}
}

// A response whose handling keeps meeting trouble is replayed a bounded
// number of times, then passed: nothing, not even a crafted event, stops
// the sync for good.
func TestAReplayIsBounded(t *testing.T) {
	s := newTrackingSyncer(zerolog.Nop())
	replays := 0
	for range maxReplays + 5 {
		s.replayLater(errors.New("database unreachable"))
		if s.takeReplay("s1") == nil {
			break
		}
		replays++
	}
	if replays != maxReplays {
		t.Fatalf("replayed %d times, want %d", replays, maxReplays)
	}
	s.replayLater(errors.New("database unreachable"))
	if s.takeReplay("s2") == nil {
		t.Fatal("the next response's trouble was not replayed")
	}
	if s.takeReplay("s2") != nil {
		t.Fatal("a response without trouble was replayed")
	}
}

// lockedStore is a sync store the test reads while barriers write it.
type lockedStore struct {
	mautrix.SyncStore
	mu sync.Mutex
}

func (s *lockedStore) SaveNextBatch(ctx context.Context, user id.UserID, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.SyncStore.SaveNextBatch(ctx, user, token)
}

func (s *lockedStore) LoadNextBatch(ctx context.Context, user id.UserID) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.SyncStore.LoadNextBatch(ctx, user)
}

// syncWithMessage is a response whose one event is a message in room.
func syncWithMessage(token string, room id.RoomID) *mautrix.RespSync {
	res := &mautrix.RespSync{NextBatch: token}
	res.Rooms.Join = map[id.RoomID]*mautrix.SyncJoinedRoom{room: {Timeline: mautrix.SyncTimeline{SyncEventsList: mautrix.SyncEventsList{
		Events: []*event.Event{{Type: event.EventMessage, ID: id.EventID("$" + token), Sender: "@ana:test",
			Content: event.Content{VeryRaw: []byte(`{"msgtype":"m.text","body":"hola"}`)}}}}}}}
	return res
}

// The sync loop goes on while a room's handler waits on the homeserver,
// and keeps a response's token only once its events are handled: a crash
// before then handles them again.
func TestTokenKeptOnceItsEventsAreHandled(t *testing.T) {
	ctx := context.Background()
	s := newTrackingSyncer(zerolog.Nop())
	mem := &lockedStore{SyncStore: mautrix.NewMemorySyncStore()}
	s.store = &deferredStore{SyncStore: mem}
	slow := make(chan struct{})
	troubled := make(chan struct{})
	s.OnEventType(event.EventMessage, func(_ context.Context, evt *event.Event) {
		s.lanes.Go(evt.RoomID.String(), func() {
			switch evt.ID {
			case "$t1":
				<-slow
			case "$t3":
				<-troubled
				s.replayLater(errors.New("database unreachable"))
			}
		})
	})
	kept := func() string {
		token, _ := mem.LoadNextBatch(ctx, "@bot:test")
		return token
	}
	process := func(token, since string, room id.RoomID) error {
		_ = s.store.SaveNextBatch(ctx, "@bot:test", token)
		done := make(chan error, 1)
		go func() { done <- s.ProcessResponse(ctx, syncWithMessage(token, room), since) }()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("the sync loop waited for a room's slow handler")
			return nil
		}
	}
	if err := process("t1", "t0", "!slow:test"); err != nil {
		t.Fatal(err)
	}
	if err := process("t2", "t1", "!fast:test"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := kept(); got != "" {
		t.Fatalf("token %q kept while an event before it was still being handled", got)
	}
	close(slow)
	s.lanes.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for kept() != "t2" {
		if time.Now().After(deadline) {
			t.Fatalf("token %q kept once everything was handled, want t2", kept())
		}
		time.Sleep(time.Millisecond)
	}

	// A handler that meets storage trouble stops tokens being kept: the
	// loop starts again from t2.
	if err := process("t3", "t2", "!slow:test"); err != nil {
		t.Fatal(err)
	}
	close(troubled)
	s.lanes.Wait()
	if err := process("t4", "t3", "!fast:test"); !errors.Is(err, errReplay) {
		t.Fatalf("the response after a handler's trouble gave %v, want a replay", err)
	}
	s.lanes.Wait()
	time.Sleep(50 * time.Millisecond)
	if got := kept(); got != "t2" {
		t.Fatalf("token %q kept after a handler asked for a replay, want t2", got)
	}
}
