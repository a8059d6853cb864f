package commands

import (
	"strings"
	"testing"
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
