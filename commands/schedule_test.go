package commands

import (
	"strings"
	"testing"
	"time"
)

func TestScheduleCommands(t *testing.T) {
	h := newHarness(t)
	steps := []struct {
		name, sender, body, want string
	}{
		{"member may not add", string(user), "!checkin add every monday 18:00 | ¿Cómo estáis?", "only moderators"},
		{"missing bar", string(mod), "!checkin add every monday 18:00 hello there", "then the text"},
		{"bad time is explained with examples", string(mod), "!checkin add every blursday 18:00 | hi", "I don't understand `blursday`"},
		{"bad zone gets suggestions", string(mod), "!checkin add every monday 18:00 Europe/Madird | hi", "`Europe/Madrid`"},
		{"past date", string(mod), "!vigil add 2020-01-01 10:00 | old", "already passed"},
		{"bad window", string(mod), "!checkin add every monday 18:00 | hi | window forever", "window 12h"},
		{"check-in added", string(mod), "!checkin add every monday 18:00 | ¿Cómo estáis? rotate @a:test @b:test | window 12h", "Check-in `c1` added"},
		{"vigil added", string(mod), "!vigil add 2099-12-10 19:00 America/Santiago | Vigilia", "Vigil `v2` added and announced"},
		{"list for a member", string(user), "!schedule list", "2 check-ins and vigils"},
		{"members do not see RSVP counts", string(user), "!schedule", "Vigilia"},
		{"pause", string(mod), "!schedule pause c1", "`c1` is paused"},
		{"list shows paused", string(mod), "!schedule", "(paused)"},
		{"moderators see RSVP counts", string(mod), "!schedule", "0 coming"},
		{"resume", string(mod), "!schedule resume 1", "`c1` is running again"},
		{"unknown id", string(mod), "!schedule cancel v99", "no check-in or vigil `v99`"},
		{"cancel", string(mod), "!schedule cancel v2", "`v2` is cancelled"},
		{"cancelled is gone", string(user), "!schedule", "1 check-in or vigil"},
		{"calendar", string(user), "!calendar", "[file starling.ics"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			replies := h.say(room, userID(st.sender), st.body)
			if len(replies) != 1 || !strings.Contains(replies[0], st.want) {
				t.Fatalf("%q got %q, want %q", st.body, replies, st.want)
			}
		})
	}
	if got := h.say(room, user, "!schedule"); strings.Contains(got[0], "coming") {
		t.Fatalf("a member sees RSVP counts: %q", got)
	}
}

func TestParseDaysAndHours(t *testing.T) {
	today := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	days := []struct {
		in, from, until string
		ok              bool
	}{
		{in: "2026-12-20..2027-01-06", from: "2026-12-20", until: "2027-01-06", ok: true},
		{in: "2026-12-20-2027-01-06", from: "2026-12-20", until: "2027-01-06", ok: true},
		{in: "2026-12-20 al 2027-01-06", from: "2026-12-20", until: "2027-01-06", ok: true},
		{in: "2026-12-24", from: "2026-12-24", until: "2026-12-24", ok: true},
		{in: "2027-01-06..2026-12-20"},
		{in: "2026-11-01..2026-11-05"},
		{in: "2026-12-01 2026-12-02 2026-12-03"},
		{in: "2026-12-20..2028-01-06"},
		{in: "tomorrow"},
		{in: "2026-02-30"},
	}
	for _, tt := range days {
		from, until, ok := ParseDays(tt.in, today)
		if ok != tt.ok || ok && (from != tt.from || until != tt.until) {
			t.Errorf("ParseDays(%q) = %s, %s, %v; want %s, %s, %v", tt.in, from, until, ok, tt.from, tt.until, tt.ok)
		}
	}
	hours := []struct {
		in         string
		start, end int
		ok         bool
	}{
		{in: "23:00-07:00", start: 23 * 60, end: 7 * 60, ok: true},
		{in: "22h-6h30", start: 22 * 60, end: 6*60 + 30, ok: true},
		{in: "12:00 13:00", start: 12 * 60, end: 13 * 60, ok: true},
		{in: "00:00-23:59"}, // most of the day
		{in: "07:00-07:00"},
		{in: "25:00-26:00"},
		{in: "night"},
	}
	for _, tt := range hours {
		start, end, ok := ParseHours(tt.in)
		if ok != tt.ok || ok && (start != tt.start || end != tt.end) {
			t.Errorf("ParseHours(%q) = %d, %d, %v; want %d, %d, %v", tt.in, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}
