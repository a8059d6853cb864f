package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/lanes"
	"starling/internal/txnid"
	"starling/monitor"
	"starling/rooms"
)

// mautrix saves the sync token before it processes a response, so a crash
// in between would lose the events of that response. deferredStore holds
// the token back until trackingSyncer has processed the response and its
// rooms' lanes have handled its events: a crash replays the sync instead,
// and the handlers' own de-duplication makes the replay harmless.
type deferredStore struct {
	mautrix.SyncStore
	mu      sync.Mutex
	pending string
	user    id.UserID
	// last is the token last kept, where a replay starts from.
	last string
}

func (s *deferredStore) SaveNextBatch(_ context.Context, userID id.UserID, nextBatch string) error {
	s.mu.Lock()
	s.pending, s.user = nextBatch, userID
	s.mu.Unlock()
	return nil
}

// take is the token of the response being processed.
func (s *deferredStore) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pending
}

// keep stores token as the one to sync from after a restart.
func (s *deferredStore) keep(ctx context.Context, token string) error {
	s.mu.Lock()
	user := s.user
	s.mu.Unlock()
	if token == "" {
		return nil
	}
	if err := s.SyncStore.SaveNextBatch(ctx, user, token); err != nil {
		return err
	}
	s.mu.Lock()
	s.last = token
	s.mu.Unlock()
	return nil
}

// kept is the token last kept.
func (s *deferredStore) kept() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// trackingSyncer keeps the sync token once a response's events are
// handled and tells waiters when the first response since start has been
// processed.
type trackingSyncer struct {
	*mautrix.DefaultSyncer
	log   zerolog.Logger
	store *deferredStore
	// fill completes a response before it is processed (see backfill);
	// committed runs after one was processed and its token kept.
	fill func(ctx context.Context, res *mautrix.RespSync, since string)
	// sweep completes the first response after failed syncs, and one
	// sweepAgain later (see sweep); outageFrom is when the last sync
	// before the failures was processed.
	sweep      func(ctx context.Context, res *mautrix.RespSync, from time.Time)
	outageFrom time.Time
	sweeps     []time.Time
	// failingSince is when the current run of failed syncs began.
	failingSince time.Time
	committed    func(ctx context.Context)
	once         sync.Once
	synced       chan struct{}
	syncedMu     sync.Mutex
	// failPause is the wait before the next sync after a failed one: short
	// at first, so an outage of a few seconds costs a few seconds.
	failPause time.Duration
	// next is closed when the next response has been processed.
	next chan struct{}
	// replay is why the responses since the token last kept must be
	// processed again; replays counts how often they were, from
	// replaySince. generation counts the starts of the sync loop after a
	// replay: a token of an earlier one is never kept.
	replay      error
	replays     int
	replaySince string
	generation  int
	// self is the bot's user id, whose encrypted events nothing decrypts.
	self id.UserID
	// lanes run each room's handlers, one lane per room (see route); a
	// response's token is kept once they are done with its events.
	lanes *lanes.Lanes
}

// maxBacklog is how many events may wait in the rooms' lanes before the
// bot takes in the next sync response.
const maxBacklog = 500

// maxReplays bounds how often one response is processed again: storage
// that stays away that long is an outage /health reports, and a response
// that keeps failing for another reason must not stop the bot for good.
const maxReplays = 10

// takeReplay is the error that has the responses after from (the token
// last kept) processed again, if a handler asked for it and they have not
// been replayed maxReplays times already.
func (s *trackingSyncer) takeReplay(from string) error {
	s.syncedMu.Lock()
	defer s.syncedMu.Unlock()
	replay := s.replay
	s.replay = nil
	if replay == nil {
		s.replays, s.replaySince = 0, ""
		return nil
	}
	if from != s.replaySince {
		s.replays, s.replaySince = 0, from
	}
	if s.replays++; s.replays > maxReplays {
		s.replays, s.replaySince = 0, ""
		return nil
	}
	s.generation++
	return fmt.Errorf("%w: %w", errReplay, replay)
}

// replayLater has the responses since the token last kept handled again,
// from the start, once the sync loop starts again: a handler met storage
// that could not answer, and its event would otherwise be lost. No token
// is kept meanwhile. The handlers' de-duplication makes the rest harmless
// to repeat.
func (s *trackingSyncer) replayLater(err error) {
	s.syncedMu.Lock()
	defer s.syncedMu.Unlock()
	if s.replay == nil {
		s.replay = err
	}
}

// roomsAtOnce is how many rooms' events are handled side by side.
const roomsAtOnce = 8

func newTrackingSyncer(log zerolog.Logger) *trackingSyncer {
	return &trackingSyncer{DefaultSyncer: mautrix.NewDefaultSyncer(), log: log, synced: make(chan struct{}), next: make(chan struct{}),
		lanes: lanes.New(roomsAtOnce, log)}
}

// OnEventType registers a handler for one type of event. The bot's own
// encrypted events reach no handler of m.room.encrypted, the crypto
// helper's decryption included: nothing reads them decrypted (onOwnEvent
// takes the transaction id from outside), and decrypting every copy the
// relay had sent was a fifth of the bot's CPU per copy.
func (s *trackingSyncer) OnEventType(t event.Type, handler mautrix.EventHandler) {
	if t == event.EventEncrypted {
		inner := handler
		handler = func(ctx context.Context, evt *event.Event) {
			if evt.Sender != s.self || s.self == "" {
				inner(ctx, evt)
			}
		}
	}
	s.DefaultSyncer.OnEventType(t, handler)
}

func (s *trackingSyncer) ProcessResponse(ctx context.Context, res *mautrix.RespSync, since string) error {
	ctx = monitor.Received(ctx, monitor.WorkAnswer, time.Now())
	if s.fill != nil {
		s.fill(ctx, res, since)
	}
	if s.sweep != nil && since != "" && s.sweepDue() {
		s.sweep(ctx, res, s.outageFrom)
	}
	if err := s.DefaultSyncer.ProcessResponse(ctx, res, since); err != nil {
		return err
	}
	var from string
	if s.store != nil {
		from = s.store.kept()
	}
	if err := s.takeReplay(from); err != nil {
		return err
	}
	s.keepWhenHandled(ctx)
	monitor.Synced(time.Now())
	s.syncedMu.Lock()
	s.failPause, s.failingSince = 0, time.Time{}
	close(s.next)
	s.next = make(chan struct{})
	s.syncedMu.Unlock()
	s.once.Do(func() { close(s.synced) })
	// Events handled slower than they come wait here, not in memory.
	s.lanes.Throttle(maxBacklog)
	return nil
}

// keepWhenHandled keeps the token of the response just processed once the
// lanes have handled its events and every event before them, unless a
// handler asked meanwhile for a replay.
func (s *trackingSyncer) keepWhenHandled(ctx context.Context) {
	if s.store == nil {
		return
	}
	s.syncedMu.Lock()
	generation := s.generation
	s.syncedMu.Unlock()
	token := s.store.take()
	s.lanes.Barrier(func() {
		s.syncedMu.Lock()
		current := generation == s.generation && s.replay == nil
		s.syncedMu.Unlock()
		// Handlers cut short by the bot stopping have not handled their
		// events: the next start handles them again.
		if !current || ctx.Err() != nil {
			return
		}
		if err := s.store.keep(ctx, token); err != nil {
			s.log.Warn().Err(err).Msg("Failed to keep the sync token; a restart will handle some events again")
			return
		}
		if s.committed != nil {
			s.committed(ctx)
		}
	})
}

// sweepAgain is how long after an outage the rooms are looked through a
// second time; minOutage is how long syncs must have failed for the rooms
// to be looked through at all.
const (
	sweepAgain = 45 * time.Second
	minOutage  = 3 * time.Second
)

// sweepDue tells whether a sweep after an outage is due now, and counts it
// done.
func (s *trackingSyncer) sweepDue() bool {
	s.syncedMu.Lock()
	defer s.syncedMu.Unlock()
	if len(s.sweeps) == 0 || time.Now().Before(s.sweeps[0]) {
		return false
	}
	s.sweeps = s.sweeps[1:]
	return true
}

// OnFailedSync waits 1 s, then twice as long each time up to 10 s, and lets
// /health report the homeserver unreachable until a sync succeeds again.
func (s *trackingSyncer) OnFailedSync(res *mautrix.RespSync, err error) (time.Duration, error) {
	if _, fatal := s.DefaultSyncer.OnFailedSync(res, err); fatal != nil {
		return 0, fatal
	}
	monitor.SyncFailed(time.Now(), err)
	s.syncedMu.Lock()
	defer s.syncedMu.Unlock()
	if s.failingSince.IsZero() {
		s.failingSince = time.Now()
	}
	if len(s.sweeps) == 0 {
		s.outageFrom = monitor.LastSync()
	}
	// One failed request is a blip, not an outage: reading back every room
	// for it would cost a request per room. A restarted homeserver may still
	// be catching up on its own queue when it answers again: look once more
	// a little later.
	if !s.outageFrom.IsZero() && time.Since(s.failingSince) >= minOutage {
		s.sweeps = []time.Time{{}, time.Now().Add(sweepAgain)}
	}
	s.failPause = min(max(2*s.failPause, time.Second), 10*time.Second)
	return s.failPause, nil
}

// errReplay ends the sync loop so that the response it was processing is
// fetched and processed again (see Bot.Run).
var errReplay = errors.New("a sync response is to be processed again")

// storageTrouble has the sync response being processed handled again
// later if err says the database cannot answer now; it tells whether so.
func (b *Bot) storageTrouble(err error) bool {
	if !database.Unavailable(err) {
		return false
	}
	b.syncer.replayLater(err)
	return true
}

// WaitForSync blocks until a sync response has been fully processed since
// the bot started, so the bot has seen its own events sent before a crash.
func (b *Bot) WaitForSync(ctx context.Context) error {
	select {
	case <-b.syncer.synced:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WaitForFreshSync blocks until a sync requested after the call has been
// processed: the second response from now, as the first may have been
// requested before. Whatever the homeserver stored before the call has then
// been seen, such as the bot's own event from a send that failed late.
func (b *Bot) WaitForFreshSync(ctx context.Context) error {
	for range 2 {
		b.syncer.syncedMu.Lock()
		next := b.syncer.next
		b.syncer.syncedMu.Unlock()
		select {
		case <-next:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// onOwnEvent records the bot's own events sent with a Starling transaction
// id, as the homeserver echoes them to the same session.
func (b *Bot) onOwnEvent(ctx context.Context, evt *event.Event) {
	txn := evt.Unsigned.TransactionID
	if evt.Sender != b.client.UserID || !txnid.IsStable(txn) {
		return
	}
	if err := b.db.SentTxn.Put(ctx, txn, evt.RoomID, evt.ID, b.now()); err != nil {
		b.log.Err(err).Msg("Failed to record own event")
	}
}

// SendOnce sends a message that must never be sent twice, also across a
// crash: once the first sync has shown the bot its own recent events, a
// transaction id already seen is not sent again.
func (b *Bot) SendOnce(ctx context.Context, roomID id.RoomID, content *event.MessageEventContent, txnID string, from rooms.Origin) (id.EventID, error) {
	if err := b.WaitForSync(ctx); err != nil {
		return "", err
	}
	if sent, err := b.db.SentTxn.Get(ctx, txnID); err != nil || sent != "" {
		return sent, err
	}
	eventID, err := b.Send(ctx, roomID, event.EventMessage, content, txnID, from)
	if err != nil {
		return "", err
	}
	return eventID, b.db.SentTxn.Put(ctx, txnID, roomID, eventID, b.now())
}
