package translate

import (
	"errors"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// HTTP engines see a document as markup: text escaped, each kept piece
// replaced by an empty placeholder element <x i="N"/> that the engines'
// tag handling leaves in place. The placeholders are put back afterwards.

var placeholderRE = regexp.MustCompile(`<x\s+i="(\d+)"\s*/>|<x\s+i="(\d+)"\s*>\s*</x>`)

// errMangled means an engine lost or duplicated a placeholder.
var errMangled = errors.New("engine did not keep the protected parts")

func encodeMarkup(doc Doc) string {
	var b strings.Builder
	for i, p := range doc {
		if p.Keep {
			fmt.Fprintf(&b, `<x i="%d"/>`, i)
		} else {
			b.WriteString(html.EscapeString(p.Text))
		}
	}
	return b.String()
}

func decodeMarkup(out string, source Doc) (Doc, error) {
	var doc Doc
	seen := make(map[int]bool)
	last := 0
	for _, m := range placeholderRE.FindAllStringSubmatchIndex(out, -1) {
		idxText := out[m[2]:m[3]]
		if m[2] < 0 {
			idxText = out[m[4]:m[5]]
		}
		i, err := strconv.Atoi(idxText)
		if err != nil || i >= len(source) || !source[i].Keep || seen[i] {
			return nil, errMangled
		}
		seen[i] = true
		doc = append(doc, Piece{Text: html.UnescapeString(out[last:m[0]])}, source[i])
		last = m[1]
	}
	doc = append(doc, Piece{Text: html.UnescapeString(out[last:])})
	for i, p := range source {
		if p.Keep && !seen[i] {
			return nil, errMangled
		}
	}
	return doc.merged(), nil
}
