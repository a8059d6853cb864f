package bot

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestRateLimitedWaitsAsTheServerAsks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		refuse  func(w http.ResponseWriter)
		refusal int
		want    []time.Duration
	}{
		{
			name: "retry_after_ms in the Matrix error",
			refuse: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"errcode":"M_LIMIT_EXCEEDED","error":"slow down","retry_after_ms":1500}`)
			},
			refusal: 2,
			want:    []time.Duration{1500 * time.Millisecond, 1500 * time.Millisecond},
		},
		{
			name: "Retry-After header only",
			refuse: func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"errcode":"M_LIMIT_EXCEEDED","error":"slow down"}`)
			},
			refusal: 1,
			want:    []time.Duration{3 * time.Second},
		},
		{
			name: "no hint: a doubling pause",
			refuse: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `not json`)
			},
			refusal: 3,
			want:    []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		},
		{
			name: "a pause longer than the cap is cut to it",
			refuse: func(w http.ResponseWriter) {
				w.WriteHeader(http.StatusTooManyRequests)
				_, _ = io.WriteString(w, `{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":86400000}`)
			},
			refusal: 1,
			want:    []time.Duration{time.Minute},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var bodies []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				n := len(bodies)
				mu.Unlock()
				if n <= tc.refusal {
					tc.refuse(w)
					return
				}
				_, _ = io.WriteString(w, `{"event_id":"$ok"}`)
			}))
			defer srv.Close()
			var waited []time.Duration
			rt := &rateLimited{next: http.DefaultTransport, log: zerolog.Nop(), maxTries: 8, maxWait: time.Minute, firstWait: time.Second,
				sleep: func(_ *http.Request, d time.Duration) error { waited = append(waited, d); return nil }}
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/send", strings.NewReader(`{"body":"hola"}`))
			res, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			got, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || string(got) != `{"event_id":"$ok"}` {
				t.Fatalf("final answer %d %s", res.StatusCode, got)
			}
			if len(waited) != len(tc.want) {
				t.Fatalf("waited %v, want %v", waited, tc.want)
			}
			for i := range waited {
				if waited[i] != tc.want[i] {
					t.Fatalf("waited %v, want %v", waited, tc.want)
				}
			}
			for i, b := range bodies {
				if b != `{"body":"hola"}` {
					t.Fatalf("try %d sent body %q: the retry lost it", i+1, b)
				}
			}
		})
	}
}

func TestRateLimitedGivesUp(t *testing.T) {
	t.Run("after its tries, the refusal reaches the caller", func(t *testing.T) {
		tries := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tries++
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":10}`)
		}))
		defer srv.Close()
		rt := &rateLimited{next: http.DefaultTransport, log: zerolog.Nop(), maxTries: 3, maxWait: time.Minute, firstWait: time.Second,
			sleep: func(*http.Request, time.Duration) error { return nil }}
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		res, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || tries != 3 {
			t.Fatalf("status %d after %d tries", res.StatusCode, tries)
		}
	})
	t.Run("a cancelled request stops waiting", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":60000}`)
		}))
		defer srv.Close()
		rt := &rateLimited{next: http.DefaultTransport, log: zerolog.Nop(), maxTries: 8, maxWait: time.Minute, firstWait: time.Second, sleep: sleepCtx}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		start := time.Now()
		if _, err := rt.RoundTrip(req); err == nil || time.Since(start) > 5*time.Second {
			t.Fatalf("err %v after %s", err, time.Since(start))
		}
	})
}

// A homeserver that accepts a request and never answers (frozen) costs the
// request its answer time, not the room's queue for ever.
func TestAHungRequestGivesUp(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	client := newHTTPClient(zerolog.Nop(), 200*time.Millisecond)
	start := time.Now()
	res, err := client.Get(srv.URL)
	if err == nil {
		res.Body.Close()
		t.Fatal("a request to a server that never answers succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the request hung for %s", took)
	}
}
