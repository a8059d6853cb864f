package scheduler

import (
	"time"

	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/rotation"
)

// Shift is one person's turn on duty for incidents.
type Shift struct {
	Person     id.UserID
	Start, End time.Time
}

// DutyAnchor is the calendar day of the last hand-over at or before now,
// in zone: a new rota starts with its first person on duty at once.
func DutyAnchor(daily bool, weekday time.Weekday, minute int, zone *time.Location, now time.Time) string {
	local := now.In(zone)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for {
		if daily || day.Weekday() == weekday {
			if !At(day.Year(), day.Month(), day.Day(), minute/60, minute%60, zone).After(now) {
				return day.Format(time.DateOnly)
			}
		}
		day = day.AddDate(0, 0, -1)
	}
}

// DutyShifts are the shift under way at now and the one after it. Each
// hand-over is at the rota's time in the zone of the person taking over,
// so a shift is as long as the period give or take the zones' difference,
// and right across daylight-saving changes. ok is false for a rota of
// nobody, or one whose anchor cannot be read.
func DutyShifts(r *database.DutyRota, zoneOf func(id.UserID) *time.Location, away func(id.UserID) bool, now time.Time) (cur, next Shift, ok bool) {
	anchor, err := time.Parse(time.DateOnly, r.Anchor)
	if err != nil || len(r.People) == 0 {
		return Shift{}, Shift{}, false
	}
	period := 7
	if r.Daily {
		period = 1
	}
	n := len(r.People)
	start := func(k int) (Shift, bool) {
		// The hand-over is at the time of the person whose turn it is,
		// even when someone else takes it for them.
		scheduled := r.People[(k%n+n)%n]
		person, ok := rotation.Rotation(r.People).Turn(k, away)
		day := anchor.AddDate(0, 0, k*period)
		return Shift{Person: person, Start: At(day.Year(), day.Month(), day.Day(), r.Minute/60, r.Minute%60, zoneOf(scheduled))}, ok
	}
	k := int(now.Sub(anchor) / (time.Duration(period) * 24 * time.Hour))
	for range 4 {
		s, _ := start(k)
		if s.Start.After(now) {
			k--
			continue
		}
		n, _ := start(k + 1)
		if !n.Start.After(now) {
			k++
			continue
		}
		break
	}
	cur, okCur := start(k)
	next, okNext := start(k + 1)
	cur.End = next.Start
	after, _ := start(k + 2)
	next.End = after.Start
	return cur, next, okCur && okNext
}
