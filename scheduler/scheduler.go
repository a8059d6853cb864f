package scheduler

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/safe"
	"starling/internal/shortid"
	"starling/internal/txnid"
	"starling/monitor"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// Matrix is what the scheduler needs from the bot.
type Matrix interface {
	BotUserID() id.UserID
	// SendOnce sends a message with a transaction id; the same id never
	// produces a second event, also across a crash.
	SendOnce(ctx context.Context, roomID id.RoomID, content *event.MessageEventContent, txnID string, from rooms.Origin) (id.EventID, error)
	FetchEvent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error)
	DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string
	RoomName(ctx context.Context, roomID id.RoomID) string
	JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error)
	// Pin pins an event in a room, where the bot's power level allows it.
	Pin(ctx context.Context, roomID id.RoomID, eventID id.EventID) error
	// PowerLevel is the user's level in the room's current state.
	PowerLevel(ctx context.Context, roomID id.RoomID, userID id.UserID) (int, error)
	SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string, from rooms.Origin) (id.EventID, error)
}

// Settings are the scheduler's own configuration.
type Settings struct {
	// DefaultWindow is how long a check-in collects reports (24 h).
	DefaultWindow time.Duration
	// Clock is the scheduler's time: the wall clock unless a demo or a
	// test runs schedules faster.
	Clock Clock
	// Retro opens a listening circle's retro form to its participants.
	Retro Retro
	// BriefRetention is how long a briefing is kept after it was made,
	// its text and who read it; 0 keeps them.
	BriefRetention time.Duration
}

// vigilLateWindow is how long after its start a missed vigil notice is
// still worth posting.
const vigilLateWindow = time.Hour

// Scheduler runs check-ins and vigils. The database is the truth: each
// schedule's last handled occurrence and each occurrence's finished steps
// are stored before the next one is considered.
type Scheduler struct {
	db        *database.Database
	mx        Matrix
	authority *rooms.Authority
	tr        *translate.Translator
	l10n      *translations.Localizer
	clock     Clock
	settings  Settings
	log       zerolog.Logger

	mu      sync.Mutex
	entries map[int64]*entry
	queue   dueQueue
	wake    chan struct{}
}

// entry is a loaded schedule with its rule.
type entry struct {
	sched *database.Schedule
	rule  Rule
	due   time.Time
	index int
}

// New builds a scheduler; Run starts it.
func New(deps service.Deps, mx Matrix, settings Settings) *Scheduler {
	if settings.DefaultWindow <= 0 {
		settings.DefaultWindow = 24 * time.Hour
	}
	if settings.Clock == nil {
		settings.Clock = RealClock()
	}
	deps = deps.For("scheduler")
	return &Scheduler{db: deps.DB, mx: mx, authority: deps.Rooms, tr: deps.Translator, l10n: deps.L10n, clock: settings.Clock, settings: settings, log: deps.Log,
		entries: make(map[int64]*entry), wake: make(chan struct{}, 1)}
}

// Now is the scheduler's time.
func (s *Scheduler) Now() time.Time { return s.clock.Now() }

// Load reads every active schedule; missed occurrences are dealt with by
// the first pass of Run.
func (s *Scheduler) Load(ctx context.Context) error {
	scheds, err := s.db.Schedule.Active(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scheds {
		if err := s.addLocked(sc); err != nil {
			s.log.Warn().Err(err).Int64("schedule_id", sc.ID).Msg("Skipping a schedule that no longer parses")
		}
	}
	return nil
}

func (s *Scheduler) addLocked(sc *database.Schedule) error {
	rule, err := ruleOf(sc)
	if err != nil {
		return err
	}
	e := &entry{sched: sc, rule: rule, due: s.nextDue(sc, rule)}
	s.entries[sc.ID] = e
	if !e.due.IsZero() {
		heap.Push(&s.queue, e)
	}
	return nil
}

// ruleOf rebuilds a stored schedule's rule, anchored at its creation.
func ruleOf(sc *database.Schedule) (Rule, error) {
	_, loc, ok := LookupZone(sc.Zone)
	if !ok {
		return nil, fmt.Errorf("unknown zone %q", sc.Zone)
	}
	if sc.Kind == database.KindBrief {
		return briefOccurrence(sc, loc), nil
	}
	return ParseWhen(sc.When, loc, sc.CreatedAt)
}

// nextOccurrence is the first occurrence not yet handled.
func nextOccurrence(sc *database.Schedule, rule Rule) time.Time {
	after := sc.CreatedAt
	if !sc.LastOccurrence.IsZero() {
		after = sc.LastOccurrence
	}
	return rule.Next(after)
}

// nextDue is when the schedule next needs attention (zero: never again).
// Open occurrences are tracked by the steps they still lack.
func (s *Scheduler) nextDue(sc *database.Schedule, rule Rule) time.Time {
	if sc.Cancelled {
		return time.Time{}
	}
	n := nextOccurrence(sc, rule)
	var due time.Time
	if announced(sc.Kind) && !n.IsZero() {
		due = n.Add(-24 * time.Hour)
	} else {
		due = n
	}
	if windowed(sc.Kind) && !sc.LastOccurrence.IsZero() {
		// A check-in's last occurrence may still await reminder or summary.
		if end := sc.LastOccurrence.Add(sc.Window); end.After(s.clock.Now().Add(-sc.Window)) && (due.IsZero() || sc.LastOccurrence.Before(due)) {
			due = sc.LastOccurrence
		}
	}
	return due
}

// Run fires due steps until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	for ctx.Err() == nil {
		next := s.RunDue(ctx)
		wait := time.Hour
		if !next.IsZero() {
			wait = min(wait, s.clock.Real(next.Sub(s.clock.Now())))
		}
		t := time.NewTimer(max(wait, time.Millisecond))
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.wake:
		}
		t.Stop()
	}
}

// RunDue does every step due now and returns when the next one falls due.
func (s *Scheduler) RunDue(ctx context.Context) time.Time {
	for ctx.Err() == nil {
		s.mu.Lock()
		var next *entry
		if s.queue.Len() > 0 {
			next = s.queue[0]
		}
		s.mu.Unlock()
		if next == nil {
			return time.Time{}
		}
		if next.due.After(s.clock.Now()) {
			return next.due
		}
		s.process(ctx, next)
	}
	return time.Time{}
}

// process does what is due for one schedule and requeues it.
func (s *Scheduler) process(ctx context.Context, e *entry) {
	log := s.log.With().Int64("schedule_id", e.sched.ID).Str("kind", e.sched.Kind).Logger()
	ctx = log.WithContext(ctx)
	var err error
	if safe.Run(&log, "scheduler", func() {
		switch {
		case e.sched.Paused:
			err = s.skipWhilePaused(ctx, e)
		case windowed(e.sched.Kind):
			err = s.checkinStep(ctx, e)
		case e.sched.Kind == database.KindDigest:
			err = s.digestStep(ctx, e)
		default:
			err = s.vigilStep(ctx, e)
		}
	}) {
		err = errors.New("schedule step panicked")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		log.Err(err).Msg("Schedule step failed, retrying in a minute")
		e.due = s.clock.Now().Add(time.Minute)
	} else {
		e.due = s.stepDue(ctx, e)
	}
	if e.index >= 0 && e.index < s.queue.Len() && s.queue[e.index] == e {
		if e.due.IsZero() {
			heap.Remove(&s.queue, e.index)
		} else {
			heap.Fix(&s.queue, e.index)
		}
	} else if !e.due.IsZero() {
		heap.Push(&s.queue, e)
	}
}

// skipWhilePaused lets occurrences of a paused schedule pass unfired.
func (s *Scheduler) skipWhilePaused(ctx context.Context, e *entry) error {
	n := nextOccurrence(e.sched, e.rule)
	if n.IsZero() || n.After(s.clock.Now()) {
		return nil
	}
	if _, err := s.db.Schedule.Advance(ctx, e.sched.ID, n, false); err != nil {
		return err
	}
	e.sched.LastOccurrence = n
	return nil
}

// stepDue is the next time a step of this schedule falls due.
func (s *Scheduler) stepDue(ctx context.Context, e *entry) time.Time {
	sc := e.sched
	if sc.Cancelled {
		return time.Time{}
	}
	n := nextOccurrence(sc, e.rule)
	if sc.Paused {
		return n
	}
	if announced(sc.Kind) {
		if n.IsZero() {
			return time.Time{}
		}
		occ, _ := s.db.Occurrence.Get(ctx, sc.ID, n)
		for _, st := range stepsOf(sc, n) {
			if occ == nil || !occ.Done(st.step) {
				return st.at
			}
		}
		return n
	}
	due := n
	if !sc.LastOccurrence.IsZero() {
		occ, _ := s.db.Occurrence.Get(ctx, sc.ID, sc.LastOccurrence)
		if occ != nil && !occ.Done(database.StepSummarised) {
			step := sc.LastOccurrence.Add(sc.Window)
			if !occ.Done(database.StepReminded) {
				step = sc.LastOccurrence.Add(sc.Window / 2)
			}
			if due.IsZero() || step.Before(due) {
				due = step
			}
		}
	}
	return due
}

// Changed reloads a schedule after a command paused, resumed or cancelled it.
func (s *Scheduler) Changed(ctx context.Context, scheduleID int64) error {
	sc, err := s.db.Schedule.Get(ctx, scheduleID)
	if err != nil || sc == nil {
		return err
	}
	s.mu.Lock()
	s.dropLocked(scheduleID)
	var addErr error
	if !sc.Cancelled {
		addErr = s.addLocked(sc)
	}
	s.mu.Unlock()
	s.poke()
	return addErr
}

// dropLocked forgets a schedule's entry and its place in the queue.
func (s *Scheduler) dropLocked(scheduleID int64) {
	if old, ok := s.entries[scheduleID]; ok && old.index >= 0 && old.index < s.queue.Len() && s.queue[old.index] == old {
		heap.Remove(&s.queue, old.index)
	}
	delete(s.entries, scheduleID)
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// rooms are where a schedule posts now, as the room authority scopes it:
// what gathers answers, and briefings, leave the responder room out.
func (s *Scheduler) rooms(ctx context.Context, sc *database.Schedule) ([]id.RoomID, error) {
	return s.authority.Scope(ctx, sc.RoomID, sc.CoalitionID, sc.Kind != database.KindVigil)
}

func (s *Scheduler) roomSettings(ctx context.Context, roomID id.RoomID) (lang string, loc *time.Location) {
	lang, zone := s.authority.Place(ctx, roomID)
	_, loc, ok := LookupZone(zone)
	if !ok {
		loc = time.UTC
	}
	return lang, loc
}

// translateFor puts the schedule's text into a room's language, falling back
// to the original. Schedule texts come from rooms that may be encrypted, so
// only trusted engines see them.
func (s *Scheduler) translateFor(ctx context.Context, text, from, to string) string {
	if s.tr == nil || from == to {
		return text
	}
	res, err := s.tr.Translate(ctx, translate.Request{Source: from, Target: to, Texts: []string{text}, Encrypted: true})
	if err != nil {
		return text
	}
	return res[0].Text
}

// origin is where a schedule's text came from: the event that made it.
func origin(sc *database.Schedule) rooms.Origin {
	return rooms.Origin{Room: sc.RoomID, Encrypted: sc.Encrypted}
}

// post sends a notice once per (schedule, occurrence, step, room). A room
// the send guard keeps the content out of is skipped (its moderators are
// told), so it holds up neither the other rooms nor the next steps.
func (s *Scheduler) post(ctx context.Context, sc *database.Schedule, at time.Time, step string, roomID id.RoomID, markdown string, from rooms.Origin) (id.EventID, error) {
	content := mxtext.Notice(markdown, nil)
	txn := txnid.Stable("sched", strconv.FormatInt(sc.ID, 10), strconv.FormatInt(at.UnixMilli(), 10), step, string(roomID))
	eventID, err := s.mx.SendOnce(ctx, roomID, content, txn, from)
	if errors.Is(err, rooms.ErrEncryptedToPlain) || errors.Is(err, rooms.ErrCannotPost) {
		zerolog.Ctx(ctx).Warn().Err(err).Int64("schedule_id", sc.ID).Stringer("target_room", roomID).Msg("Skipped a room the schedule's message cannot go to")
		return "", nil
	} else if err != nil {
		return "", err
	}
	if err = s.db.Post.Put(ctx, sc.ID, at, roomID, eventID); err != nil {
		return "", err
	}
	monitor.SchedulePosted(sc.Kind)
	return eventID, nil
}

// ShortID is how people refer to a schedule: c12 for a check-in, v3 for a
// vigil, b4 for a briefing, d2 for a digest.
func ShortID(sc *database.Schedule) string {
	switch sc.Kind {
	case database.KindVigil:
		return shortid.Format('v', sc.ID)
	case database.KindBrief:
		return shortid.Format('b', sc.ID)
	case database.KindDigest:
		return shortid.Format('d', sc.ID)
	case database.KindCircle:
		return shortid.Format('o', sc.ID)
	}
	return shortid.Format('c', sc.ID)
}

// ParseShortID reads c12, v3, b4, d2, o5 or 12.
func ParseShortID(s string) (int64, bool) { return shortid.Parse(s, "cvbdo") }

// ErrNotFound is a schedule id that names nothing visible here.
var ErrNotFound = errors.New("no such schedule here")

// dueQueue is a min-heap of entries by due time.
type dueQueue []*entry

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i]; q[i].index = i; q[j].index = j }
func (q *dueQueue) Push(x any)        { e := x.(*entry); e.index = len(*q); *q = append(*q, e) }
func (q *dueQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	e.index = -1
	return e
}
