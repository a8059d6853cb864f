package scheduler

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"starling/database"
)

// The calendar parses back with the right events at the right instants.
func TestCalendarParsesBack(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, filepath.Join(t.TempDir(), "s.db"), madrid(t, "2026-11-22 12:00"))
	f.coalition(t)
	_, _, err := f.s.Add(ctx, NewSchedule{Kind: database.KindCheckin, RoomID: "!es:test", By: "@ana:test", When: "every monday 18:00", Text: "Informe"})
	must(t, err)
	_, _, err = f.s.Add(ctx, NewSchedule{Kind: database.KindVigil, RoomID: "!en:test", By: "@ana:test", When: "2026-12-10 19:00 America/Santiago", Text: "Vigilia"})
	must(t, err)
	data, n, _, err := f.s.Calendar(ctx, "!es:test")
	must(t, err)
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("calendar does not parse: %v\n%s", err, data)
	}
	events := cal.Events()
	// 13 Mondays in 90 days from 22 November, plus the vigil.
	if len(events) != 14 || n != 14 {
		t.Fatalf("%d events (reported %d), want 14", len(events), n)
	}
	starts := map[string]bool{}
	for _, e := range events {
		at, err := e.GetStartAt()
		must(t, err)
		starts[at.UTC().Format(time.RFC3339)] = true
	}
	for _, want := range []string{"2026-11-23T17:00:00Z", "2026-12-10T22:00:00Z", "2027-02-15T17:00:00Z"} {
		if !starts[want] {
			t.Errorf("no event starting at %s", want)
		}
	}
}
