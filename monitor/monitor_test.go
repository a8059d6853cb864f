package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func serve(t *testing.T, healthy func(context.Context) error, gauges []Gauge) string {
	t.Helper()
	s, err := New("127.0.0.1:0", healthy, gauges, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + s.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

func TestHealth(t *testing.T) {
	var problem error
	base := serve(t, func(context.Context) error { return problem }, nil)
	for _, tc := range []struct {
		name       string
		problem    error
		wantCode   int
		wantStatus string
	}{
		{name: "healthy", wantCode: http.StatusOK, wantStatus: "ok"},
		{name: "database down", problem: errors.New("database unreachable"), wantCode: http.StatusServiceUnavailable, wantStatus: "unhealthy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problem = tc.problem
			code, body := get(t, base+"/health")
			var report healthReport
			if err := json.Unmarshal([]byte(body), &report); err != nil {
				t.Fatalf("health is not JSON: %q", body)
			}
			if code != tc.wantCode || report.Status != tc.wantStatus {
				t.Fatalf("got %d %+v; want %d %s", code, report, tc.wantCode, tc.wantStatus)
			}
			if tc.problem != nil && report.Problem != tc.problem.Error() {
				t.Fatalf("problem %q not reported: %+v", tc.problem, report)
			}
		})
	}
}

func TestMetricsExposeCountersAndGauges(t *testing.T) {
	base := serve(t, func(context.Context) error { return nil }, []Gauge{
		{Name: "starling_test_queue", Read: func(context.Context) (int, error) { return 7, nil }},
		{Name: "starling_test_broken", Read: func(context.Context) (int, error) { return 0, errors.New("no") }},
	})
	// Counters are process-wide: compare what one scrape adds to another.
	scrape := func() map[string]float64 {
		code, body := get(t, base+"/metrics")
		if code != http.StatusOK {
			t.Fatalf("metrics answered %d", code)
		}
		values := map[string]float64{}
		for _, line := range strings.Split(body, "\n") {
			if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
				values[line[:i]], _ = strconv.ParseFloat(line[i+1:], 64)
			}
		}
		return values
	}
	before := scrape()
	Command("lang room")
	Command("lang room")
	Translated("apertium", 30*time.Millisecond, nil)
	Translated("apertium", 0, errors.New("down"))
	Relayed(RelayDropped)
	Paged()
	SchedulePosted("brief")
	BriefingRead()
	RetroOpened()
	IncidentAcked(90 * time.Second)
	Synced(time.Unix(1700000000, 0))
	Handing(Received(context.Background(), WorkAnswer, time.Now().Add(-30*time.Millisecond)))
	Handing(Received(context.Background(), WorkCopy, time.Now().Add(-3*time.Second)))
	Handing(context.Background()) // a send for no event: a schedule's post
	after := scrape()
	for _, tc := range []struct {
		name  string
		delta float64
	}{
		{`starling_commands_total{command="lang room"}`, 2},
		{`starling_translations_total{engine="apertium"}`, 1},
		{`starling_translation_failures_total`, 1},
		{`starling_translation_seconds_bucket{le="0.05"}`, 1},
		{`starling_translation_seconds_bucket{le="0.025"}`, 0},
		{`starling_relay_deliveries_total{result="dropped"}`, 1},
		{`starling_relay_deliveries_total{result="delivered"}`, 0},
		{`starling_incident_pages_total`, 1},
		{`starling_schedule_posts_total{kind="brief"}`, 1},
		{`starling_briefing_reads_total`, 1},
		{`starling_retros_opened_total`, 1},
		{`starling_incident_acks_total`, 1},
		{`starling_incident_time_to_ack_seconds_bucket{le="120"}`, 1},
		{`starling_incident_time_to_ack_seconds_bucket{le="60"}`, 0},
		{`starling_handling_seconds_bucket{work="answer",le="0.05"}`, 1},
		{`starling_handling_seconds_bucket{work="answer",le="0.02"}`, 0},
		{`starling_handling_seconds_count{work="answer"}`, 1},
		{`starling_handling_seconds_bucket{work="copy",le="5"}`, 1},
		{`starling_handling_seconds_bucket{work="copy",le="2"}`, 0},
		{`starling_handling_seconds_count{work="copy"}`, 1},
	} {
		if got := after[tc.name] - before[tc.name]; got != tc.delta {
			t.Errorf("%s went up by %v, want %v", tc.name, got, tc.delta)
		}
	}
	for name, want := range map[string]float64{
		"starling_last_sync_timestamp_seconds": 1700000000,
		"starling_test_queue":                  7,
		"starling_test_broken":                 -1,
	} {
		if got, ok := after[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if _, ok := after["go_goroutines"]; !ok {
		t.Error("Go process metrics are missing")
	}
}

// Profiles are served only when asked for.
func TestProfilesOnlyWhenConfigured(t *testing.T) {
	for _, on := range []bool{false, true} {
		s, err := New("127.0.0.1:0", func(context.Context) error { return nil }, nil, zerolog.Nop())
		if err != nil {
			t.Fatal(err)
		}
		if on {
			s.Profile()
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); s.Serve(ctx) }()
		code, body := get(t, "http://"+s.Addr().String()+"/debug/pprof/")
		cancel()
		<-done
		if got := code == http.StatusOK && strings.Contains(body, "goroutine"); got != on {
			t.Errorf("profiling %v: /debug/pprof/ answered %d", on, code)
		}
	}
}

func TestListenErrorNamesAddress(t *testing.T) {
	_, err := New("127.0.0.1:99999", nil, nil, zerolog.Nop())
	if err == nil || !strings.Contains(err.Error(), "127.0.0.1:99999") {
		t.Fatalf("bad port accepted or not named: %v", err)
	}
}

func TestCloseReleasesThePort(t *testing.T) {
	s, err := New("127.0.0.1:0", nil, nil, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	if err = s.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := New(addr, nil, nil, zerolog.Nop())
	if err != nil {
		t.Fatalf("port still taken after Close: %v", err)
	}
	_ = again.Close()
}
