package translate

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// Term is a glossary entry: never translated, or translated in a fixed way
// (Forms maps an ISO 639-1 code to the term in that language).
type Term struct {
	Term  string
	Forms map[string]string
}

// Glossary is the list of terms one coalition protects.
type Glossary []Term

// protectedRE finds what is never translated in plain text: code, links,
// user mentions, room aliases and hashtags. Raw Apertium turns @luna:… into
// @moon:… and #huelga into #Strike.
var protectedRE = regexp.MustCompile("(?s)```.*?```" +
	"|`[^`\n]+`" +
	`|(?i:\b(?:https?|ftp|mailto|matrix|geo):[^\s<>"` + "`" + `]+)` +
	`|(?i:@[a-z0-9._=/+\-]+:[a-z0-9.\-\[\]]+(?::\d+)?)` +
	`|@room\b` +
	`|#[\p{L}\p{N}_\-]+(?::[a-zA-Z0-9.\-]+(?::\d+)?)?` +
	`|[!$][A-Za-z0-9._=\-]+:[a-zA-Z0-9.\-]+`)

// figureRE finds the figures people expect exactly as written: phone
// numbers (+34 600 123 456), dates (2026-12-10, 10/12/2026), times (18:30,
// 9h15), and amounts with a currency or thousands separators (1.500 €,
// €1,500.00, 20,50 EUR). Apertium's Catalan pairs write 18:30 as 18.30, and
// engines localise separators.
var figureRE = regexp.MustCompile(`\+\d{1,3}(?:[ .\-]?\(?\d{2,4}\)?){2,5}` +
	`|\b\d{4}-\d{2}-\d{2}\b` +
	`|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b` +
	`|\b\d{1,2}[:h]\d{2}\b` +
	`|(?:` + currencySymbol + `\s?)?\b\d{1,3}(?:[.,\x{a0}\x{202f}]\d{3})+(?:[.,]\d{1,2})?\b(?:\s?(?:` + currencySymbol + `|` + currencyCode + `))?` +
	`|` + currencySymbol + `\s?\d+(?:[.,]\d{1,2})?\b` +
	`|\b\d+(?:[.,]\d{1,2})?\s?(?:` + currencySymbol + `|` + currencyCode + `)`)

const (
	currencySymbol = `[€$£¥₹₽₺₴₦₱]`
	currencyCode   = `(?:EUR|USD|GBP|CHF|MXN|ARS|CLP|COP|PEN|BRL|CAD|AUD|JPY|CNY|INR|TRY|UAH|NGN|PHP|MAD|EGP|DZD|TND|LBP|JOD)\b`
)

// ParseText cuts plain text into a document for translation into target.
func ParseText(text string, glossary Glossary, target string) Doc {
	return protect(Doc{{Text: text}}, glossary, target, false)
}

// ParseHTML cuts an HTML fragment (already sanitised) into a document:
// tags, code and mention pills are kept; text between them is translated.
func ParseHTML(fragment string, glossary Glossary, target string) Doc {
	var doc Doc
	z := xhtml.NewTokenizer(strings.NewReader(fragment))
	keepTag, keepDepth := "", 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		raw := string(z.Raw())
		tok := z.Token()
		if keepDepth > 0 {
			doc = append(doc, Piece{Text: raw, Keep: true})
			switch {
			case tt == xhtml.StartTagToken && tok.Data == keepTag:
				keepDepth++
			case tt == xhtml.EndTagToken && tok.Data == keepTag:
				keepDepth--
			}
			continue
		}
		switch tt {
		case xhtml.TextToken:
			doc = append(doc, Piece{Text: tok.Data})
		case xhtml.StartTagToken:
			if tok.Data == "code" || tok.Data == "pre" || (tok.Data == "a" && isPill(tok)) {
				keepTag, keepDepth = tok.Data, 1
			}
			doc = append(doc, Piece{Text: raw, Keep: true})
		default:
			doc = append(doc, Piece{Text: raw, Keep: true})
		}
	}
	return protect(doc, glossary, target, true)
}

func isPill(tok xhtml.Token) bool {
	for _, a := range tok.Attr {
		if a.Key == "href" && strings.HasPrefix(a.Val, "https://matrix.to/#/") {
			return true
		}
	}
	return false
}

// termPatterns keeps each glossary term's compiled pattern: every copy of
// every message runs through all its coalition's terms. Terms are few and
// change rarely; the map is emptied if it ever grows large (terms removed
// over a long time), rather than tracking use.
var termPatterns = struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}{m: map[string]*regexp.Regexp{}}

const maxTermPatterns = 4096

func termPattern(term string) *regexp.Regexp {
	termPatterns.Lock()
	defer termPatterns.Unlock()
	if re, ok := termPatterns.m[term]; ok {
		return re
	}
	if len(termPatterns.m) >= maxTermPatterns {
		termPatterns.m = map[string]*regexp.Regexp{}
	}
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(term))
	termPatterns.m[term] = re
	return re
}

// protect splits the text pieces around protected spans and glossary terms.
// In HTML the kept spans are escaped, since kept pieces are raw HTML.
func protect(doc Doc, glossary Glossary, target string, escape bool) Doc {
	keep := func(s string) Piece {
		if escape {
			s = html.EscapeString(s)
		}
		return Piece{Text: s, Keep: true}
	}
	doc = splitPieces(doc, func(text string) [][]int { return protectedRE.FindAllStringIndex(text, -1) },
		keep, true)
	doc = splitPieces(doc, func(text string) [][]int { return figureRE.FindAllStringIndex(text, -1) }, keep, false)
	terms := append(Glossary(nil), glossary...)
	sort.SliceStable(terms, func(i, j int) bool { return len(terms[i].Term) > len(terms[j].Term) })
	for _, term := range terms {
		if strings.TrimSpace(term.Term) == "" {
			continue
		}
		re := termPattern(term.Term)
		form, fixed := term.Forms[target]
		doc = splitPieces(doc, func(text string) [][]int { return wholeWords(text, re.FindAllStringIndex(text, -1)) },
			func(s string) Piece {
				if fixed {
					return keep(form)
				}
				return keep(s)
			}, false)
	}
	return doc.merged()
}

// splitPieces cuts every text piece at the spans find returns, turning each
// span into the piece made by mk.
func splitPieces(doc Doc, find func(string) [][]int, mk func(string) Piece, urlTrim bool) Doc {
	var out Doc
	for _, p := range doc {
		if p.Keep {
			out = append(out, p)
			continue
		}
		last := 0
		for _, m := range find(p.Text) {
			start, end := m[0], m[1]
			if urlTrim {
				end = start + len(trimURL(p.Text[start:end]))
			}
			if start > last {
				out = append(out, Piece{Text: p.Text[last:start]})
			}
			out = append(out, mk(p.Text[start:end]))
			last = end
		}
		if last < len(p.Text) {
			out = append(out, Piece{Text: p.Text[last:]})
		}
	}
	return out
}

// trimURL leaves sentence punctuation after a link outside it.
func trimURL(s string) string {
	if !strings.Contains(s, ":") || strings.HasPrefix(s, "`") {
		return s
	}
	return strings.TrimRight(s, ".,;:!?)»”'\"")
}

// wholeWords keeps the matches that are not part of a longer word.
func wholeWords(text string, matches [][]int) [][]int {
	var out [][]int
	for _, m := range matches {
		before, _ := utf8.DecodeLastRuneInString(text[:m[0]])
		after, _ := utf8.DecodeRuneInString(text[m[1]:])
		if (m[0] == 0 || !isWordRune(before)) && (m[1] == len(text) || !isWordRune(after)) {
			out = append(out, m)
		}
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

func isLetter(r rune) bool { return unicode.IsLetter(r) }

// merged joins neighbouring pieces of the same kind.
func (d Doc) merged() Doc {
	var out Doc
	for _, p := range d {
		if p.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Keep == p.Keep {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}

// Render writes the document back as text or HTML.
func (d Doc) Render(f Format) string {
	var b strings.Builder
	for _, p := range d {
		if f == HTML && !p.Keep {
			b.WriteString(html.EscapeString(p.Text))
		} else {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}
