package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"starling/internal/testenv"
)

// TestHealthAndMetrics reads the bot's own /health and /metrics as a
// monitoring system would, after real commands in an encrypted room.
func TestHealthAndMetrics(t *testing.T) {
	s := newScene(t)
	base := s.bot.MonitorURL()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("monitoring is not on the local host: %s", base)
	}
	s.ask(t, s.alice, "!help")
	s.ask(t, s.alice, "!help")
	s.ask(t, s.alice, "!tz me Europe/Madrid")

	var health struct {
		Status   string `json:"status"`
		LastSync string `json:"last_sync"`
	}
	code, body := httpGet(t, base+"/health")
	if err := json.Unmarshal([]byte(body), &health); err != nil || code != http.StatusOK || health.Status != "ok" {
		t.Fatalf("health of a synced bot: %d %s", code, body)
	}
	if last, err := time.Parse(time.RFC3339, health.LastSync); err != nil || time.Since(last) > time.Minute {
		t.Fatalf("health's last sync %q is not recent", health.LastSync)
	}

	metrics, values := metricValues(t, base)
	for name, want := range map[string]float64{
		`starling_commands_total{command="help"}`:  2,
		`starling_commands_total{command="tz me"}`: 1,
		`starling_relay_pending_deliveries`:        0,
		`starling_incidents_unacknowledged`:        0,
		`starling_schedules_active`:                0,
	} {
		if got, ok := values[name]; !ok || got != want {
			t.Errorf("%s = %v (present %v); want %v", name, got, ok, want)
		}
	}
	if sent := values["starling_messages_sent_total"]; sent < 3 {
		t.Errorf("starling_messages_sent_total = %v after three replies", sent)
	}
	if syncs := values["starling_sync_responses_total"]; syncs < 1 {
		t.Errorf("starling_sync_responses_total = %v", syncs)
	}
	// The bot's own share of each answer's round trip is told apart.
	if n, sum := values[`starling_handling_seconds_count{work="answer"}`], values[`starling_handling_seconds_sum{work="answer"}`]; n < 3 || sum <= 0 || sum/n > 5 {
		t.Errorf("the bot's own time per answer: %v answers, %v s in all", n, sum)
	}
	if t.Failed() {
		t.Log(metrics)
	}
}

func httpGet(t testing.TB, url string) (int, string) {
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

// metricValues reads the bot's /metrics: the text, and each value by name.
func metricValues(t testing.TB, base string) (string, map[string]float64) {
	t.Helper()
	_, metrics := httpGet(t, base+"/metrics")
	values := map[string]float64{}
	for _, line := range strings.Split(metrics, "\n") {
		// The value follows the last space: label values may hold spaces.
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			values[line[:i]], _ = strconv.ParseFloat(line[i+1:], 64)
		}
	}
	return metrics, values
}

// waitRelayDone waits until the bot has no delivery left in its queue: a
// copy shows in its room a moment before the bot has recorded it sent.
func waitRelayDone(t testing.TB, bot *testenv.Bot) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, values := metricValues(t, bot.MonitorURL())
		if values["starling_relay_pending_deliveries"] == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bot still has %v deliveries to make", values["starling_relay_pending_deliveries"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}
