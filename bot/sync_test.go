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

// A response whose handling keeps meeting trouble is replayed a bounded
// number of times, then passed: nothing, not even a crafted event, stops
// the sync for good.
func TestAReplayIsBounded(t *testing.T) {
	s := newTrackingSyncer()
	replays := 0
	for range maxReplays + 5 {
		s.replayLater(errors.New("database unreachable"))
		if s.takeReplay("s1") == nil {
			break
		}
		replays++
	}
	if replays != maxReplays {
		t.Fatalf("replayed %d times, want %d", replays, maxReplays)
	}
	s.replayLater(errors.New("database unreachable"))
	if s.takeReplay("s2") == nil {
		t.Fatal("the next response's trouble was not replayed")
	}
	if s.takeReplay("s2") != nil {
		t.Fatal("a response without trouble was replayed")
	}
}
