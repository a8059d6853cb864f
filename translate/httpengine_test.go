package translate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upperOutsideTags "translates" as the engines' tag handling promises:
// markup stays exactly as it was, text changes.
var tagRE = regexp.MustCompile(`<[^>]*>`)

func upperOutsideTags(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range tagRE.FindAllStringIndex(s, -1) {
		b.WriteString(strings.ToUpper(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(strings.ToUpper(s[last:]))
	return b.String()
}

// fakeLibreTranslate answers as LibreTranslate's API documentation says.
type fakeLibreTranslate struct {
	calls    atomic.Int32
	failures atomic.Int32 // answer this many requests with failStatus first
	status   int
	mangle   bool
	lastReq  ltRequest
}

func (f *fakeLibreTranslate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/languages":
		_ = json.NewEncoder(w).Encode([]ltLanguage{{Code: "es", Targets: []string{"en", "fr"}}, {Code: "en", Targets: []string{"es"}}})
		return
	case "/translate":
	default:
		http.NotFound(w, r)
		return
	}
	f.calls.Add(1)
	if f.failures.Load() > 0 {
		f.failures.Add(-1)
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"error":"Slowdown: 1 per 1 second"}`))
		return
	}
	var req ltRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Format != "html" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"Invalid request"}`))
		return
	}
	f.lastReq = req
	out := make([]string, len(req.Q))
	for i, q := range req.Q {
		out[i] = upperOutsideTags(q)
		if f.mangle {
			out[i] = tagRE.ReplaceAllString(q, "")
		}
	}
	_ = json.NewEncoder(w).Encode(ltResponse{TranslatedText: out})
}

func newLT(t *testing.T, f *fakeLibreTranslate, trusted bool) *LibreTranslate {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	lt := NewLibreTranslate(srv.URL, "secret-key", trusted)
	lt.backoff = time.Millisecond
	return lt
}

func TestLibreTranslate(t *testing.T) {
	ctx := context.Background()
	f := &fakeLibreTranslate{}
	lt := newLT(t, f, false)
	pairs, err := lt.Pairs(ctx)
	if err != nil || len(pairs) != 3 {
		t.Fatalf("pairs = %v, %v", pairs, err)
	}
	tr := NewTranslator([]Engine{lt})
	res, err := tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"hola @ana:x.org usa `make` & <ya>", "adiós"}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Text != "HOLA @ana:x.org USA `make` & <YA>" || res[1].Text != "ADIÓS" {
		t.Fatalf("got %q %q", res[0].Text, res[1].Text)
	}
	if f.lastReq.APIKey != "secret-key" || len(f.lastReq.Q) != 2 {
		t.Fatalf("request %+v", f.lastReq)
	}
	if _, err = tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"secreto"}, Encrypted: true}); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("untrusted engine with encrypted content: err = %v", err)
	}
}

func TestLibreTranslateRetries(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		status    int
		failures  int32
		wantErr   bool
		wantCalls int32
	}{
		{"429 then success", http.StatusTooManyRequests, 2, false, 3},
		{"5xx then success", http.StatusBadGateway, 1, false, 2},
		{"5xx every time", http.StatusInternalServerError, 10, true, 4},
		{"400 is not retried", http.StatusBadRequest, 10, true, 1},
		{"403 is not retried", http.StatusForbidden, 10, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeLibreTranslate{status: tt.status}
			f.failures.Store(tt.failures)
			lt := newLT(t, f, true)
			_, err := lt.Translate(ctx, "es", "en", []Doc{ParseText("hola", nil, "en")})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if f.calls.Load() != tt.wantCalls {
				t.Fatalf("calls = %d, want %d", f.calls.Load(), tt.wantCalls)
			}
		})
	}
}

func TestMangledPlaceholdersFallBack(t *testing.T) {
	f := &fakeLibreTranslate{mangle: true}
	lt := newLT(t, f, true)
	fallback := &fakeEngine{name: "local", trusted: true}
	res, err := NewTranslator([]Engine{lt, fallback}).Translate(context.Background(),
		Request{Source: "es", Target: "en", Texts: []string{"hola @ana:x.org"}})
	if err != nil || res[0].Engine != "local" || !strings.Contains(res[0].Text, "@ana:x.org") {
		t.Fatalf("got %+v %v; want the fallback engine with the mention intact", res, err)
	}
}

// fakeDeepL answers as DeepL's API documentation says.
type fakeDeepL struct {
	calls   atomic.Int32
	quota   bool
	fail503 atomic.Int32
	last    deeplRequest
	auth    string
}

func (f *fakeDeepL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.auth = r.Header.Get("Authorization")
	if f.auth != "DeepL-Auth-Key k-123" {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	switch r.URL.Path {
	case "/v2/languages":
		if r.URL.Query().Get("type") == "target" {
			_, _ = w.Write([]byte(`[{"language":"EN-GB","name":"English (British)"},{"language":"EN-US","name":"English (American)"},{"language":"ES","name":"Spanish"}]`))
		} else {
			_, _ = w.Write([]byte(`[{"language":"EN","name":"English"},{"language":"ES","name":"Spanish"}]`))
		}
		return
	case "/v2/translate":
	default:
		http.NotFound(w, r)
		return
	}
	f.calls.Add(1)
	if f.quota {
		w.WriteHeader(456)
		_, _ = w.Write([]byte(`{"message":"Quota exceeded"}`))
		return
	}
	if f.fail503.Load() > 0 {
		f.fail503.Add(-1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	_ = json.NewDecoder(r.Body).Decode(&f.last)
	var resp deeplResponse
	for _, t := range f.last.Text {
		resp.Translations = append(resp.Translations, struct {
			Text string `json:"text"`
		}{upperOutsideTags(t)})
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func TestDeepL(t *testing.T) {
	ctx := context.Background()
	f := &fakeDeepL{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	d := NewDeepL(srv.URL, "k-123", true)
	d.backoff = time.Millisecond
	pairs, err := d.Pairs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if route, err := PlanRoute(pairs, "es", "en", nil); err != nil || len(route) != 2 {
		t.Fatalf("es→en not direct: %v %v (pairs %v)", route, err, pairs)
	}
	f.fail503.Store(1)
	out, err := d.Translate(ctx, "es", "en", []Doc{ParseHTML("<b>hola</b> `x`", nil, "en")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Render(HTML); got != "<b>HOLA</b> `X`" && got != "<b>HOLA</b> `x`" {
		t.Fatalf("got %q", got)
	}
	if f.last.TargetLang != "EN-GB" || f.last.SourceLang != "ES" || f.last.TagHandling != "xml" {
		t.Fatalf("request %+v", f.last)
	}
	f.quota = true
	calls := f.calls.Load()
	if _, err = d.Translate(ctx, "es", "en", []Doc{ParseText("hola", nil, "en")}); !errors.Is(err, ErrQuota) {
		t.Fatalf("err = %v, want ErrQuota", err)
	}
	if f.calls.Load() != calls+1 {
		t.Fatal("a 456 answer was retried")
	}
}

func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		want   time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"nothing", "", 0},
		{"zero", "0", 0},
		{"garbage", "soon", 0},
		{"a date in the past", "Wed, 21 Oct 2015 07:28:00 GMT", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header); got != tc.want {
				t.Fatalf("retryAfter(%q) = %s, want %s", tc.header, got, tc.want)
			}
		})
	}
	t.Run("a date", func(t *testing.T) {
		at := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
		if got := retryAfter(at); got < 80*time.Second || got > 90*time.Second {
			t.Fatalf("retryAfter(%q) = %s, want about 90 s", at, got)
		}
	})
}
