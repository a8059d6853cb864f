package testenv

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// RateLimiter stands in front of the homeserver and limits each access
// token to a number of requests per window, as a homeserver's rate limiter
// does (Dendrite leaves sending events unlimited, Synapse does not). It
// answers 429 M_LIMIT_EXCEEDED in turn with retry_after_ms, with only a
// Retry-After header, and with no hint at all, and it notes every request
// repeated sooner than it was told to wait.
type RateLimiter struct {
	URL string

	mu       sync.Mutex
	limit    int
	window   time.Duration
	tokens   map[string]*tokenWindow
	told     map[string]time.Time // request → when it may be repeated
	refused  int
	early    []string
	passed   int
	refusals int
}

type tokenWindow struct {
	start time.Time
	count int
}

// NewRateLimiter proxies to the homeserver at target; it limits nothing
// until Limit is called.
func NewRateLimiter(t testing.TB, target string) *RateLimiter {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rl := &RateLimiter{URL: "http://" + ln.Addr().String(), tokens: map[string]*tokenWindow{}, told: map[string]time.Time{}}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, hint, refuse := rl.admit(r); refuse {
			w.Header().Set("Content-Type", "application/json")
			body := map[string]any{"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests"}
			switch hint {
			case 0:
				body["retry_after_ms"] = wait.Milliseconds()
			case 1:
				w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
			}
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(body)
			return
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rl
}

// Limit allows each access token n requests per window from now on.
func (rl *RateLimiter) Limit(n int, window time.Duration) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	rl.limit, rl.window = n, window
}

// admit counts a request against its token's window; it tells whether to
// refuse it, how long to ask the client to wait, and which hint to give
// (0 retry_after_ms, 1 Retry-After, 2 none).
func (rl *RateLimiter) admit(r *http.Request) (time.Duration, int, bool) {
	// The long poll is not what a rate limit is about.
	if strings.HasSuffix(r.URL.Path, "/sync") {
		return 0, 0, false
	}
	rl.mu.Lock()
	defer rl.mu.Unlock()
	now := time.Now()
	key := r.Method + " " + r.URL.RequestURI()
	if until, ok := rl.told[key]; ok {
		// 50 ms of slack for the clocks of two processes and the network.
		if now.Add(50 * time.Millisecond).Before(until) {
			rl.early = append(rl.early, fmt.Sprintf("%s %s early", key, until.Sub(now).Round(time.Millisecond)))
		}
		delete(rl.told, key)
	}
	if rl.limit == 0 {
		rl.passed++
		return 0, 0, false
	}
	token := r.Header.Get("Authorization")
	tw := rl.tokens[token]
	if tw == nil || now.Sub(tw.start) >= rl.window {
		tw = &tokenWindow{start: now}
		rl.tokens[token] = tw
	}
	if tw.count < rl.limit {
		tw.count++
		rl.passed++
		return 0, 0, false
	}
	wait := tw.start.Add(rl.window).Sub(now)
	hint := rl.refusals % 3
	rl.refusals++
	rl.refused++
	switch hint {
	case 0:
		rl.told[key] = now.Add(wait)
	case 1:
		rl.told[key] = now.Add(wait.Truncate(time.Second))
	}
	return wait, hint, true
}

// Stats are what the limiter saw: requests passed, refused, and repeated
// before the wait they were told.
func (rl *RateLimiter) Stats() (passed, refused int, early []string) {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.passed, rl.refused, append([]string(nil), rl.early...)
}
