package incidents

import (
	"context"
	"errors"
	"slices"
	"time"

	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/scheduler"
)

// Errors of the duty rota, each explained to the person.
var (
	// ErrDutyNotMember: someone named for the rota is not in the responder
	// room, so would never see a page.
	ErrDutyNotMember = errors.New("a person on the duty rota is not in the responder room")
	// ErrDutyBadWhen: the hand-over is not one weekday (or every day) at a
	// time.
	ErrDutyBadWhen = errors.New("a duty hand-over is one weekday or every day, at a time")
)

// maxDutyPeople bounds a rota: more turns than this is a room, not a rota.
const maxDutyPeople = 50

// SetDuty gives the coalition of the responder room a duty rota: people
// take turns, handing over at the time of when in the zone of the person
// taking over. Everyone on it must be in the responder room.
func (s *Service) SetDuty(ctx context.Context, roomID id.RoomID, by id.UserID, people []id.UserID, when scheduler.Rule) (*database.DutyRota, error) {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return nil, err
	}
	weekly, ok := when.(*scheduler.Weekly)
	days := 0
	var day time.Weekday
	if ok {
		for d, on := range weekly.Days {
			if on {
				days++
				day = time.Weekday(d)
			}
		}
	}
	if !ok || weekly.Interval != 1 || days != 1 && days != 7 {
		return nil, ErrDutyBadWhen
	}
	if len(people) == 0 || len(people) > maxDutyPeople {
		return nil, ErrDutyNotMember
	}
	for _, p := range people {
		if p == s.mx.BotUserID() || !s.mx.IsJoined(ctx, roomID, p) {
			return nil, ErrDutyNotMember
		}
	}
	minute := weekly.At.Hour*60 + weekly.At.Minute
	rota := &database.DutyRota{CoalitionID: coalitionID, People: people, Daily: days == 7, Weekday: day, Minute: minute,
		CreatedBy: by, CreatedAt: s.now()}
	rota.Anchor = scheduler.DutyAnchor(rota.Daily, day, minute, s.rooms.PersonZone(ctx, people[0]), s.now())
	// Covers and offers were of the old rota's turns.
	if err = s.db.DutyCover.DeleteCoalition(ctx, coalitionID); err != nil {
		return nil, err
	}
	if err = s.db.DutyRota.Put(ctx, rota); err != nil {
		return nil, err
	}
	s.log.Info().Str("coalition_id", coalitionID).Int("people", len(people)).Msg("Duty rota set")
	return rota, nil
}

// RemoveDuty ends the rota of the responder room's coalition: pages go to
// the whole room again.
func (s *Service) RemoveDuty(ctx context.Context, roomID id.RoomID) error {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return err
	}
	if err = s.db.DutyCover.DeleteCoalition(ctx, coalitionID); err != nil {
		return err
	}
	return s.db.DutyRota.Delete(ctx, coalitionID)
}

// Duty is who is on duty for the coalition now, and who is next; ok is
// false when it has no rota. Only the responder room learns it: who
// answers incidents is the responders' to know.
func (s *Service) Duty(ctx context.Context, roomID id.RoomID) (cur, next scheduler.Shift, ok bool, err error) {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return cur, next, false, err
	}
	return s.dutyOf(ctx, coalitionID)
}

// DutyAway are the people of the responder room's rota who are away now.
func (s *Service) DutyAway(ctx context.Context, roomID id.RoomID) ([]id.UserID, error) {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return nil, err
	}
	rota, err := s.db.DutyRota.Get(ctx, coalitionID)
	if err != nil || rota == nil {
		return nil, err
	}
	var away []id.UserID
	for _, p := range rota.People {
		if s.rooms.Away(ctx, p, s.now()) {
			away = append(away, p)
		}
	}
	return away, nil
}

func (s *Service) dutyOf(ctx context.Context, coalitionID string) (cur, next scheduler.Shift, ok bool, err error) {
	rota, err := s.db.DutyRota.Get(ctx, coalitionID)
	if err != nil || rota == nil {
		return cur, next, false, err
	}
	duty, err := s.duty(ctx, rota)
	if err != nil {
		return cur, next, false, err
	}
	cur, next, ok = duty.Shifts(s.now())
	return cur, next, ok, nil
}

// duty is what decides who of the rota is on duty now.
func (s *Service) duty(ctx context.Context, rota *database.DutyRota) (scheduler.Duty, error) {
	covers, err := s.db.DutyCover.Active(ctx, rota.CoalitionID, s.now())
	if err != nil {
		return scheduler.Duty{}, err
	}
	return scheduler.Duty{
		Rota:   rota,
		ZoneOf: func(u id.UserID) *time.Location { return s.rooms.PersonZone(ctx, u) },
		Away:   func(u id.UserID) bool { return s.rooms.Away(ctx, u, s.now()) },
		Covers: covers,
	}, nil
}

// pageTargets are whom escalation n of the incident pages. With a duty
// rota: as the policy's pages say, by default the person on duty, then
// also the next one (the backup), then the whole room; the last escalation
// the policy allows always reaches the whole room, so a rota never narrows who hears of an incident. Someone on
// duty who has left the room is no one to page; someone away is passed
// over. Below critical, people away or in their quiet hours are passed
// over for the next who can be reached (the backup, then the room); when
// nobody can, the page is held until the first quiet hours end.
func (s *Service) pageTargets(ctx context.Context, inc *database.Incident, n int, step Step, members []id.UserID) ([]id.UserID, time.Time, error) {
	lists, err := s.candidates(ctx, inc, n, step, members)
	if err != nil || inc.Severity == "critical" {
		return lists[0], time.Time{}, err
	}
	var wakes time.Time
	for _, list := range lists {
		var reachable []id.UserID
		for _, p := range list {
			quiet, until := s.rooms.Quiet(ctx, p, s.now())
			switch {
			case quiet && (wakes.IsZero() || until.Before(wakes)):
				wakes = until
			case !quiet && !s.rooms.Away(ctx, p, s.now()):
				reachable = append(reachable, p)
			}
		}
		if len(reachable) > 0 {
			return reachable, time.Time{}, nil
		}
	}
	if !wakes.IsZero() {
		return nil, wakes, nil
	}
	// Nobody can be reached and nobody wakes: page the room all the same.
	return lists[len(lists)-1], time.Time{}, nil
}

// candidates are whom step n pages, in the order they are tried: the
// step's own, then the backup, then the room.
func (s *Service) candidates(ctx context.Context, inc *database.Incident, n int, step Step, members []id.UserID) ([][]id.UserID, error) {
	room := append(slices.DeleteFunc(slices.Clone(members), func(u id.UserID) bool { return u == s.mx.BotUserID() }), step.OnCall...)
	target := step.pages(n)
	if target == PageRoom {
		return [][]id.UserID{room}, nil
	}
	cur, next, ok, err := s.dutyOf(ctx, inc.CoalitionID)
	if err != nil || !ok {
		return [][]id.UserID{room}, err
	}
	for _, p := range []id.UserID{cur.Person, next.Person} {
		if !s.mx.IsJoined(ctx, inc.ResponderRoom, p) {
			return [][]id.UserID{room}, nil
		}
	}
	if target == PageDuty {
		return [][]id.UserID{{cur.Person}, {next.Person}, room}, nil
	}
	return [][]id.UserID{slices.Compact([]id.UserID{cur.Person, next.Person}), room}, nil
}
