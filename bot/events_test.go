package bot

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"
	"maunium.net/go/mautrix/crypto"

	"starling/relay"
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

// A key store that cannot answer (PostgreSQL restarting) is no reason to
// give up on an event: only the event itself is.
func TestDecryptErrorKeepsWhatMayStillBeRead(t *testing.T) {
	tests := []struct {
		name string
		err  error
		bad  bool
	}{
		{name: "no key yet", err: fmt.Errorf("x: %w", crypto.ErrNoSessionFound)},
		{name: "database restarting", err: fmt.Errorf("failed to get group session: %w", &pq.Error{Code: "57P01"})},
		{name: "connection lost", err: fmt.Errorf("failed to get group session: %w", driver.ErrBadConn)},
		{name: "garbled content", err: errors.New("failed to parse megolm payload"), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(decryptError(tt.err), relay.ErrBadEvent); got != tt.bad {
				t.Errorf("bad event %v, want %v", got, tt.bad)
			}
		})
	}
}
