// Package monitor serves /health and /metrics (Prometheus text format) on a
// local HTTP port, and holds the counters the rest of Starling updates.
package monitor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/rs/zerolog"
)

// Counters are process-wide; labels only ever take values from fixed sets
// (command names, engine names), never from what people type.
var (
	syncResponses       = metrics.NewCounter(`starling_sync_responses_total`)
	messagesSent        = metrics.NewCounter(`starling_messages_sent_total`)
	sendFailures        = metrics.NewCounter(`starling_send_failures_total`)
	sendsRefused        = metrics.NewCounter(`starling_sends_refused_total`)
	relayDelivered      = metrics.NewCounter(`starling_relay_deliveries_total{result="delivered"}`)
	relayRetried        = metrics.NewCounter(`starling_relay_deliveries_total{result="retry"}`)
	relayDropped        = metrics.NewCounter(`starling_relay_deliveries_total{result="dropped"}`)
	rateLimited         = metrics.NewCounter(`starling_rate_limited_total`)
	translationFailures = metrics.NewCounter(`starling_translation_failures_total`)
	translationSeconds  = metrics.NewPrometheusHistogram(`starling_translation_seconds`)
	incidentPages       = metrics.NewCounter(`starling_incident_pages_total`)
	briefingReads       = metrics.NewCounter(`starling_briefing_reads_total`)
	retrosOpened        = metrics.NewCounter(`starling_retros_opened_total`)
	incidentAcks        = metrics.NewCounter(`starling_incident_acks_total`)
	// Taking an incident takes minutes to hours, not the default's seconds.
	incidentAckSeconds = metrics.NewPrometheusHistogramExt(`starling_incident_time_to_ack_seconds`,
		[]float64{30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400})

	lastSync atomic.Int64 // unix nanoseconds of the last processed sync

	syncFailure atomic.Pointer[failure] // the last failed sync
)

type failure struct {
	at  time.Time
	err error
}

func init() {
	metrics.NewGauge(`starling_last_sync_timestamp_seconds`, func() float64 {
		return float64(lastSync.Load()) / 1e9
	})
}

// Synced records a processed sync response.
func Synced(at time.Time) {
	syncResponses.Inc()
	lastSync.Store(at.UnixNano())
}

// SyncFailed records a sync request that failed.
func SyncFailed(at time.Time, err error) {
	syncFailure.Store(&failure{at: at, err: err})
}

// SyncFailing is the error of the last sync request if it failed after the
// last processed one: the homeserver is unreachable now.
func SyncFailing() error {
	f := syncFailure.Load()
	if f == nil || f.at.Before(LastSync()) {
		return nil
	}
	return f.err
}

// LastSync is when the last sync response was processed (zero before one).
func LastSync() time.Time {
	if n := lastSync.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// Sent counts one event sent to the homeserver, or one that failed.
func Sent(err error) {
	if err != nil {
		sendFailures.Inc()
	} else {
		messagesSent.Inc()
	}
}

// Panicked counts a panic contained in unattended work (what: a fixed name
// such as "relay" or "event").
func Panicked(what string) {
	metrics.GetOrCreateCounter(fmt.Sprintf(`starling_panics_total{work=%q}`, what)).Inc()
}

// Refused counts a message the send guard kept out of a room: content from
// encrypted events bound for an unencrypted room.
func Refused() { sendsRefused.Inc() }

// RateLimited counts one request the homeserver refused with 429.
func RateLimited() { rateLimited.Inc() }

// Command counts a command run by its registered name.
func Command(name string) {
	metrics.GetOrCreateCounter(fmt.Sprintf(`starling_commands_total{command=%q}`, name)).Inc()
}

// LedgerChanged counts a change to a reciprocity ledger (added, edited,
// corrected, withdrawn).
func LedgerChanged(action string) {
	metrics.GetOrCreateCounter(fmt.Sprintf(`starling_ledger_changes_total{action=%q}`, action)).Inc()
}

// SchedulePosted counts a message a schedule posted in a room, by the
// schedule's kind (checkin, vigil, brief, digest, circle).
func SchedulePosted(kind string) {
	metrics.GetOrCreateCounter(fmt.Sprintf(`starling_schedule_posts_total{kind=%q}`, kind)).Inc()
}

// BriefingRead counts a reaction that marks a briefing read in a room.
func BriefingRead() { briefingReads.Inc() }

// RetroOpened counts a listening circle's retro opened to its participants.
func RetroOpened() { retrosOpened.Inc() }

// Paged counts one page sent about an incident.
func Paged() { incidentPages.Inc() }

// IncidentAcked counts an incident taken, took after it was reported.
func IncidentAcked(took time.Duration) {
	incidentAcks.Inc()
	incidentAckSeconds.Update(took.Seconds())
}

// RelayResult is what became of one relay delivery attempt.
type RelayResult int

const (
	RelayDelivered RelayResult = iota
	RelayRetry
	RelayDropped
)

// Relayed counts a relay delivery attempt.
func Relayed(r RelayResult) {
	switch r {
	case RelayDelivered:
		relayDelivered.Inc()
	case RelayRetry:
		relayRetried.Inc()
	case RelayDropped:
		relayDropped.Inc()
	}
}

// Translated counts one call to an engine and how long it took.
func Translated(engine string, took time.Duration, err error) {
	if err != nil {
		translationFailures.Inc()
		return
	}
	metrics.GetOrCreateCounter(fmt.Sprintf(`starling_translations_total{engine=%q}`, engine)).Inc()
	translationSeconds.Update(took.Seconds())
}

// Gauge is a value read at scrape time, such as a queue length from the
// database.
type Gauge struct {
	Name string
	Read func(context.Context) (int, error)
}

// Server is the health and metrics endpoint of one bot.
type Server struct {
	log     zerolog.Logger
	healthy func(context.Context) error
	set     *metrics.Set
	srv     *http.Server
	mux     *http.ServeMux
	ln      net.Listener
}

// New listens on addr. healthy returns nil while the bot can do its work.
func New(addr string, healthy func(context.Context) error, gauges []Gauge, log zerolog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("failed to listen for health and metrics on %s: %w", addr, err)
	}
	s := &Server{log: log, healthy: healthy, set: metrics.NewSet(), ln: ln}
	for _, g := range gauges {
		s.set.NewGauge(g.Name, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := g.Read(ctx)
			if err != nil {
				s.log.Warn().Err(err).Str("metric", g.Name).Msg("Failed to read metric")
				return -1
			}
			return float64(n)
		})
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /health", s.health)
	s.mux.HandleFunc("GET /metrics", s.metrics)
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second}
	return s, nil
}

// Profile also serves Go's profiles under /debug/pprof/, to find what a
// relayed copy costs. Call it before Serve; it is off unless configured,
// for a profile shows what the bot is busy with.
func (s *Server) Profile() {
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// Close releases the port, also when Serve never ran.
func (s *Server) Close() error {
	err := s.srv.Close()
	_ = s.ln.Close() // already closed if Serve ran
	return err
}

// Addr is where the server listens.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers until ctx is cancelled.
func (s *Server) Serve(ctx context.Context) {
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.srv.Shutdown(shutdown)
	}()
	s.log.Info().Stringer("address", s.ln.Addr()).Msg("Serving health and metrics")
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.log.Err(err).Msg("Health and metrics server stopped")
	}
}

type healthReport struct {
	Status   string `json:"status"`
	Problem  string `json:"problem,omitempty"`
	LastSync string `json:"last_sync,omitempty"`
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	report, code := healthReport{Status: "ok"}, http.StatusOK
	if last := LastSync(); !last.IsZero() {
		report.LastSync = last.UTC().Format(time.RFC3339)
	}
	if err := s.healthy(ctx); err != nil {
		report.Status, report.Problem, code = "unhealthy", err.Error(), http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(report)
}

func (s *Server) metrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	metrics.WritePrometheus(w, true)
	s.set.WritePrometheus(w)
}
