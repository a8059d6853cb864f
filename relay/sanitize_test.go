package relay

import (
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"allowed markup", `<p>Hi <strong>all</strong> <em>x</em></p>`, `<p>Hi <strong>all</strong> <em>x</em></p>`},
		{"script vanishes", `a<script>alert(1)</script>b`, `ab`},
		{"event handler dropped", `<img src="x" onerror="alert(1)">ok`, `ok`},
		{"mxc image kept without handlers", `<img src="mxc://s/m" onerror="x" alt="a">`, `<img src="mxc://s/m" alt="a">`},
		{"javascript link", `<a href="javascript:alert(1)">x</a>`, `<a rel="noopener">x</a>`},
		{"safe link", `<a href="https://example.org" onclick="x">x</a>`, `<a href="https://example.org" rel="noopener">x</a>`},
		{"unknown tag keeps text", `<marquee>hey</marquee>`, `hey`},
		{"unbalanced tags are closed", `<b><i>x</b>`, `<b><i>x</i></b>`},
		{"stray end tag", `x</div></b>y`, `xy`},
		{"reply fallback removed", `<mx-reply><blockquote>old</blockquote></mx-reply>new`, `new`},
		{"style removed with content", `<style>p{}</style><p>x</p>`, `<p>x</p>`},
		{"entities stay escaped", `&lt;script&gt;`, `&lt;script&gt;`},
		{"bad colour", `<font color="red;background:url(x)">x</font>`, `<font>x</font>`},
		{"code language", `<code class="language-go">x</code>`, `<code class="language-go">x</code>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeDeepNesting(t *testing.T) {
	in := strings.Repeat("<div>", 500) + "x" + strings.Repeat("</div>", 500)
	out := Sanitize(in)
	if strings.Count(out, "<div>") > maxDepth || !strings.Contains(out, "x") {
		t.Fatalf("deep nesting not bounded: %d divs", strings.Count(out, "<div>"))
	}
}
