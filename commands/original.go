package commands

import (
	"errors"
	"sort"

	"github.com/nicksnyder/go-i18n/v2/i18n"

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
	msgOriginalNotCopy = &i18n.Message{ID: "OriginalNotCopy", Other: "That message was not relayed by me, so it is already the original."}
	msgOriginalShow    = &i18n.Message{
		ID:          "OriginalShow",
		Description: "The original of a relayed message. Sender and Room are bold, Language a language name, Text the quoted original.",
		Other:       "Original by {{.Sender}} in {{.Room}}, in {{.Language}}:\n\n{{.Text}}",
	}
)

func runOriginal(cx *Ctx) error {
	replyTo := cx.Content.AsMessage().RelatesTo.GetReplyTo()
	if replyTo == "" {
		return &UserError{Msg: msgOriginalNoReply, Data: map[string]any{"Command": Echo(cx.Prefix() + "original")}}
	}
	orig, err := cx.router.Relay.OriginalOf(cx.Ctx, cx.RoomID, replyTo)
	if errors.Is(err, relay.ErrNotACopy) {
		return &UserError{Msg: msgOriginalNotCopy}
	} else if err != nil {
		return err
	}
	cx.ReplyFrom(orig.Origin, cx.T(msgOriginalShow, map[string]any{
		"Sender":   bold(orig.Sender),
		"Room":     bold(orig.Room),
		"Language": languageName(orig.Language),
		"Text":     quote(orig.Body),
	}))
	return nil
}

// quote renders text as a Markdown block quote with its markup escaped.
func quote(text string) string {
	lines := splitLines(text)
	for i, l := range lines {
		lines[i] = "> " + escapeMarkdown(l)
	}
	return joinLines(lines)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
