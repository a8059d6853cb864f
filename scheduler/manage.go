package scheduler

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
)

// NewSchedule is a check-in or vigil as a moderator asked for it.
type NewSchedule struct {
	Kind     string
	RoomID   id.RoomID
	By       id.UserID
	When     string
	Text     string
	Window   time.Duration
	Rotation []id.UserID
	// Template is the form a listening circle opens afterwards.
	Template string
	// From is the command's origin: the text goes only where it may.
	From rooms.Origin
}

// Add stores a schedule for the room (and its coalition, if any) and
// returns it with its first occurrence. A vigil is announced at once.
func (s *Scheduler) Add(ctx context.Context, ns NewSchedule) (*database.Schedule, time.Time, error) {
	if !TextFits(ns.Text) {
		return nil, time.Time{}, ErrTextTooLong
	}
	now := s.clock.Now()
	lang, loc := s.roomSettings(ctx, ns.RoomID)
	rule, err := ParseWhen(ns.When, loc, now)
	if err != nil {
		return nil, time.Time{}, err
	}
	member, err := s.authority.Membership(ctx, ns.RoomID)
	if err != nil {
		return nil, time.Time{}, err
	}
	sc := &database.Schedule{Kind: ns.Kind, RoomID: ns.RoomID, CreatedBy: ns.By, CreatedAt: now, When: ns.When,
		Zone: loc.String(), Text: ns.Text, Lang: lang, Window: ns.Window, Rotation: ns.Rotation, Encrypted: ns.From.Encrypted,
		Template: ns.Template}
	if member != nil {
		sc.CoalitionID = member.CoalitionID
	}
	if sc.Window <= 0 {
		sc.Window = s.settings.DefaultWindow
	}
	if announced(ns.Kind) {
		sc.Window = vigilLateWindow
	}
	if err = s.db.Schedule.Insert(ctx, sc); err != nil {
		return nil, time.Time{}, err
	}
	first := rule.Next(now)
	if announced(ns.Kind) {
		if _, err = s.db.Occurrence.Ensure(ctx, sc.ID, first, 1, false); err != nil {
			return nil, time.Time{}, err
		}
		msg := msgVigilAnnouncement
		if ns.Kind == database.KindCircle {
			msg = msgCircleAnnouncement
		}
		// The vigil is stored: a room that cannot be told now still gets
		// the reminders, so a failed announcement must not leave it unloaded.
		if err = s.postVigil(ctx, sc, first, 1, "announce", msg, time.Time{}); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Int64("schedule_id", sc.ID).Msg("Failed to announce a vigil in every room")
		} else if err = s.db.Occurrence.MarkStep(ctx, sc.ID, first, database.StepPosted); err != nil {
			return nil, time.Time{}, err
		}
	}
	s.mu.Lock()
	err = s.addLocked(sc)
	s.mu.Unlock()
	s.poke()
	return sc, first, err
}

// Info describes a schedule for `!schedule list`.
type Info struct {
	Schedule *database.Schedule
	Next     time.Time
	// RSVPs counts who said they will come to the next vigil.
	RSVPs int
}

// Visible lists the schedules of the room and of its coalition.
func (s *Scheduler) Visible(ctx context.Context, roomID id.RoomID) ([]Info, error) {
	coalitionID, err := s.authority.CoalitionOf(ctx, roomID)
	if err != nil {
		return nil, err
	}
	scheds, err := s.db.Schedule.Visible(ctx, roomID, coalitionID)
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(scheds))
	for _, sc := range scheds {
		// Briefings happen once, when made: !brief status is about them.
		if sc.Kind == database.KindBrief {
			continue
		}
		// A schedule of a room that left the coalition no longer reaches here.
		if reach, err := s.rooms(ctx, sc); err != nil {
			return nil, err
		} else if !slices.Contains(reach, roomID) && sc.RoomID != roomID {
			continue
		}
		info := Info{Schedule: sc}
		if rule, err := ruleOf(sc); err == nil {
			info.Next = nextOccurrence(sc, rule)
		}
		if announced(sc.Kind) && !info.Next.IsZero() {
			if info.RSVPs, err = s.db.RSVP.Count(ctx, sc.ID, info.Next); err != nil {
				return nil, err
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// ErrNotOwner is a schedule another room of the coalition made: only that
// room's moderators may pause, resume or cancel it.
var ErrNotOwner = errors.New("schedule belongs to another room")

// owned returns a schedule the room made. One its coalition can see but
// another room made is ErrNotOwner; anything else is ErrNotFound.
func (s *Scheduler) owned(ctx context.Context, roomID id.RoomID, scheduleID int64) (*database.Schedule, error) {
	infos, err := s.Visible(ctx, roomID)
	if err != nil {
		return nil, err
	}
	for _, i := range infos {
		if i.Schedule.ID != scheduleID {
			continue
		}
		if i.Schedule.RoomID != roomID {
			return i.Schedule, ErrNotOwner
		}
		return i.Schedule, nil
	}
	return nil, ErrNotFound
}

// SetPaused pauses or resumes a schedule visible from the room. Occurrences
// while paused pass without firing.
func (s *Scheduler) SetPaused(ctx context.Context, roomID id.RoomID, scheduleID int64, paused bool) (*database.Schedule, error) {
	sc, err := s.owned(ctx, roomID, scheduleID)
	if err != nil {
		return sc, err
	}
	if err = s.db.Schedule.SetPaused(ctx, sc.ID, paused); err != nil {
		return nil, err
	}
	sc.Paused = paused
	return sc, s.Changed(ctx, sc.ID)
}

// Cancel ends a schedule visible from the room.
func (s *Scheduler) Cancel(ctx context.Context, roomID id.RoomID, scheduleID int64) (*database.Schedule, error) {
	sc, err := s.owned(ctx, roomID, scheduleID)
	if err != nil {
		return sc, err
	}
	if err = s.db.Schedule.Cancel(ctx, sc.ID); err != nil {
		return nil, err
	}
	return sc, s.Changed(ctx, sc.ID)
}
