package forms

import (
	"context"
	"strconv"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/format"

	"starling/translate"
)

// title is the template's title in lang, bold-safe.
func (e *Engine) title(ctx context.Context, tmpl *Template, lang string) string {
	if tmpl == nil {
		return "?"
	}
	return format.EscapeMarkdown(e.text(ctx, tmpl.Title, tmpl.Language, lang))
}

// text picks a template text in lang; a missing language is machine
// translated once (the translator caches it).
func (e *Engine) text(ctx context.Context, t Text, templateLang, lang string) string {
	s, exact := t.In(lang, templateLang)
	if exact || s == "" || e.tr == nil {
		return s
	}
	from := templateLang
	for k, v := range t {
		if v == s && k != "" {
			from = k
		}
	}
	res, err := e.tr.Translate(ctx, translate.Request{Source: from, Target: lang, Texts: []string{s}})
	if err != nil {
		zerolog.Ctx(ctx).Debug().Err(err).Msg("No translation for a template text")
		return s
	}
	return res[0].Text
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
