package bot

import (
	"errors"
	"testing"
	"time"

	"starling/monitor"
)

func TestAnOutageNotABlipIsSwept(t *testing.T) {
	s := newTrackingSyncer()
	monitor.Synced(time.Now())
	if _, err := s.OnFailedSync(nil, errors.New("connection reset")); err != nil {
		t.Fatal(err)
	}
	if s.sweepDue() {
		t.Fatal("one failed sync led to reading back every room")
	}
	s.failingSince = time.Now().Add(-minOutage)
	if _, err := s.OnFailedSync(nil, errors.New("connection refused")); err != nil {
		t.Fatal(err)
	}
	if !s.sweepDue() || s.sweepDue() {
		t.Fatal("after an outage the rooms are read back at once, and the second time only later")
	}
}
