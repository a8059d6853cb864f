package relay

import (
	"html"
	"slices"
	"strings"

	xhtml "golang.org/x/net/html"
)

// allowedTags are the HTML tags the Matrix spec lets a message use, with the
// attributes each may carry.
var allowedTags = map[string][]string{
	"font": {"data-mx-bg-color", "data-mx-color", "color"}, "del": nil, "h1": nil, "h2": nil, "h3": nil,
	"h4": nil, "h5": nil, "h6": nil, "blockquote": nil, "p": nil, "a": {"name", "target", "href"},
	"ul": nil, "ol": {"start"}, "sup": nil, "sub": nil, "li": nil, "b": nil, "i": nil, "u": nil,
	"strong": nil, "em": nil, "s": nil, "strike": nil, "code": {"class"}, "hr": nil, "br": nil,
	"div": nil, "table": nil, "thead": nil, "tbody": nil, "tr": nil, "th": nil, "td": nil,
	"caption": nil, "pre": nil, "span": {"data-mx-bg-color", "data-mx-color", "data-mx-spoiler"},
	"img": {"width", "height", "alt", "title", "src"}, "details": nil, "summary": nil,
}

// droppedWithContent are removed together with everything inside them.
var droppedWithContent = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true, "noscript": true,
	"template": true, "svg": true, "math": true, "title": true, "head": true, "textarea": true,
	"select": true, "mx-reply": true, "frame": true, "frameset": true, "applet": true,
}

var voidTags = map[string]bool{"br": true, "hr": true, "img": true}

const maxDepth = 100

// Sanitize keeps only what the Matrix spec allows in formatted bodies:
// allowed tags and attributes, safe link schemes, mxc images. Other tags
// are dropped but their text stays; scripts and the like vanish whole.
func Sanitize(fragment string) string {
	var s sanitizer
	z := xhtml.NewTokenizer(strings.NewReader(fragment))
	for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
		tok := z.Token()
		switch {
		case s.skipping(tt, tok.Data):
		case tt == xhtml.TextToken:
			s.out.WriteString(html.EscapeString(strings.ReplaceAll(tok.Data, "\r", "\n")))
		case tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken:
			s.start(tt, tok)
		case tt == xhtml.EndTagToken:
			s.end(tok.Data)
		}
	}
	s.closeFrom(0)
	return s.out.String()
}

// sanitizer is one fragment's output and the tags open in it.
type sanitizer struct {
	out  strings.Builder
	open []string
	// skip counts the nested open tags named skipTag, whose content is
	// dropped whole.
	skip    int
	skipTag string
}

// skipping tells whether the token is inside content dropped whole.
func (s *sanitizer) skipping(tt xhtml.TokenType, name string) bool {
	if s.skip == 0 {
		return false
	}
	switch {
	case tt == xhtml.StartTagToken && name == s.skipTag:
		s.skip++
	case tt == xhtml.EndTagToken && name == s.skipTag:
		s.skip--
	}
	return true
}

func (s *sanitizer) start(tt xhtml.TokenType, tok xhtml.Token) {
	name := tok.Data
	if droppedWithContent[name] && tt == xhtml.StartTagToken && !voidTags[name] {
		s.skip, s.skipTag = 1, name
		return
	}
	attrs, ok := allowedTags[name]
	if !ok || len(s.open) >= maxDepth || name == "img" && !hasMXCSource(tok) {
		return
	}
	s.out.WriteString("<" + name)
	for _, a := range tok.Attr {
		if a.Namespace != "" || !slices.Contains(attrs, a.Key) || !safeAttr(name, a.Key, a.Val) {
			continue
		}
		s.out.WriteString(" " + a.Key + `="` + html.EscapeString(a.Val) + `"`)
	}
	if name == "a" {
		s.out.WriteString(` rel="noopener"`)
	}
	s.out.WriteString(">")
	switch {
	case voidTags[name]:
	case tt == xhtml.StartTagToken:
		s.open = append(s.open, name)
	default: // <b/> is no void element: close it at once
		s.out.WriteString("</" + name + ">")
	}
}

// end closes only what is open, so stray end tags cannot unbalance the
// output.
func (s *sanitizer) end(name string) {
	for i := len(s.open) - 1; i >= 0; i-- {
		if s.open[i] == name {
			s.closeFrom(i)
			return
		}
	}
}

// closeFrom closes the open tags from the innermost down to open[i].
func (s *sanitizer) closeFrom(i int) {
	for j := len(s.open) - 1; j >= i; j-- {
		s.out.WriteString("</" + s.open[j] + ">")
	}
	s.open = s.open[:i]
}

func hasMXCSource(tok xhtml.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "src" {
			return strings.HasPrefix(a.Val, "mxc://")
		}
	}
	return false
}

func safeAttr(tag, key, val string) bool {
	switch {
	case tag == "a" && key == "href":
		lower := strings.ToLower(strings.TrimSpace(val))
		for _, scheme := range []string{"https:", "http:", "ftp:", "mailto:", "magnet:", "matrix:"} {
			if strings.HasPrefix(lower, scheme) {
				return true
			}
		}
		return false
	case tag == "code" && key == "class":
		return strings.HasPrefix(val, "language-") && !strings.ContainsAny(val, " \"'<>")
	case tag == "img" && key == "src":
		return strings.HasPrefix(val, "mxc://")
	case key == "data-mx-color" || key == "data-mx-bg-color" || key == "color":
		return isColor(val)
	}
	return true
}

func isColor(v string) bool {
	if len(v) != 7 || v[0] != '#' {
		return false
	}
	for _, c := range v[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
