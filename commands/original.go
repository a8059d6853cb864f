package commands

import (
	"cmp"
	"errors"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/database"
	"starling/internal/mxtext"
	"starling/relay"
)

var relayNotLinked = relay.ErrNotLinked

var (
	msgOriginalSummary = &i18n.Message{ID: "OriginalSummary", Other: "Reply with this to a relayed message to see its original text and language."}
	msgOriginalNoReply = &i18n.Message{
		ID:          "OriginalNoReply",
		Description: "!original was not sent as a reply. Command is a code span.",
		Other:       "Send {{.Command}} as a reply to a relayed message.",
	}
	msgOriginalNotCopy    = &i18n.Message{ID: "OriginalNotCopy", Other: "That message was not relayed by me, so it is already the original."}
	msgOriginalUnreadable = &i18n.Message{
		ID:          "OriginalUnreadable",
		Description: "!original of a copy whose original the bot cannot decrypt: it was sent before this bot joined (e.g. while another Starling instance served the coalition).",
		Other:       "I cannot read the original of that message: it was sent before I joined that room, and its keys never reached me. The copy here is what was relayed then.",
	}
	msgOriginalShow = &i18n.Message{
		ID:          "OriginalShow",
		Description: "The original of a relayed message. Sender and Room are bold, Language a language name, Text the quoted original.",
		Other:       "Original by {{.Sender}} in {{.Room}}, in {{.Language}}:\n\n{{.Text}}",
	}
	msgOriginalTranslatedBy = &i18n.Message{
		ID:          "OriginalTranslatedBy",
		Description: "Which translation engine made the copy, and the languages it went through (codes, e.g. fr → ca → en: through Catalan).",
		Other:       "Translated by {{.Engine}}: {{.Route}}.",
	}
	msgOriginalDetected = &i18n.Message{
		ID:          "OriginalDetected",
		Description: "The original's language was detected, in a room where several languages are spoken.",
		Other:       "Its language was detected: that room speaks several.",
	}
	msgOriginalUntranslated = &i18n.Message{
		ID:          "OriginalUntranslated",
		Description: "The copy could not be translated and shows the original text.",
		Other:       "No engine could translate it: it was relayed as written.",
	}
)

// engineNames are the translation engines as their makers write them.
var engineNames = map[string]string{"apertium": "Apertium", "libretranslate": "LibreTranslate", "deepl": "DeepL"}

func runOriginal(cx *Ctx) error {
	replyTo := cx.Content.AsMessage().RelatesTo.GetReplyTo()
	if replyTo == "" {
		return &UserError{Msg: msgOriginalNoReply, Data: map[string]any{"Command": Echo(cx.Prefix() + "original")}}
	}
	orig, err := cx.router.Relay.OriginalOf(cx.Ctx, cx.RoomID, replyTo)
	if errors.Is(err, relay.ErrNotACopy) {
		return &UserError{Msg: msgOriginalNotCopy}
	} else if errors.Is(err, relay.ErrUnreadable) {
		return &UserError{Msg: msgOriginalUnreadable}
	} else if err != nil {
		return err
	}
	text := cx.T(msgOriginalShow, map[string]any{
		"Sender":   bold(orig.Sender),
		"Room":     bold(orig.Room),
		"Language": languageName(orig.Language),
		"Text":     mxtext.Quote(orig.Body),
	})
	if orig.Detected {
		text += "\n\n" + cx.T(msgOriginalDetected, nil)
	}
	if how := translatedBy(cx, orig); how != "" {
		text += "\n\n" + how
	}
	cx.ReplyFrom(orig.Origin, text)
	return nil
}

// translatedBy says which engine translated the copy and through which
// languages; nothing for a copy that needed no translation, or one made
// before this was kept.
func translatedBy(cx *Ctx, orig *relay.Original) string {
	switch orig.Translation {
	case "", database.TranslationNone:
		return ""
	case database.TranslationFailed:
		return cx.T(msgOriginalUntranslated, nil)
	}
	route := make([]string, len(orig.Route))
	for i, lang := range orig.Route {
		route[i] = format.SafeMarkdownCode(lang)
	}
	return cx.T(msgOriginalTranslatedBy, map[string]any{
		"Engine": cmp.Or(engineNames[orig.Translation], format.SafeMarkdownCode(orig.Translation)),
		"Route":  strings.Join(route, " → "),
	})
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
