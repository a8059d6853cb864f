package scheduler

import (
	"slices"
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

// Duty is what decides who is on duty: the rota, each person's zone and
// absence, and the covers agreed.
type Duty struct {
	Rota   *database.DutyRota
	ZoneOf func(id.UserID) *time.Location
	// Away tells who is away (nil: nobody is).
	Away   func(id.UserID) bool
	Covers []*database.DutyCover
}

// Shifts are the shift under way at now and the one after it, each a
// different person's when the rota has more than one. Each hand-over is at
// the rota's time in the zone of the person taking over, so a shift is as
// long as the period give or take the zones' difference, and right across
// daylight-saving changes; a cover hands part of a turn to someone else.
// ok is false for a rota of nobody, one whose anchor cannot be read, or
// one whose people are all away.
func (d Duty) Shifts(now time.Time) (cur, next Shift, ok bool) {
	for count := 3; ; count *= 2 {
		turns, ok := d.turns(now, count)
		if !ok {
			return Shift{}, Shift{}, false
		}
		shifts := d.covered(turns, now)
		if merged := mergeShifts(shifts); len(merged) >= 2 {
			return merged[0], merged[1], true
		}
		if count > 2*maxTurnsAhead {
			// One person takes every turn: they hand over to themselves.
			return shifts[0], shifts[1], true
		}
	}
}

// NextTurn is person's own turn (covers aside) under way at now or next to
// come, within twice the rota's length; ok is false when there is none.
func (d Duty) NextTurn(person id.UserID, now time.Time) (Shift, bool) {
	turns, ok := d.turns(now, 2*len(d.Rota.People)+2)
	if !ok {
		return Shift{}, false
	}
	for _, t := range turns {
		if t.Person == person {
			return t, true
		}
	}
	return Shift{}, false
}

// maxTurnsAhead bounds how far covers are followed to find the next person.
const maxTurnsAhead = 128

// turns are count turns of the rota, from the one under way at now.
func (d Duty) turns(now time.Time, count int) ([]Shift, bool) {
	r := d.Rota
	anchor, err := time.Parse(time.DateOnly, r.Anchor)
	if err != nil || len(r.People) == 0 {
		return nil, false
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
		person, ok := rotation.Rotation(r.People).Turn(k, d.Away)
		day := anchor.AddDate(0, 0, k*period)
		return Shift{Person: person, Start: At(day.Year(), day.Month(), day.Day(), r.Minute/60, r.Minute%60, d.ZoneOf(scheduled))}, ok
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
	turns := make([]Shift, count)
	for i := range turns {
		s, ok := start(k + i)
		if !ok {
			return nil, false
		}
		turns[i] = s
	}
	for i := range turns {
		if i+1 < len(turns) {
			turns[i].End = turns[i+1].Start
		} else {
			after, _ := start(k + count)
			turns[i].End = after.Start
		}
	}
	return turns, true
}

// covered cuts the turns where covers begin and end, gives each piece to
// whoever covers its person then (the latest cover agreed, unless its
// taker is away), and drops what ended by now.
func (d Duty) covered(turns []Shift, now time.Time) []Shift {
	var out []Shift
	for _, t := range turns {
		cuts := []time.Time{t.Start, t.End}
		for _, c := range d.Covers {
			if c.Person != t.Person {
				continue
			}
			for _, at := range []time.Time{c.Start, c.Until} {
				if at.After(t.Start) && at.Before(t.End) {
					cuts = append(cuts, at)
				}
			}
		}
		slices.SortFunc(cuts, time.Time.Compare)
		cuts = slices.CompactFunc(cuts, time.Time.Equal)
		for i := 0; i+1 < len(cuts); i++ {
			piece := Shift{Person: t.Person, Start: cuts[i], End: cuts[i+1]}
			for _, c := range d.Covers {
				if c.Person == t.Person && !c.Start.After(piece.Start) && !c.Until.Before(piece.End) && (d.Away == nil || !d.Away(c.Cover)) {
					piece.Person = c.Cover
				}
			}
			if piece.End.After(now) {
				out = append(out, piece)
			}
		}
	}
	return out
}

// mergeShifts joins shifts one after the other of the same person.
func mergeShifts(shifts []Shift) []Shift {
	var out []Shift
	for _, s := range shifts {
		if last := len(out) - 1; last >= 0 && out[last].Person == s.Person && out[last].End.Equal(s.Start) {
			out[last].End = s.End
			continue
		}
		out = append(out, s)
	}
	return out
}
