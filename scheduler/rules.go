package scheduler

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// A Rule gives the occurrences of a schedule. Every rule implements
// robfig/cron's Schedule, so the cron runner can drive it.
type Rule interface {
	cron.Schedule
	// Zone is where the rule's wall-clock times are read.
	Zone() *time.Location
}

// At is the instant that shows the given wall-clock time in loc. A time
// that occurs twice (clocks set back) is its first occurrence; a time that
// does not exist (clocks set forward) is moved on by the length of the gap,
// so 02:30 on the night Madrid jumps from 02:00 to 03:00 is 03:30.
func At(year int, month time.Month, day, hour, minute int, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
	want := wall.Format(time.DateTime)
	var best time.Time
	for _, probe := range []time.Duration{-12 * time.Hour, 0, 12 * time.Hour} {
		_, offset := wall.Add(probe).In(loc).Zone()
		cand := wall.Add(-time.Duration(offset) * time.Second).In(loc)
		if cand.Format(time.DateTime) == want && (best.IsZero() || cand.Before(best)) {
			best = cand
		}
	}
	if !best.IsZero() {
		return best
	}
	_, before := wall.Add(-12 * time.Hour).In(loc).Zone()
	return wall.Add(-time.Duration(before) * time.Second).In(loc)
}

// ClockTime is a wall-clock time of day.
type ClockTime struct{ Hour, Minute int }

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Weekly fires on the given weekdays every Interval weeks, counting weeks
// from the one holding Anchor.
type Weekly struct {
	Days     [7]bool // indexed by time.Weekday
	At       ClockTime
	Interval int
	Anchor   time.Time
	Loc      *time.Location
}

func (w *Weekly) Zone() *time.Location { return w.Loc }

func (w *Weekly) Next(after time.Time) time.Time {
	local := after.In(w.Loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, time.UTC)
	anchor := weekStart(w.Anchor.In(w.Loc))
	interval := max(w.Interval, 1)
	for i := 0; i < 7*interval+8; i++ {
		d := day.AddDate(0, 0, i)
		if !w.Days[d.Weekday()] {
			continue
		}
		weeks := int(weekStart(d).Sub(anchor).Hours()+12) / (24 * 7)
		if ((weeks%interval)+interval)%interval != 0 {
			continue
		}
		if t := At(d.Year(), d.Month(), d.Day(), w.At.Hour, w.At.Minute, w.Loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

// weekStart is the Monday (as a UTC noon date) of the week holding t's date.
func weekStart(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, time.UTC)
	offset := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -offset)
}

// MonthlyNth fires on the Nth weekday (N = -1: the last) of every
// Interval months, counting months from the one holding Anchor.
type MonthlyNth struct {
	N        int
	Weekday  time.Weekday
	At       ClockTime
	Loc      *time.Location
	Interval int
	Anchor   time.Time
}

func (m *MonthlyNth) Zone() *time.Location { return m.Loc }

func (m *MonthlyNth) Next(after time.Time) time.Time {
	local := after.In(m.Loc)
	interval := max(m.Interval, 1)
	anchor := m.Anchor.In(m.Loc)
	for i := 0; i < 12*interval+2; i++ {
		first := time.Date(local.Year(), local.Month()+time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		if interval > 1 {
			months := (first.Year()-anchor.Year())*12 + int(first.Month()) - int(anchor.Month())
			if (months%interval+interval)%interval != 0 {
				continue
			}
		}
		day, ok := nthWeekday(first, m.N, m.Weekday)
		if !ok {
			continue
		}
		if t := At(day.Year(), day.Month(), day.Day(), m.At.Hour, m.At.Minute, m.Loc); t.After(after) {
			return t
		}
	}
	return time.Time{}
}

func nthWeekday(first time.Time, n int, wd time.Weekday) (time.Time, bool) {
	if n > 0 {
		d := first.AddDate(0, 0, (int(wd)-int(first.Weekday())+7)%7+7*(n-1))
		return d, d.Month() == first.Month()
	}
	last := first.AddDate(0, 1, -1)
	return last.AddDate(0, 0, -((int(last.Weekday()) - int(wd) + 7) % 7)), true
}

// Once fires a single time.
type Once struct {
	Time time.Time
}

func (o *Once) Zone() *time.Location { return o.Time.Location() }

func (o *Once) Next(after time.Time) time.Time {
	if o.Time.After(after) {
		return o.Time
	}
	return time.Time{}
}

// Cron is a five-field cron expression read in a zone.
type Cron struct {
	schedule cron.Schedule
	Loc      *time.Location
}

func (c *Cron) Zone() *time.Location { return c.Loc }

func (c *Cron) Next(after time.Time) time.Time { return c.schedule.Next(after) }
