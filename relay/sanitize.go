package relay

import (
	"html"
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
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(fragment))
	var open []string
	skip := 0
	skipTag := ""
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		tok := z.Token()
		name := tok.Data
		if skip > 0 {
			switch {
			case tt == xhtml.StartTagToken && name == skipTag:
				skip++
			case tt == xhtml.EndTagToken && name == skipTag:
				skip--
			}
			continue
		}
		switch tt {
		case xhtml.TextToken:
			b.WriteString(html.EscapeString(strings.ReplaceAll(tok.Data, "\r", "\n")))
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			if droppedWithContent[name] && tt == xhtml.StartTagToken && !voidTags[name] {
				skip, skipTag = 1, name
				continue
			}
			attrs, ok := allowedTags[name]
			if !ok || len(open) >= maxDepth {
				continue
			}
			if name == "img" && !hasMXCSource(tok) {
				continue
			}
			b.WriteString("<" + name)
			for _, a := range tok.Attr {
				if a.Namespace != "" || !contains(attrs, a.Key) || !safeAttr(name, a.Key, a.Val) {
					continue
				}
				b.WriteString(" " + a.Key + `="` + html.EscapeString(a.Val) + `"`)
			}
			if name == "a" {
				b.WriteString(` rel="noopener"`)
			}
			b.WriteString(">")
			switch {
			case voidTags[name]:
			case tt == xhtml.StartTagToken:
				open = append(open, name)
			default: // <b/> is no void element: close it at once
				b.WriteString("</" + name + ">")
			}
		case xhtml.EndTagToken:
			// Close only what is open, so stray end tags cannot unbalance the output.
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] == name {
					for j := len(open) - 1; j >= i; j-- {
						b.WriteString("</" + open[j] + ">")
					}
					open = open[:i]
					break
				}
			}
		}
	}
	for i := len(open) - 1; i >= 0; i-- {
		b.WriteString("</" + open[i] + ">")
	}
	return b.String()
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

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
