package translate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newApertium(t testing.TB, opts ...ApertiumOption) *Apertium {
	t.Helper()
	a, err := NewApertium(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func translateText(t testing.TB, tr *Translator, source, target, text string) string {
	t.Helper()
	res, err := tr.Translate(context.Background(), Request{Source: source, Target: target, Texts: []string{text}})
	if err != nil {
		t.Fatalf("Translate(%s→%s, %q) error: %v", source, target, text, err)
	}
	return res[0].Text
}

func TestApertiumKnowsInstalledPairs(t *testing.T) {
	a := newApertium(t)
	pairs, _ := a.Pairs(context.Background())
	have := map[Pair]bool{}
	for _, p := range pairs {
		have[p] = true
	}
	for _, want := range []Pair{{"es", "en"}, {"en", "es"}, {"es", "ca"}, {"ca", "es"}, {"fr", "es"}, {"fr", "ca"}, {"en", "ca"}} {
		if !have[want] {
			t.Errorf("pair %v not found in %s", want, DefaultModesDir)
		}
	}
	if have[Pair{"fr", "en"}] {
		t.Error("fr→en is not a Debian pair; it must come through a pivot")
	}
}

func TestApertiumFramesEachText(t *testing.T) {
	a := newApertium(t)
	docs := []Doc{
		ParseText("Hola", nil, "en"),
		ParseText("Mañana hay una manifestación en la plaza.", nil, "en"),
		ParseText("Gracias", nil, "en"),
	}
	out, err := a.Translate(context.Background(), "es", "en", docs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Hello", "square", "Thank"}
	for i, w := range want {
		if got := out[i].Render(Text); !strings.Contains(got, w) {
			t.Errorf("text %d translated to %q, want it to contain %q", i, got, w)
		}
	}
}

func TestApertiumRestartsADeadPipeline(t *testing.T) {
	a := newApertium(t)
	tr := NewTranslator([]Engine{a})
	if got := translateText(t, tr, "es", "en", "Hola"); !strings.Contains(got, "Hello") {
		t.Fatalf("first translation %q", got)
	}
	p := a.pipelines[Pair{"es", "en"}]
	if err := p.cmds[len(p.cmds)/2].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-p.dead
	if got := translateText(t, tr, "es", "en", "Buenos días"); !strings.Contains(got, "Good") {
		t.Fatalf("translation after the pipeline died: %q", got)
	}
	if a.pipelines[Pair{"es", "en"}] == p {
		t.Fatal("the dead pipeline was not replaced")
	}
}

func TestApertiumClosesIdlePipelines(t *testing.T) {
	a := newApertium(t, WithIdleClose(100*time.Millisecond))
	tr := NewTranslator([]Engine{a})
	translateText(t, tr, "es", "en", "Hola")
	if a.Running() != 1 {
		t.Fatalf("running = %d after a translation, want 1", a.Running())
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.Running() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("idle pipeline was not closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := translateText(t, tr, "es", "en", "Adiós"); !strings.Contains(strings.ToLower(got), "goodbye") {
		t.Fatalf("translation after idle close: %q", got)
	}
}

func TestParseMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "xxx-yyy.mode")
	mode := `lt-proc 'a b/x.bin' | apertium-tagger -g $2 '/p/x.prob' | lt-proc $1 "/p/gen.bin"`
	if err := os.WriteFile(path, []byte(mode+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmds, err := parseMode(path)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"lt-proc", "-z", "a b/x.bin"},
		{"apertium-tagger", "-z", "-g", "/p/x.prob"},
		{"lt-proc", "-z", "-n", "/p/gen.bin"},
	}
	if len(cmds) != len(want) {
		t.Fatalf("got %d stages %q", len(cmds), cmds)
	}
	for i := range want {
		if strings.Join(cmds[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("stage %d = %q, want %q", i, cmds[i], want[i])
		}
	}
	if err = os.WriteFile(path, []byte("lt-proc 'unterminated"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = parseMode(path); err == nil {
		t.Fatal("a mode with an unterminated quote was accepted")
	}
}
