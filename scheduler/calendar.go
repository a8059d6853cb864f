package scheduler

import (
	"context"
	"fmt"
	"time"

	ics "github.com/arran4/golang-ical"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
)

// Calendar limits: how far ahead, and how many events at most.
const (
	calendarHorizon  = 90 * 24 * time.Hour
	calendarPerEntry = 30
	calendarMax      = 500
)

// Calendar writes the coming occurrences of the room's (and its
// coalition's) schedules as an iCalendar file, with times in UTC so any
// calendar app shows them in its own zone. It returns the file and the
// number of events.
func (s *Scheduler) Calendar(ctx context.Context, roomID id.RoomID) ([]byte, int, rooms.Origin, error) {
	from := rooms.Bot
	infos, err := s.Visible(ctx, roomID)
	if err != nil {
		return nil, 0, from, err
	}
	now := s.clock.Now()
	cal := ics.NewCalendar()
	cal.SetProductId("-//Starling//Check-ins and vigils//EN")
	cal.SetMethod(ics.MethodPublish)
	count := 0
	for _, info := range infos {
		sc := info.Schedule
		if sc.Paused {
			continue
		}
		rule, err := ruleOf(sc)
		if err != nil {
			continue
		}
		from = from.With(origin(sc))
		t := now
		for i := 0; i < calendarPerEntry && count < calendarMax; i++ {
			t = rule.Next(t)
			if t.IsZero() || t.Sub(now) > calendarHorizon {
				break
			}
			ev := cal.AddEvent(fmt.Sprintf("%s-%d@starling", ShortID(sc), t.Unix()))
			ev.SetDtStampTime(now.UTC())
			ev.SetStartAt(t.UTC())
			length := sc.Window
			summary := "Check-in: " + sc.Text
			if sc.Kind == database.KindVigil {
				length, summary = time.Hour, "Vigil: "+sc.Text
			}
			ev.SetEndAt(t.Add(length).UTC())
			ev.SetSummary(summary)
			ev.SetDescription(fmt.Sprintf("%s · %s (%s)", ShortID(sc), sc.When, sc.Zone))
			count++
		}
	}
	return []byte(cal.Serialize()), count, from, nil
}
