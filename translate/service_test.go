package translate

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPlanRoute(t *testing.T) {
	pairs := []Pair{{"es", "en"}, {"en", "es"}, {"fr", "es"}, {"es", "fr"}, {"fr", "ca"}, {"ca", "en"}, {"en", "ca"}, {"ca", "fr"}}
	tests := []struct {
		name, src, dst string
		pivots         []string
		want           string
	}{
		{"direct", "es", "en", DefaultPivots, "es>en"},
		{"catalan pivot first", "fr", "en", DefaultPivots, "fr>ca>en"},
		{"spanish pivot when asked", "fr", "en", []string{"es", "ca"}, "fr>es>en"},
		{"no route", "fr", "de", DefaultPivots, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route, err := PlanRoute(pairs, tt.src, tt.dst, tt.pivots)
			if tt.want == "" {
				if !errors.Is(err, ErrNoRoute) {
					t.Fatalf("err = %v, want ErrNoRoute", err)
				}
				return
			}
			if strings.Join(route, ">") != tt.want {
				t.Fatalf("route = %v, want %s", route, tt.want)
			}
		})
	}
}

// fakeEngine upper-cases text; it stands in for an HTTP engine in unit tests.
type fakeEngine struct {
	name    string
	trusted bool
	fail    bool
	calls   atomic.Int32
}

func (f *fakeEngine) Name() string  { return f.name }
func (f *fakeEngine) Trusted() bool { return f.trusted }
func (f *fakeEngine) Pairs(context.Context) ([]Pair, error) {
	return []Pair{{"es", "en"}}, nil
}

func (f *fakeEngine) Translate(_ context.Context, _, _ string, docs []Doc) ([]Doc, error) {
	f.calls.Add(1)
	if f.fail {
		return nil, errors.New("engine down")
	}
	out := make([]Doc, len(docs))
	for i, d := range docs {
		for _, p := range d {
			if !p.Keep {
				p.Text = strings.ToUpper(p.Text)
			}
			out[i] = append(out[i], p)
		}
	}
	return out, nil
}

func TestTranslatorTrustFallbackAndCache(t *testing.T) {
	ctx := context.Background()
	cloud := &fakeEngine{name: "cloud"}
	local := &fakeEngine{name: "local", trusted: true}
	tr := NewTranslator([]Engine{cloud, local})

	res, err := tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"hola @ana:x.org"}, Encrypted: true})
	if err != nil || res[0].Engine != "local" || res[0].Text != "HOLA @ana:x.org" {
		t.Fatalf("encrypted content: %+v %v; want the trusted engine, mention kept", res, err)
	}
	if cloud.calls.Load() != 0 {
		t.Fatal("encrypted content was sent to an untrusted engine")
	}
	res, _ = tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"hola"}})
	if res[0].Engine != "cloud" {
		t.Fatalf("plain content went to %s, want the first engine", res[0].Engine)
	}
	tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"hola"}})
	if cloud.calls.Load() != 1 {
		t.Fatalf("cloud called %d times for the same text, want 1 (cache)", cloud.calls.Load())
	}
	cloud.fail = true
	res, err = tr.Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"adiós"}})
	if err != nil || res[0].Engine != "local" {
		t.Fatalf("failing engine: %+v %v; want the next engine", res, err)
	}
	if _, err = NewTranslator([]Engine{cloud}).Translate(ctx, Request{Source: "es", Target: "en", Texts: []string{"x y"}, Encrypted: true}); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("err = %v, want ErrUntrusted", err)
	}
}

func TestNothingToTranslatePassesThrough(t *testing.T) {
	eng := &fakeEngine{name: "e", trusted: true}
	tr := NewTranslator([]Engine{eng})
	for _, in := range []string{"https://example.org/x", "👍🎉", "`go test ./...`", "@ana:x.org", "  "} {
		res, err := tr.Translate(context.Background(), Request{Source: "es", Target: "en", Texts: []string{in}})
		if err != nil || res[0].Text != in || res[0].Translated {
			t.Fatalf("%q → %+v %v; want it unchanged", in, res, err)
		}
	}
	if eng.calls.Load() != 0 {
		t.Fatal("engine called for text with nothing to translate")
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := NewCache(2, 1<<20)
	c.Put("a", "1")
	c.Put("b", "2")
	c.Get("a")
	c.Put("c", "3")
	if _, ok := c.Get("b"); ok {
		t.Fatal("least recently used entry survived")
	}
	if v, ok := c.Get("a"); !ok || v != "1" {
		t.Fatal("recently used entry was evicted")
	}
	c.Put("huge", strings.Repeat("x", 1<<20))
	if _, ok := c.Get("huge"); ok {
		t.Fatal("an entry larger than a quarter of the cache was kept")
	}
}

// A fixed form rewrites a term only when the text changes language: a
// glossary entry like "no = en:yes" must not turn one English room's "no"
// into "yes" in another English room.
func TestGlossaryFormsApplyOnlyAcrossLanguages(t *testing.T) {
	tr := NewTranslator([]Engine{&fakeEngine{name: "fake", trusted: true}})
	glossary := Glossary{{Term: "no", Forms: map[string]string{"en": "yes"}}, {Term: "huelga", Forms: map[string]string{"en": "strike"}}}
	tests := []struct {
		name, src, dst, text, want string
	}{
		{"same language keeps the words", "en", "en", "no, not today", "no, not today"},
		{"across languages the fixed form applies", "es", "en", "huelga general", "strike GENERAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tr.Translate(context.Background(), Request{Source: tt.src, Target: tt.dst, Texts: []string{tt.text}, Glossary: glossary})
			if err != nil {
				t.Fatal(err)
			}
			if res[0].Text != tt.want {
				t.Fatalf("got %q, want %q", res[0].Text, tt.want)
			}
		})
	}
}

// gatedEngine holds every translation until released (or its caller goes).
type gatedEngine struct {
	fakeEngine
	entered chan struct{}
	release chan struct{}
}

func (g *gatedEngine) Translate(ctx context.Context, source, target string, docs []Doc) ([]Doc, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.fakeEngine.Translate(ctx, source, target, docs)
}

// A message copied into several rooms of one language is translated at the
// same moment for each: the engine is asked once, and a request whose
// caller goes away costs the others nothing.
func TestOneTranslationForRequestsAtOnce(t *testing.T) {
	req := Request{Source: "es", Target: "en", Texts: []string{"hola a todas"}}
	type answer struct {
		text string
		err  error
	}
	ask := func(ctx context.Context, tr *Translator, into chan<- answer) {
		res, err := tr.Translate(ctx, req)
		if err != nil {
			into <- answer{err: err}
			return
		}
		into <- answer{text: res[0].Text}
	}
	t.Run("three at once", func(t *testing.T) {
		eng := &gatedEngine{fakeEngine: fakeEngine{name: "apertium", trusted: true}, entered: make(chan struct{}, 8), release: make(chan struct{})}
		tr := NewTranslator([]Engine{eng})
		answers := make(chan answer, 3)
		for range 3 {
			go ask(context.Background(), tr, answers)
		}
		<-eng.entered
		time.Sleep(100 * time.Millisecond) // the other two join meanwhile
		close(eng.release)
		for range 3 {
			if a := <-answers; a.err != nil || a.text != "HOLA A TODAS" {
				t.Fatalf("got %q, %v", a.text, a.err)
			}
		}
		if n := eng.calls.Load(); n != 1 {
			t.Fatalf("the engine was asked %d times, want once", n)
		}
	})
	t.Run("the first caller goes away", func(t *testing.T) {
		eng := &gatedEngine{fakeEngine: fakeEngine{name: "apertium", trusted: true}, entered: make(chan struct{}, 8), release: make(chan struct{})}
		tr := NewTranslator([]Engine{eng})
		first, cancel := context.WithCancel(context.Background())
		gone, waiting := make(chan answer, 1), make(chan answer, 1)
		go ask(first, tr, gone)
		<-eng.entered
		go ask(context.Background(), tr, waiting)
		time.Sleep(100 * time.Millisecond)
		cancel()
		if a := <-gone; a.err == nil {
			t.Fatalf("the caller that went away got %q", a.text)
		}
		select {
		case <-eng.entered: // the one waiting asks on its own
		case a := <-waiting:
			t.Fatalf("the one waiting got %q, %v, and asked nothing itself", a.text, a.err)
		case <-time.After(5 * time.Second):
			t.Fatal("the one waiting never asked on its own")
		}
		close(eng.release)
		if a := <-waiting; a.err != nil || a.text != "HOLA A TODAS" {
			t.Fatalf("the one waiting got %q, %v", a.text, a.err)
		}
	})
	t.Run("the engine is down", func(t *testing.T) {
		eng := &gatedEngine{fakeEngine: fakeEngine{name: "apertium", trusted: true, fail: true}, entered: make(chan struct{}, 8), release: make(chan struct{})}
		tr := NewTranslator([]Engine{eng})
		answers := make(chan answer, 3)
		for range 3 {
			go ask(context.Background(), tr, answers)
		}
		<-eng.entered
		time.Sleep(100 * time.Millisecond)
		close(eng.release)
		for range 3 {
			if a := <-answers; a.err == nil {
				t.Fatalf("a failing engine gave %q", a.text)
			}
		}
		if n := eng.calls.Load(); n != 1 {
			t.Fatalf("the failing engine was asked %d times, want once for all three", n)
		}
	})
}
