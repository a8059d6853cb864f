package scheduler

import (
	"testing"
	"time"

	"maunium.net/go/mautrix/id"

	"starling/database"
)

// Three responders in Madrid, Santiago and Manila hand over every Monday at
// 09:00 in their own zone; Madrid leaves summer time on 25 October 2026.
func TestDutyShifts(t *testing.T) {
	zones := map[id.UserID]string{"@ana:x": "Europe/Madrid", "@bea:x": "America/Santiago", "@cai:x": "Asia/Manila"}
	zoneOf := func(u id.UserID) *time.Location {
		loc, err := time.LoadLocation(zones[u])
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	created := time.Date(2026, 10, 19, 8, 0, 0, 0, time.UTC) // 10:00 in Madrid, a Monday
	rota := &database.DutyRota{People: []id.UserID{"@ana:x", "@bea:x", "@cai:x"}, Weekday: time.Monday, Minute: 9 * 60,
		Anchor: DutyAnchor(false, time.Monday, 9*60, zoneOf("@ana:x"), created)}
	if rota.Anchor != "2026-10-19" {
		t.Fatalf("anchor %s, want the hand-over of that morning", rota.Anchor)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	beaAway := func(u id.UserID) bool { return u == "@bea:x" }
	tests := []struct {
		name      string
		now       string
		away      func(id.UserID) bool
		cur, next id.UserID
		nextStart string // UTC
	}{
		{name: "the first shift, from its start", now: "2026-10-19 08:00:00", cur: "@ana:x", next: "@bea:x", nextStart: "2026-10-26 12:00:00"},
		{name: "Madrid's Monday morning is not yet Santiago's", now: "2026-10-26 11:59:00", cur: "@ana:x", next: "@bea:x", nextStart: "2026-10-26 12:00:00"},
		{name: "Santiago takes over at its 09:00", now: "2026-10-26 12:00:00", cur: "@bea:x", next: "@cai:x", nextStart: "2026-11-02 01:00:00"},
		{name: "Madrid's 09:00 after the change to winter time", now: "2026-11-05 00:00:00", cur: "@cai:x", next: "@ana:x", nextStart: "2026-11-09 08:00:00"},
		{name: "weeks later it has come round", now: "2026-11-16 00:00:00", cur: "@ana:x", next: "@bea:x", nextStart: "2026-11-16 12:00:00"},
		{name: "someone away is passed over", now: "2026-10-28 00:00:00", away: beaAway, cur: "@cai:x", next: "@ana:x", nextStart: "2026-11-09 08:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, next, ok := Duty{Rota: rota, ZoneOf: zoneOf, Away: tt.away}.Shifts(utc(tt.now))
			if !ok || cur.Person != tt.cur || next.Person != tt.next || !next.Start.Equal(utc(tt.nextStart)) || !cur.End.Equal(next.Start) {
				t.Errorf("at %s: %s until %s, then %s from %s (ok %v); want %s, then %s from %s", tt.now, cur.Person, cur.End.UTC(),
					next.Person, next.Start.UTC(), ok, tt.cur, tt.next, tt.nextStart)
			}
		})
	}
}

// Someone covering another's turn takes exactly the part of it the cover
// spans; a cover whose taker is away leaves the turn as it was.
func TestDutyCovers(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.DateTime, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	rota := &database.DutyRota{People: []id.UserID{"@ana:x", "@bea:x", "@cai:x"}, Daily: true, Minute: 9 * 60, Anchor: "2026-12-10"}
	cover := &database.DutyCover{Person: "@bea:x", Cover: "@cai:x", Start: utc("2026-12-11 12:00:00"), Until: utc("2026-12-11 18:00:00")}
	swapped := []*database.DutyCover{
		{Person: "@ana:x", Cover: "@cai:x", Start: utc("2026-12-10 09:00:00"), Until: utc("2026-12-11 09:00:00")},
		{Person: "@cai:x", Cover: "@ana:x", Start: utc("2026-12-12 09:00:00"), Until: utc("2026-12-13 09:00:00")},
	}
	tests := []struct {
		name       string
		now        string
		covers     []*database.DutyCover
		away       func(id.UserID) bool
		cur, next  id.UserID
		until, end string // UTC: when cur hands over, and next does
	}{
		{name: "before the cover, its start ends the turn", now: "2026-12-11 10:00:00", covers: []*database.DutyCover{cover},
			cur: "@bea:x", next: "@cai:x", until: "2026-12-11 12:00:00", end: "2026-12-11 18:00:00"},
		{name: "during it, the cover is on duty", now: "2026-12-11 13:00:00", covers: []*database.DutyCover{cover},
			cur: "@cai:x", next: "@bea:x", until: "2026-12-11 18:00:00", end: "2026-12-12 09:00:00"},
		{name: "after it, the turn is its own again", now: "2026-12-11 19:00:00", covers: []*database.DutyCover{cover},
			cur: "@bea:x", next: "@cai:x", until: "2026-12-12 09:00:00", end: "2026-12-13 09:00:00"},
		{name: "a cover away is no cover", now: "2026-12-11 13:00:00", covers: []*database.DutyCover{cover},
			away: func(u id.UserID) bool { return u == "@cai:x" }, cur: "@bea:x", next: "@ana:x", until: "2026-12-12 09:00:00", end: "2026-12-14 09:00:00"},
		{name: "a swap: cai takes ana's turn, and ana cai's", now: "2026-12-10 10:00:00", covers: swapped,
			cur: "@cai:x", next: "@bea:x", until: "2026-12-11 09:00:00", end: "2026-12-12 09:00:00"},
		{name: "the swap's other half runs into ana's own turn", now: "2026-12-12 10:00:00", covers: swapped,
			cur: "@ana:x", next: "@bea:x", until: "2026-12-14 09:00:00", end: "2026-12-15 09:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Duty{Rota: rota, ZoneOf: func(id.UserID) *time.Location { return time.UTC }, Away: tt.away, Covers: tt.covers}
			cur, next, ok := d.Shifts(utc(tt.now))
			if !ok || cur.Person != tt.cur || next.Person != tt.next || !cur.End.Equal(utc(tt.until)) || !next.Start.Equal(cur.End) || !next.End.Equal(utc(tt.end)) {
				t.Errorf("at %s: %s until %s, then %s until %s (ok %v); want %s until %s, then %s until %s", tt.now, cur.Person, cur.End.UTC(),
					next.Person, next.End.UTC(), ok, tt.cur, tt.until, tt.next, tt.end)
			}
		})
	}
	// Covering someone away: the cover takes their turn, not the next person.
	away := func(u id.UserID) bool { return u == "@bea:x" }
	holiday := []*database.DutyCover{{Person: "@bea:x", Cover: "@dan:x", Start: utc("2026-12-11 00:00:00"), Until: utc("2026-12-13 00:00:00")}}
	cur, next, ok := Duty{Rota: rota, ZoneOf: func(id.UserID) *time.Location { return time.UTC }, Away: away, Covers: holiday}.Shifts(utc("2026-12-11 10:00:00"))
	if !ok || cur.Person != "@dan:x" || next.Person != "@cai:x" {
		t.Errorf("bea away and covered: %s then %s (ok %v); want dan then cai", cur.Person, next.Person, ok)
	}
	everyone := func(id.UserID) bool { return true }
	if cur, _, ok = (Duty{Rota: rota, ZoneOf: func(id.UserID) *time.Location { return time.UTC }, Away: everyone}).Shifts(utc("2026-12-11 10:00:00")); ok {
		t.Errorf("everyone away, yet %s is on duty", cur.Person)
	}
	// A rota of one looks far ahead, asking each person's zone once.
	asked := 0
	one := &database.DutyRota{People: []id.UserID{"@ana:x"}, Daily: true, Minute: 9 * 60, Anchor: "2026-12-10"}
	cur, next, ok = Duty{Rota: one, ZoneOf: func(id.UserID) *time.Location { asked++; return time.UTC }}.Shifts(utc("2026-12-11 10:00:00"))
	if !ok || cur.Person != "@ana:x" || next.Person != "@ana:x" || asked != 1 {
		t.Errorf("rota of one: %s then %s (ok %v), zone asked %d times", cur.Person, next.Person, ok, asked)
	}

	turn, ok := Duty{Rota: rota, ZoneOf: func(id.UserID) *time.Location { return time.UTC }}.NextTurn("@ana:x", utc("2026-12-10 10:00:00"))
	if !ok || !turn.Start.Equal(utc("2026-12-10 09:00:00")) || !turn.End.Equal(utc("2026-12-11 09:00:00")) {
		t.Errorf("ana's turn under way: %v %v", turn, ok)
	}
}
