package bot

import (
	"testing"
	"time"
)

func TestLateCommandRule(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		sent, told time.Time
		late, tell bool
	}{
		{"just sent: run", now.Add(-time.Second), time.Time{}, false, false},
		{"nine minutes old: still run", now.Add(-9 * time.Minute), time.Time{}, false, false},
		{"ten minutes old: not run, sender told", now.Add(-10 * time.Minute), time.Time{}, true, true},
		{"sent while the bot was down for hours", now.Add(-5 * time.Hour), time.Time{}, true, true},
		{"told twenty minutes ago: not told again", now.Add(-time.Hour), now.Add(-20 * time.Minute), true, false},
		{"told over an hour ago: told again", now.Add(-2 * time.Hour), now.Add(-61 * time.Minute), true, true},
		{"a clock ahead of the bot's: run", now.Add(time.Minute), time.Time{}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			late, tell := lateCommand(now, tc.sent, tc.told)
			if late != tc.late || tell != tc.tell {
				t.Fatalf("late %v tell %v, want %v %v", late, tell, tc.late, tc.tell)
			}
		})
	}
}
