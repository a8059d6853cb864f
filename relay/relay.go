package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/safe"
	"starling/monitor"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// Settings are the configured values the relay relies on.
type Settings struct {
	// IsCommand tells a command from a message (commands.IsCommand):
	// commands are for the bot and are never copied.
	IsCommand func(*event.MessageEventContent) bool
	// SenderProfiles makes copies show their sender's name and avatar as
	// their own (MSC4144), the name kept in the text as a fallback.
	SenderProfiles bool
}

// Relay copies coalition messages across rooms. Events are queued durably
// before their sync is acknowledged; one worker per target room sends them
// in order, so a failing room waits without holding up the others.
type Relay struct {
	db         *database.Database
	mx         Matrix
	tr         *translate.Translator
	l10n       *translations.Localizer
	coalitions *Coalitions
	rooms      *rooms.Authority
	settings   Settings
	log        zerolog.Logger
	now        func() time.Time
	// retryBase is the first retry's delay; each further one doubles it.
	retryBase time.Duration
	// maxAttempts bounds how long a room's queue waits for what may still
	// come right: the keys of an event, or the right to post there (12 is
	// about 25 minutes with back-off).
	maxAttempts int

	mu      sync.Mutex
	workers map[id.RoomID]chan struct{}
	ctx     context.Context
	wg      sync.WaitGroup
	decoded *decryptCache
	avatars avatarCache
	// onDemand holds a slot per translation being made for someone who
	// asked (maxOnDemand).
	onDemand chan struct{}
	askers   askers
}

// New builds a relay; call Start to begin sending.
func New(deps service.Deps, mx Matrix, settings Settings) *Relay {
	if settings.IsCommand == nil {
		// Without it commands (join codes among them) would be copied.
		panic("relay.New: Settings.IsCommand is required")
	}
	deps = deps.For("relay")
	return &Relay{
		db: deps.DB, mx: mx, rooms: deps.Rooms, tr: deps.Translator, l10n: deps.L10n, coalitions: NewCoalitions(deps, mx),
		settings: settings, log: deps.Log, now: deps.Now, retryBase: time.Second, maxAttempts: 12, workers: make(map[id.RoomID]chan struct{}),
		decoded: newDecryptCache(256), onDemand: make(chan struct{}, maxOnDemand),
	}
}

// RoomName is how people know the room.
func (r *Relay) RoomName(ctx context.Context, roomID id.RoomID) string {
	return r.mx.RoomName(ctx, roomID)
}

// Coalitions is the relay's coalition manager.
func (r *Relay) Coalitions() *Coalitions { return r.coalitions }

// Start resumes every delivery left over from before and runs until ctx ends.
func (r *Relay) Start(ctx context.Context) error {
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	targets, err := r.db.RelayJob.PendingTargets(ctx)
	if err != nil {
		return err
	}
	for _, t := range targets {
		r.wake(t)
	}
	if len(targets) > 0 {
		r.log.Info().Int("rooms", len(targets)).Msg("Resuming relay deliveries left from before")
	}
	return nil
}

// Wait blocks until every worker has stopped (after ctx ended).
func (r *Relay) Wait() { r.wg.Wait() }

// relayable are the event types that follow a message across rooms.
var relayable = map[event.Type]bool{
	event.EventMessage: true, event.EventEncrypted: true, event.EventReaction: true,
	event.EventRedaction: true, event.EventSticker: true,
}

// Enqueue stores an event from a coalition room for every other room. It is
// called from the sync loop with the event as received: encrypted events stay
// encrypted at rest and are decrypted only when sent on.
func (r *Relay) Enqueue(ctx context.Context, evt *event.Event) error {
	if !relayable[evt.Type] || evt.Sender == r.mx.BotUserID() {
		return nil
	}
	if evt.Mautrix.EventSource&event.SourceDecrypted != 0 {
		// Its encrypted form is queued: it stays encrypted at rest, and its
		// provenance is read from it again at delivery. Decrypted once
		// already, a coalition room's is kept for its deliveries, which
		// then need not decrypt it again each.
		if member, err := r.rooms.Membership(ctx, evt.RoomID); err == nil && member != nil {
			r.decoded.put(evt)
		}
		return nil
	}
	targets, err := r.rooms.RelayTargets(ctx, evt.RoomID)
	if err != nil || len(targets) == 0 {
		return err
	}
	raw, err := json.Marshal(evt)
	if err != nil {
		return fmt.Errorf("failed to encode event for the relay queue: %w", err)
	}
	queued, err := r.db.RelayJob.Enqueue(ctx, evt.ID, evt.RoomID, string(raw), r.now(), targets)
	if err != nil || !queued {
		return err
	}
	for _, t := range targets {
		r.wake(t)
	}
	return nil
}

// wake makes sure the target's worker runs and looks at its queue.
func (r *Relay) wake(target id.RoomID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		return
	}
	ch, ok := r.workers[target]
	if !ok {
		ch = make(chan struct{}, 1)
		r.workers[target] = ch
		r.wg.Add(1)
		go r.work(r.ctx, target, ch)
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

// work sends the target room's deliveries one by one, in queue order.
func (r *Relay) work(ctx context.Context, target id.RoomID, wake chan struct{}) {
	defer r.wg.Done()
	log := r.log.With().Stringer("target_room", target).Logger()
	for ctx.Err() == nil {
		d, err := r.db.RelayJob.Next(ctx, target)
		if err != nil {
			if ctx.Err() == nil {
				log.Err(err).Msg("Failed to read relay queue")
			}
			sleep(ctx, wake, 5*time.Second)
			continue
		}
		if d == nil {
			sleep(ctx, wake, time.Minute)
			continue
		}
		if wait := d.NextAttempt.Sub(r.now()); wait > 0 {
			sleep(ctx, nil, wait)
			continue
		}
		dlog := log.With().Stringer("event_id", d.EventID).Stringer("source_room", d.SourceRoom).Logger()
		// A delivery that panics is one no retry can cure: it is dropped,
		// and the room's queue moves on.
		dctx := monitor.Received(dlog.WithContext(ctx), monitor.WorkCopy, d.ReceivedAt)
		if safe.Run(&dlog, "relay", func() { err = r.deliver(dctx, d) }) {
			err = permanent(errPanicked)
		}
		var permanent *permanentError
		switch {
		case err == nil:
			monitor.Relayed(monitor.RelayDelivered)
		case errors.As(err, &permanent):
			monitor.Relayed(monitor.RelayDropped)
			dlog.Warn().Err(err).Msg("Giving up relaying event")
			if err := r.db.RelayFailure.Put(ctx, &database.RelayFailure{EventID: d.EventID, SourceRoom: d.SourceRoom, TargetRoom: target,
				Reason: r.failureReason(err), FailedAt: r.now()}); err != nil {
				dlog.Err(err).Msg("Failed to record a relay failure")
			}
		case ctx.Err() != nil:
			return
		default:
			monitor.Relayed(monitor.RelayRetry)
			backoff := min(r.retryBase<<min(d.Attempts, 8), 5*time.Minute)
			dlog.Warn().Err(err).Int("attempt", d.Attempts+1).Dur("retry_in", backoff).Msg("Failed to relay event, will retry")
			if err = r.db.RelayJob.Retry(ctx, d.JobID, target, d.Attempts+1, r.now().Add(backoff)); err != nil {
				dlog.Err(err).Msg("Failed to schedule relay retry")
				sleep(ctx, nil, backoff)
			}
			continue
		}
		// Sent is sent: recorded so also when the bot is stopping.
		if err = r.db.RelayJob.Done(context.WithoutCancel(ctx), d.JobID, target); err != nil && ctx.Err() == nil {
			dlog.Err(err).Msg("Failed to mark relay delivery done")
			sleep(ctx, nil, time.Second)
		}
	}
}

func sleep(ctx context.Context, wake chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

var errPanicked = errors.New("delivery panicked")

// failureReason sorts a delivery given up on for the moderators who ask.
func (r *Relay) failureReason(err error) string {
	switch {
	case errors.Is(err, errPanicked):
		return database.FailureCrashed
	case r.unreadable(err):
		return database.FailureUnreadable
	}
	return database.FailureRefused
}

// permanentError is a delivery that can never succeed; retrying would only
// hold up the room's queue.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error { return &permanentError{err} }

// sendError tells a refusal (too large, bad event) from a passing failure
// (network, rate limit, server error). "Forbidden" while the bot is still in
// the room is retried for a while: a moderator may give the bot back its
// right to post, and the room's messages should then still arrive, in order.
// A bot that was kicked or banned gives up at once, so the room's queue
// does not stall.
func (r *Relay) sendError(ctx context.Context, d *database.Delivery, err error) error {
	switch code := r.mx.HTTPStatus(err); {
	case code == 0:
		return err
	case code == http.StatusForbidden && d.Attempts+1 < r.maxAttempts && r.mx.IsJoined(ctx, d.TargetRoom, r.mx.BotUserID()):
		return err
	case code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout:
		return permanent(err)
	}
	return err
}

// unreadable tells an error no retry can cure from a passing one: a bad
// event, or the homeserver refusing the request for good (4xx but a rate
// limit or a timeout), such as media that is gone.
func (r *Relay) unreadable(err error) bool {
	if errors.Is(err, ErrBadEvent) {
		return true
	}
	code := r.mx.HTTPStatus(err)
	return code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout
}

// decryptCache keeps decrypted events so a job bound for many rooms is
// decrypted once.
type decryptCache struct {
	mu    sync.Mutex
	max   int
	order []id.EventID
	items map[id.EventID]*event.Event
}

func newDecryptCache(n int) *decryptCache {
	return &decryptCache{max: n, items: make(map[id.EventID]*event.Event)}
}

func (c *decryptCache) get(eventID id.EventID) *event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items[eventID]
}

func (c *decryptCache) put(evt *event.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[evt.ID]; ok {
		return
	}
	c.items[evt.ID] = evt
	c.order = append(c.order, evt.ID)
	if len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}
