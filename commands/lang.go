package commands

import (
	"fmt"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"maunium.net/go/mautrix/format"
)

var (
	msgLangSummary     = &i18n.Message{ID: "LangSummary", Other: "Show this room's language and yours."}
	msgLangRoomSummary = &i18n.Message{ID: "LangRoomSummary", Other: "Set this room's language (moderators)."}
	msgLangMeSummary   = &i18n.Message{ID: "LangMeSummary", Other: "Set your own language, used in private chats with me."}
	msgLangShow        = &i18n.Message{
		ID:          "LangShow",
		Description: "Answer to !lang. Room and Mine are language names with their code.",
		Other:       "This room's language: {{.Room}}\n\nYour language: {{.Mine}}",
	}
	msgLangNotSet = &i18n.Message{
		ID:          "LangNotSet",
		Description: "Shown instead of a personal language that was never chosen. Command is a code span.",
		Other:       "not chosen (you get each room's language; choose with {{.Command}})",
	}
	msgLangRoomSet = &i18n.Message{
		ID:          "LangRoomSet",
		Description: "Confirmation, written in the newly chosen language. Language is its name and code.",
		Other:       "This room's language is now {{.Language}}. I will answer here in it.",
	}
	msgLangRoomSetUnspoken = &i18n.Message{
		ID:          "LangRoomSetUnspoken",
		Description: "Confirmation when the chosen language is not one the bot's own replies exist in.",
		Other:       "This room's language is now {{.Language}}. My own replies are not written in it yet, so I will answer here in {{.Fallback}}.",
	}
	msgLangMeSet = &i18n.Message{
		ID:          "LangMeSet",
		Description: "Confirmation, written in the newly chosen language. Language is its name and code.",
		Other:       "Your language is now {{.Language}}. I will write to you in it in private chats.",
	}
	msgLangRoomMixed = &i18n.Message{
		ID:          "LangRoomMixed",
		Description: "Confirmation of !lang room auto: several languages are spoken in the room. Language is the name and code of the one the bot answers in.",
		Other:       "This room speaks several languages now: I detect each message's language before translating it, and answer here in {{.Language}}.",
	}
	msgLangMixedNote = &i18n.Message{
		ID:          "LangMixedNote",
		Description: "The language of a room where several are spoken, in the answer to !lang. Language is the name and code of the one the bot answers in.",
		Other:       "{{.Language}} and others (each message's language is detected)",
	}
	msgLangBadCode = &i18n.Message{
		ID:          "LangBadCode",
		Description: "Refusal of an unknown language code. Code is a code span, Examples a list of code spans.",
		Other:       "{{.Code}} is not a language code I know. Use a two-letter code such as {{.Examples}}. Nothing was changed.",
	}
)

// ParseLanguage returns the ISO 639 code of a typed language code ("ES",
// "spa" and "es-MX" all give "es").
func ParseLanguage(code string) (string, bool) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > 35 {
		return "", false
	}
	tag, err := language.Parse(code)
	if err != nil {
		return "", false
	}
	base, conf := tag.Base()
	if conf == language.No || base.String() == "und" {
		return "", false
	}
	return base.String(), true
}

// languageName is "español (`es`)": the language's own name and its code.
func languageName(code string) string {
	name := display.Self.Name(language.Make(code))
	if name == "" {
		return format.SafeMarkdownCode(code)
	}
	return fmt.Sprintf("**%s** (%s)", name, format.SafeMarkdownCode(code))
}

func runLangShow(cx *Ctx) error {
	mine := cx.T(msgLangNotSet, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "lang me es")})
	if cx.person.Language != "" {
		mine = languageName(cx.person.Language)
	}
	room := languageName(cx.RoomLanguage())
	if cx.Room.Mixed {
		room = cx.T(msgLangMixedNote, map[string]any{"Language": room})
	}
	cx.Reply(msgLangShow, map[string]any{"Room": room, "Mine": mine})
	return nil
}

func badLanguage(code string) error {
	return &UserError{Msg: msgLangBadCode, Data: map[string]any{
		"Code":     Echo(code),
		"Examples": "`es`, `fr`, `ar`",
	}}
}

// runLangRoom sets the room's language, or with "auto" makes it a room of
// several languages whose messages' languages are detected (answered in the
// one named, else the room's current one).
func runLangRoom(cx *Ctx) error {
	args, mixed := cx.Args, strings.EqualFold(cx.Args[0], "auto")
	if mixed {
		args = args[1:]
	} else if len(args) > 1 {
		return badLanguage(strings.Join(args, " "))
	}
	code := cx.RoomLanguage()
	if len(args) > 0 {
		var ok bool
		if code, ok = ParseLanguage(args[0]); !ok {
			return badLanguage(args[0])
		}
	}
	if err := cx.router.DB.Room.SetLanguage(cx.Ctx, cx.RoomID, code, mixed); err != nil {
		return err
	}
	cx.Room.Language, cx.Room.Mixed = code, mixed
	if !cx.Direct || cx.person.Language == "" {
		cx.Lang = code
	}
	if mixed {
		cx.Reply(msgLangRoomMixed, map[string]any{"Language": languageName(code)})
		return nil
	}
	if !cx.router.L10n.Speaks(code) {
		cx.Reply(msgLangRoomSetUnspoken, map[string]any{"Language": languageName(code), "Fallback": languageName("en")})
		return nil
	}
	cx.Reply(msgLangRoomSet, map[string]any{"Language": languageName(code)})
	return nil
}

func runLangMe(cx *Ctx) error {
	code, ok := ParseLanguage(cx.Args[0])
	if !ok {
		return badLanguage(cx.Args[0])
	}
	if err := cx.router.DB.Person.SetLanguage(cx.Ctx, cx.Sender, code); err != nil {
		return err
	}
	cx.person.Language = code
	cx.Lang = code
	cx.Reply(msgLangMeSet, map[string]any{"Language": languageName(code)})
	return nil
}
