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
		{name: "someone away is passed over", now: "2026-10-28 00:00:00", away: beaAway, cur: "@cai:x", next: "@cai:x", nextStart: "2026-11-02 01:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, next, ok := DutyShifts(rota, zoneOf, tt.away, utc(tt.now))
			if !ok || cur.Person != tt.cur || next.Person != tt.next || !next.Start.Equal(utc(tt.nextStart)) || !cur.End.Equal(next.Start) {
				t.Errorf("at %s: %s until %s, then %s from %s (ok %v); want %s, then %s from %s", tt.now, cur.Person, cur.End.UTC(),
					next.Person, next.Start.UTC(), ok, tt.cur, tt.next, tt.nextStart)
			}
		})
	}
}
