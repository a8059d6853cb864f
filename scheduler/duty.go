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
	// scheduled is whose turn it is on the rota, whoever takes it.
	scheduled id.UserID
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
	d = d.remembering()
	for count := 3; ; count *= 2 {
		turns, ok := d.turns(now, count)
		if !ok {
			return Shift{}, Shift{}, false
		}
		shifts := d.covered(turns, now)
		merged := mergeShifts(shifts)
		if len(merged) < 2 && count <= maxTurnsAhead {
			continue
		}
		if len(merged) < 2 {
			// One person takes every turn: they hand over to themselves.
			merged = shifts
		}
		return merged[0], merged[1], merged[0].Person != "" && merged[1].Person != ""
	}
}

// remembering asks each person's zone and absence once: a rota of one
// person looks far ahead for the next.
func (d Duty) remembering() Duty {
	zones, away := map[id.UserID]*time.Location{}, map[id.UserID]bool{}
	zoneOf, awayOf := d.ZoneOf, d.Away
	d.ZoneOf = func(u id.UserID) *time.Location {
		if z, ok := zones[u]; ok {
			return z
		}
		zones[u] = zoneOf(u)
		return zones[u]
	}
	if awayOf != nil {
		d.Away = func(u id.UserID) bool {
			if a, ok := away[u]; ok {
				return a
			}
			away[u] = awayOf(u)
			return away[u]
		}
	}
	return d
}

// NextTurn is person's own turn (covers aside) under way at now or next to
// come, within twice the rota's length; ok is false when there is none.
func (d Duty) NextTurn(person id.UserID, now time.Time) (Shift, bool) {
	turns, ok := d.remembering().turns(now, 2*len(d.Rota.People)+2)
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
const maxTurnsAhead = 96

// turns are count turns of the rota, from the one under way at now; a turn
// whose people are all away has no Person.
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
	start := func(k int) Shift {
		// The hand-over is at the time of the person whose turn it is,
		// even when someone else takes it for them.
		scheduled := r.People[(k%n+n)%n]
		person, _ := rotation.Rotation(r.People).Turn(k, d.Away)
		day := anchor.AddDate(0, 0, k*period)
		return Shift{Person: person, scheduled: scheduled,
			Start: At(day.Year(), day.Month(), day.Day(), r.Minute/60, r.Minute%60, d.ZoneOf(scheduled))}
	}
	k := int(now.Sub(anchor) / (time.Duration(period) * 24 * time.Hour))
	for range 4 {
		if start(k).Start.After(now) {
			k--
			continue
		}
		if !start(k + 1).Start.After(now) {
			k++
			continue
		}
		break
	}
	turns := make([]Shift, count)
	for i := range turns {
		turns[i] = start(k + i)
	}
	for i := range turns {
		if i+1 < len(turns) {
			turns[i].End = turns[i+1].Start
		} else {
			turns[i].End = start(k + count).Start
		}
	}
	return turns, true
}

// covered cuts the turns where covers begin and end, gives each piece to
// whoever covers its person then (the latest cover offered, unless its
// taker is away), and drops what ended by now. A cover is of a person's
// turns whoever would take them: covering someone away is what covers are
// most for.
func (d Duty) covered(turns []Shift, now time.Time) []Shift {
	var out []Shift
	for _, t := range turns {
		cuts := []time.Time{t.Start, t.End}
		for _, c := range d.Covers {
			if !t.coveredBy(c) {
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
				if t.coveredBy(c) && !c.Start.After(piece.Start) && !c.Until.Before(piece.End) && (d.Away == nil || !d.Away(c.Cover)) {
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

// coveredBy tells whether c is a cover of the person of the turn, or of the
// person it was passed over from.
func (t Shift) coveredBy(c *database.DutyCover) bool {
	return c.Person == t.Person || c.Person == t.scheduled
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
