package commands

import (
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
)

var (
	msgTranslateSummary = &i18n.Message{ID: "TranslateSummary",
		Other: "Reply with this to a message to get it translated, into your own language or the one you name, in your direct chat. Reacting with a flag does the same."}
	msgTranslateNoReply = &i18n.Message{
		ID:          "TranslateNoReply",
		Description: "!translate was not sent as a reply. Command is a code span.",
		Other:       "Send {{.Command}} as a reply to the message you want translated.",
	}
	msgTranslateSent = &i18n.Message{ID: "TranslateSent", Other: "I am sending the translation to your direct chat."}
)

// runTranslate translates the message replied to for the sender alone, in
// their direct chat, as a flag reaction does.
func runTranslate(cx *Ctx) error {
	replyTo := cx.Content.AsMessage().RelatesTo.GetReplyTo()
	if replyTo == "" {
		return &UserError{Msg: msgTranslateNoReply, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "translate es")}}
	}
	var lang string
	if len(cx.Args) > 0 {
		var ok bool
		if lang, ok = ParseLanguage(cx.Args[0]); !ok {
			return badLanguage(cx.Args[0])
		}
	}
	cx.router.Relay.TranslateFor(cx.Ctx, cx.RoomID, replyTo, cx.Sender, lang)
	cx.Reply(msgTranslateSent, nil)
	return nil
}
