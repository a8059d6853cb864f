package translate

import (
	"strings"
	"unicode"
)

// Apertium's stream format: reserved characters are escaped with a
// backslash, and a superblank "[...]" passes through every stage of the
// pipeline untouched. Kept pieces travel as superblanks; a period followed
// by an empty superblank ".[]" marks a sentence end the deformatter added.

const streamReserved = `\[]^$/<>@{}*#`

func escapeStream(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == 0 {
			continue
		}
		if strings.ContainsRune(streamReserved, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// encodeStream writes a document for the pipeline. Line breaks become
// superblanks, and sentence ends are added where a line stops without one,
// so the tagger sees sentences.
func encodeStream(doc Doc) string {
	var b strings.Builder
	lastText := ""
	endSentence := func() {
		t := strings.TrimRightFunc(lastText, unicode.IsSpace)
		if t == "" {
			return
		}
		last := []rune(t)[len([]rune(t))-1]
		if unicode.IsLetter(last) || unicode.IsDigit(last) {
			b.WriteString(".[]")
		}
		lastText = ""
	}

	for _, p := range doc {
		if p.Keep {
			b.WriteString("[" + escapeStream(p.Text) + "]")
			continue
		}
		for i, line := range strings.Split(p.Text, "\n") {
			if i > 0 {
				endSentence()
				b.WriteString("[\n]")
			}
			b.WriteString(escapeStream(line))
			if strings.TrimSpace(line) != "" {
				lastText = line
			}
		}
	}
	endSentence()
	// The analyser holds back a final token until a blank follows it.
	b.WriteString("[ ]")
	return b.String()
}

// decodeStream reads the pipeline's output back into a document. Marks that
// Apertium puts before words it could not handle (#, @) are dropped unless
// the source itself had such characters.
func decodeStream(out string, source Doc) Doc {
	out = strings.ReplaceAll(out, ".[]", "")
	sourceText := source.Render(Text)
	dropHash := !strings.Contains(sourceText, "#")
	dropAt := !strings.Contains(sourceText, "@")
	dropStar := !strings.Contains(sourceText, "*")
	var doc Doc
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			doc = append(doc, Piece{Text: text.String()})
			text.Reset()
		}
	}
	rs := []rune(out)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\' && i+1 < len(rs):
			i++
			text.WriteRune(rs[i])
		case r == '[':
			flush()
			var blank strings.Builder
			for i++; i < len(rs) && rs[i] != ']'; i++ {
				if rs[i] == '\\' && i+1 < len(rs) {
					i++
				}
				blank.WriteRune(rs[i])
			}
			if blank.Len() > 0 {
				if blank.String() == "\n" || strings.TrimSpace(blank.String()) == "" {
					text.WriteString(blank.String())
				} else {
					doc = append(doc, Piece{Text: blank.String(), Keep: true})
				}
			}
		case (r == '#' && dropHash || r == '@' && dropAt || r == '*' && dropStar) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]) &&
			(i == 0 || !unicode.IsLetter(rs[i-1]) && !unicode.IsDigit(rs[i-1])):
			// an unknown-word or generation mark
		default:
			text.WriteRune(r)
		}
	}
	flush()
	return cleanSpaces(doc)
}

// cleanSpaces removes what Apertium adds around words: doubled spaces and
// spaces at the start or end of a line.
func cleanSpaces(doc Doc) Doc {
	for i := range doc {
		if doc[i].Keep {
			continue
		}
		lines := strings.Split(doc[i].Text, "\n")
		for j, l := range lines {
			for strings.Contains(l, "  ") {
				l = strings.ReplaceAll(l, "  ", " ")
			}
			lines[j] = l
		}
		doc[i].Text = strings.Join(lines, "\n")
		if i == 0 {
			doc[i].Text = strings.TrimLeft(doc[i].Text, " ")
		}
		if i == len(doc)-1 {
			doc[i].Text = strings.TrimRight(doc[i].Text, " ")
		}
	}
	return doc.merged()
}
