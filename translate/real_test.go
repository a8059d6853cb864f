package translate

import (
	"context"
	"strings"
	"testing"
)

// Real Apertium: assert on words it produces, not whole sentences.
func TestRealTranslations(t *testing.T) {
	tr := NewTranslator([]Engine{newApertium(t)})
	g := Glossary{{Term: "Ni Una Menos"}, {Term: "huelga", Forms: map[string]string{"en": "strike action"}}}
	tests := []struct {
		name, src, dst, in string
		format             Format
		want, wantNot      []string
		route              string
	}{
		{name: "spanish to english", src: "es", dst: "en", in: "Mañana nos reunimos en la plaza.",
			want: []string{"Tomorrow", "square"}, route: "es>en"},
		{name: "spanish to catalan", src: "es", dst: "ca", in: "Mañana nos reunimos en la plaza.",
			want: []string{"Demà", "plaça"}, route: "es>ca"},
		{name: "french to english through a pivot", src: "fr", dst: "en", in: "Nous manifestons demain devant la mairie.",
			want: []string{"tomorrow"}, route: "fr>ca>en"},
		{name: "mention stays a mention", src: "es", dst: "en", in: "Habla con @luna:example.org mañana",
			want: []string{"with @luna:example.org"}, wantNot: []string{"moon", "Moon"}},
		{name: "link and code untouched", src: "es", dst: "en", in: "Lee https://example.org/plaza y ejecuta `make plaza`",
			want: []string{"https://example.org/plaza", "`make plaza`"}},
		{name: "glossary", src: "es", dst: "en", in: "La marcha de Ni Una Menos y la huelga",
			want: []string{"Ni Una Menos", "strike action"}, wantNot: []string{"Not One"}},
		{name: "html formatting survives", src: "es", dst: "en", format: HTML,
			in:   `<p>Hola <strong>compañeras</strong>, ver <a href="https://example.org">la guía</a></p><ul><li>agua</li><li>comida</li></ul>`,
			want: []string{"<p>Hello <strong>", "</strong>", `<a href="https://example.org">the guide</a>`, "<ul><li>water", "</li><li>lunch</li></ul>"}},
		{name: "html escapes what it translates", src: "es", dst: "en", format: HTML, in: "<p>Hola &lt;script&gt; amigos</p>",
			want: []string{"&lt;script&gt;"}, wantNot: []string{"<script>"}},
		{name: "lines stay lines", src: "es", dst: "en", in: "Hola\nAdiós",
			want: []string{"Hello\nGoodbye"}},
		{name: "figures as written, spanish to catalan", src: "es", dst: "ca",
			in:   "Nos vemos a las 18:30 el 2026-12-10; cuesta 1.500 €, llama al +34 600 123 456.",
			want: []string{"18:30", "2026-12-10", "1.500 €", "+34 600 123 456", "veiem"}, wantNot: []string{"18.30"}},
		{name: "figures as written, english to spanish", src: "en", dst: "es",
			in:   "We meet at 18:30 on 2026-12-10; it costs 1.500 €, call +34 600 123 456.",
			want: []string{"18:30", "2026-12-10", "1.500 €", "+34 600 123 456", "cuesta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tr.Translate(context.Background(), Request{Source: tt.src, Target: tt.dst, Texts: []string{tt.in},
				Format: tt.format, Glossary: g, Encrypted: true})
			if err != nil {
				t.Fatal(err)
			}
			got := res[0].Text
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q → %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("%q → %q, want no %q", tt.in, got, w)
				}
			}
			if tt.route != "" && strings.Join(res[0].Route, ">") != tt.route {
				t.Errorf("route %v, want %s", res[0].Route, tt.route)
			}
		})
	}
}
