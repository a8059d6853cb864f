package relay

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"starling/database"
	"starling/translate"
)

// shoutingEngine translates es→en by writing words in capitals, and counts
// its calls.
type shoutingEngine struct{ calls atomic.Int32 }

func (e *shoutingEngine) Name() string  { return "shout" }
func (e *shoutingEngine) Trusted() bool { return true }
func (e *shoutingEngine) Pairs(context.Context) ([]translate.Pair, error) {
	return []translate.Pair{{Source: "es", Target: "en"}}, nil
}
func (e *shoutingEngine) Translate(_ context.Context, _, _ string, docs []translate.Doc) ([]translate.Doc, error) {
	e.calls.Add(1)
	out := make([]translate.Doc, len(docs))
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

// A copy costs one engine call, formatted or not: the plain body of a
// formatted message is made from its translated HTML, not translated apart.
func TestOneEngineCallPerCopy(t *testing.T) {
	tests := []struct {
		name               string
		content            event.MessageEventContent
		wantBody, wantHTML string
	}{
		{name: "plain text", content: event.MessageEventContent{MsgType: event.MsgText, Body: "hola amigos\nhasta luego"},
			wantBody: "HOLA AMIGOS\nHASTA LUEGO", wantHTML: "HOLA AMIGOS<br>HASTA LUEGO"},
		{name: "formatted", content: event.MessageEventContent{MsgType: event.MsgText, Body: "**hola** [amigos](https://example.org)",
			Format: event.FormatHTML, FormattedBody: `<strong>hola</strong> <a href="https://example.org">amigos</a>`},
			wantBody: "**HOLA** [AMIGOS](https://example.org)", wantHTML: `<strong>HOLA</strong> <a href="https://example.org" rel="noopener">AMIGOS</a>`},
		{name: "formatted, nothing to translate", content: event.MessageEventContent{MsgType: event.MsgText, Body: "**42**",
			Format: event.FormatHTML, FormattedBody: `<strong>42</strong>`},
			wantBody: "**42**", wantHTML: `<strong>42</strong>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newTestRelay(t, newFakeMatrix())
			eng := &shoutingEngine{}
			r.tr = translate.NewTranslator([]translate.Engine{eng})
			if err := r.db.Room.SetLanguage(ctx, "!es:test", "es", false); err != nil {
				t.Fatal(err)
			}
			j := &job{Delivery: &database.Delivery{SourceRoom: "!es:test", TargetRoom: "!en:test"},
				evt: &event.Event{Sender: "@ana:test", RoomID: "!es:test"}}
			content := tt.content
			out, err := r.buildCopy(ctx, j, &content)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(out.Body, ": "+tt.wantBody) || !strings.HasSuffix(out.FormattedBody, ": "+tt.wantHTML) {
				t.Errorf("copy %q / %q, want it to end in %q / %q", out.Body, out.FormattedBody, tt.wantBody, tt.wantHTML)
			}
			if n := eng.calls.Load(); n > 1 {
				t.Errorf("one copy cost %d engine calls", n)
			}
		})
	}
}

// BenchmarkFormattedCopy: what a formatted message's copy costs against the
// same words sent as plain text, with real Apertium (es→en) and every text
// new to the cache. One engine call each makes the ratio about 1.
func BenchmarkFormattedCopy(b *testing.B) {
	ctx := context.Background()
	engine, err := translate.NewApertium()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = engine.Close() })
	r := newTestRelay(b, newFakeMatrix())
	r.tr = translate.NewTranslator([]translate.Engine{engine})
	if err = r.db.Room.SetLanguage(ctx, "!es:test", "es", false); err != nil {
		b.Fatal(err)
	}
	j := &job{Delivery: &database.Delivery{SourceRoom: "!es:test", TargetRoom: "!en:test"},
		evt: &event.Event{Sender: "@ana:test", RoomID: "!es:test"}}
	build := func(content *event.MessageEventContent) time.Duration {
		start := time.Now()
		if _, err := r.buildCopy(ctx, j, content); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var plain, formatted time.Duration
	for i := 0; b.Loop(); i++ {
		words := fmt.Sprintf("la reunión de la red es mañana a las siete en la plaza número %d", i)
		plain += build(&event.MessageEventContent{MsgType: event.MsgText, Body: "Compañeras: " + words})
		formatted += build(&event.MessageEventContent{MsgType: event.MsgText, Body: "**Compañeras**: " + words,
			Format: event.FormatHTML, FormattedBody: "<strong>Compañeras</strong>: " + words + "."})
	}
	b.ReportMetric(float64(formatted)/float64(plain), "formatted/plain")
}
