package relay

import (
	"slices"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

// FuzzSanitize: whatever goes in, what comes out holds only allowed tags and
// attributes, no handlers and no script links, and sanitising it again
// changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<p>x</p>`, `<script>x</script>`, `<img src=x onerror=alert(1)>`, `<a href="javascript:x">`,
		`<svg><script>x</script></svg>`, `<b><i>x</b></i>`, `<!-- c -->`, `<p a=">">`, `<<script>script>`,
		`<a href=" JAVASCRIPT:x">`, `<mx-reply>q</mx-reply>`, `<font color="#fff">x</font>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		if again := Sanitize(out); again != out {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		z := xhtml.NewTokenizer(strings.NewReader(out))
		for {
			tt := z.Next()
			if tt == xhtml.ErrorToken {
				return
			}
			if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
				continue
			}
			tok := z.Token()
			attrs, ok := allowedTags[tok.Data]
			if !ok {
				t.Fatalf("tag <%s> survived: %q", tok.Data, out)
			}
			for _, a := range tok.Attr {
				if a.Key == "rel" && tok.Data == "a" {
					continue
				}
				if !slices.Contains(attrs, a.Key) || strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Fatalf("attribute %s=%q survived on <%s>: %q", a.Key, a.Val, tok.Data, out)
				}
			}
		}
	})
}
