package forms

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"starling/translate"

	"maunium.net/go/mautrix/id"
)

func TestBuiltinTemplatesLoad(t *testing.T) {
	ts, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"needs-assessment", "solidarity-retro"} {
		if ts[id] == nil {
			t.Errorf("built-in template %s missing", id)
		}
	}
	if q := ts["needs-assessment"].Questions[0]; q.Type != TypeMulti || len(q.Options) != 6 {
		t.Fatalf("needs question = %+v", q)
	}
}

func TestMalformedTemplates(t *testing.T) {
	tests := []struct {
		name, yaml string
		line       int
		reason     string
	}{
		{"no questions", "title: T\n", 1, "no questions"},
		{"no title", "questions:\n  - id: a\n    type: text\n    text: A\n", 1, "no title"},
		{"unknown type", "title: T\nquestions:\n  - id: a\n    type: essay\n    text: A\n", 3, `unknown type "essay"`},
		{"missing type", "title: T\nquestions:\n  - id: a\n    text: A\n", 3, "has no type"},
		{"duplicate id", "title: T\nquestions:\n  - id: a\n    type: text\n    text: A\n  - id: a\n    type: text\n    text: B\n", 6, "used twice"},
		{"choice without options", "title: T\nquestions:\n  - id: a\n    type: choice\n    text: A\n", 3, "at least two options"},
		{"options on text", "title: T\nquestions:\n  - id: a\n    type: text\n    text: A\n    options: [{id: x, text: X}, {id: y, text: Y}]\n", 3, "cannot have options"},
		{"min above max", "title: T\nquestions:\n  - id: a\n    type: number\n    text: A\n    min: 5\n    max: 1\n", 3, "min above max"},
		{"bad question id", "title: T\nquestions:\n  - id: Bad Id\n    type: text\n    text: A\n", 3, "needs an id"},
		{"unknown key", "title: T\nquestions:\n  - id: a\n    type: text\n    text: A\n    colour: red\n", 6, "colour"},
		{"not yaml", "title: [unclosed\n", 1, ""},
		{"question without text", "title: T\nquestions:\n  - id: a\n    type: text\n", 3, "has no text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTemplate("broken.yaml", []byte(tt.yaml))
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a TemplateError", err)
			}
			if te.File != "broken.yaml" || te.Line != tt.line || !strings.Contains(te.Reason, tt.reason) {
				t.Fatalf("got %s, want line %d and %q", te, tt.line, tt.reason)
			}
		})
	}
}

func TestTemplateDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mutual-aid.yaml"), []byte("title: Mutual aid\nquestions:\n  - id: need\n    type: yesno\n    text:\n      en: Need help?\n      es: ¿Necesitas ayuda?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTemplates(dir)
	if err != nil || ts["mutual-aid"] == nil || ts["needs-assessment"] == nil {
		t.Fatalf("templates %v, %v", ts, err)
	}
	if err = os.WriteFile(filepath.Join(dir, "zz-broken.yaml"), []byte("title: X\nquestions: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "zz-broken.yaml:1") {
		t.Fatalf("broken template not reported with file and line: %v", err)
	}
}

// countingEngine passes everything to the real engine and counts the texts
// it was asked to translate.
type countingEngine struct {
	translate.Engine
	mu    sync.Mutex
	texts int
}

func (c *countingEngine) Translate(ctx context.Context, source, target string, docs []translate.Doc) ([]translate.Doc, error) {
	c.mu.Lock()
	c.texts += len(docs)
	c.mu.Unlock()
	return c.Engine.Translate(ctx, source, target, docs)
}

// A template written in English only is asked in Spanish through the
// machine translation, and a second person is asked from the cache.
func TestMissingLanguageIsTranslatedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "water.yaml"), []byte("title: Water\nquestions:\n  - id: water\n    type: text\n    text: Do you need water?\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts, err := LoadTemplates(dir)
	must(t, err)
	apertium, err := translate.NewApertium()
	must(t, err)
	t.Cleanup(func() { _ = apertium.Close() })
	engine := &countingEngine{Engine: apertium}
	f := newFx(t, filepath.Join(t.TempDir(), "f.db"), translate.NewTranslator([]translate.Engine{engine}))
	f.eng = NewEngine(f.deps, f.mx, ts)
	form, err := f.eng.StartForm(ctx, "!coord:test", "@mod:test", "water", zeroTime)
	must(t, err)
	var first int
	for i, person := range []id.UserID{ana, "@ben:test"} {
		must(t, f.db.Person.SetLanguage(ctx, person, "es"))
		must(t, f.eng.Fill(ctx, person, form.ID))
		question := f.mx.last(id.RoomID("!dm-" + person.Localpart() + ":test"))
		if !strings.Contains(question, "agua") {
			t.Fatalf("%s was not asked in Spanish: %q", person, question)
		}
		if i == 0 {
			first = engine.texts
		}
	}
	if first == 0 || engine.texts != first {
		t.Fatalf("engine translated %d texts for the first person and %d in all; want the second served from the cache", first, engine.texts)
	}
}
