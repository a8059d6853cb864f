package translate

import (
	"strings"
	"testing"
)

func TestParseTextProtects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		keep []string // pieces kept as they are
	}{
		{"mention", "Habla con @luna:example.org mañana", []string{"@luna:example.org"}},
		{"link keeps punctuation outside", "Mira https://example.org/a?b=1.", []string{"https://example.org/a?b=1"}},
		{"inline code", "Usa `make run` ahora", []string{"`make run`"}},
		{"code block", "Así:\n```\nfor x in y\n```\nfin", []string{"```\nfor x in y\n```"}},
		{"hashtag", "Todas a la #HuelgaGeneral hoy", []string{"#HuelgaGeneral"}},
		{"room alias", "Únete a #coordinacion:example.org", []string{"#coordinacion:example.org"}},
		{"at-room", "@room atención", []string{"@room"}},
		{"nothing", "Hola a todas", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := ParseText(tt.in, nil, "en")
			var kept []string
			for _, p := range doc {
				if p.Keep {
					kept = append(kept, p.Text)
				}
			}
			if strings.Join(kept, "|") != strings.Join(tt.keep, "|") {
				t.Fatalf("kept %q, want %q", kept, tt.keep)
			}
			if got := doc.Render(Text); got != tt.in {
				t.Fatalf("Render() = %q, want the input back %q", got, tt.in)
			}
		})
	}
}

func TestGlossary(t *testing.T) {
	g := Glossary{
		{Term: "Ni Una Menos"},
		{Term: "huelga", Forms: map[string]string{"en": "strike", "fr": "grève"}},
		{Term: "Luna"},
	}
	tests := []struct {
		name, in, target, want string
	}{
		{"verbatim term keeps its typed case", "Marcha de ni una menos hoy", "en", "Marcha de [ni una menos] hoy"},
		{"fixed form per language", "La huelga sigue", "fr", "La [grève] sigue"},
		{"language without a form keeps the term", "La huelga sigue", "ca", "La [huelga] sigue"},
		{"whole words only", "Lunares y Luna", "en", "Lunares y [Luna]"},
		{"not inside a link", "https://luna.example.org Luna", "en", "[https://luna.example.org] [Luna]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			for _, p := range ParseText(tt.in, g, tt.target) {
				if p.Keep {
					b.WriteString("[" + p.Text + "]")
				} else {
					b.WriteString(p.Text)
				}
			}
			if b.String() != tt.want {
				t.Fatalf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

func TestParseHTMLKeepsMarkupAndCode(t *testing.T) {
	in := `<p>Hola <strong>compañeras</strong> &amp; amigos, ver <a href="https://example.org">la guía</a>: <code>make &lt;run&gt;</code> ` +
		`y <a href="https://matrix.to/#/@luna:example.org">Luna</a></p>`
	doc := ParseHTML(in, nil, "en")
	if got := doc.Render(HTML); got != in {
		t.Fatalf("Render(HTML) = %q, want the input back", got)
	}
	var text []string
	for _, p := range doc {
		if !p.Keep {
			text = append(text, p.Text)
		}
	}
	joined := strings.Join(text, "|")
	if strings.Contains(joined, "make") || strings.Contains(joined, "Luna") || strings.Contains(joined, "<") {
		t.Fatalf("code, pill or markup reached the translator: %q", joined)
	}
	if !strings.Contains(joined, "& amigos") {
		t.Fatalf("entities were not decoded for the translator: %q", joined)
	}
}

func TestStreamRoundTrip(t *testing.T) {
	doc := ParseText("Primera línea\n\nSegunda [con] ^símbolos$ \\ / <x> {y}", nil, "en")
	enc := encodeStream(doc)
	if !strings.Contains(enc, ".[][\n][\n]") {
		t.Fatalf("line breaks not framed as superblanks with a sentence end: %q", enc)
	}
	back := decodeStream(enc, doc)
	if got := back.Render(Text); got != doc.Render(Text) {
		t.Fatalf("decode(encode(x)) = %q, want %q", got, doc.Render(Text))
	}
}

func TestDecodeStreamCleansMarks(t *testing.T) {
	src := ParseText("texto", nil, "en")
	got := decodeStream(" #Word  and  @other *unknown.[][ ]", src).Render(Text)
	if got != "Word and other unknown" {
		t.Fatalf("got %q", got)
	}
	kept := decodeStream("Hello [@luna:x.org] there.[ ]", ParseText("Hola @luna:x.org ahí.", nil, "en"))
	if kept.Render(Text) != "Hello @luna:x.org there." {
		t.Fatalf("got %q", kept.Render(Text))
	}
}

func TestFiguresAreKept(t *testing.T) {
	tests := []struct {
		name, in string
		kept     []string
	}{
		{name: "times", in: "a las 18:30 o a las 9h15", kept: []string{"18:30", "9h15"}},
		{name: "dates", in: "el 2026-12-10 o el 10/12/2026", kept: []string{"2026-12-10", "10/12/2026"}},
		{name: "phone", in: "llama al +34 600 123 456 hoy", kept: []string{"+34 600 123 456"}},
		{name: "money", in: "cuesta 1.500 € o €1,500.00 o 20,50 EUR o $20", kept: []string{"1.500 €", "€1,500.00", "20,50 EUR", "$20"}},
		{name: "plain counts are words", in: "somos 3 personas", kept: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kept []string
			for _, p := range ParseText(tt.in, nil, "ca") {
				if p.Keep {
					kept = append(kept, strings.TrimSpace(p.Text))
				}
			}
			if strings.Join(kept, "|") != strings.Join(tt.kept, "|") {
				t.Errorf("kept %q, want %q", kept, tt.kept)
			}
		})
	}
}

// FuzzParseText: cutting a message into what is translated and what is kept
// loses and adds nothing, and never panics.
func FuzzParseText(f *testing.F) {
	for _, seed := range []string{"a las 18:30 el 2026-12-10", "+34 600 123 456", "€1,500.00 y 20,50 EUR", "`code` https://x.org/a. @a:b #tag", "\xff\xfe"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		doc := ParseText(in, Glossary{{Term: "huelga"}}, "en")
		if got := doc.Render(Text); got != in {
			t.Fatalf("%q came back as %q", in, got)
		}
	})
}
