package commands

import (
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/database"
	"starling/rooms"
)

var (
	msgGlossarySummary       = &i18n.Message{ID: "GlossarySummary", Other: "List the coalition's glossary."}
	msgGlossaryAddSummary    = &i18n.Message{ID: "GlossaryAddSummary", Other: "Never translate a term, or translate it in a fixed way per language (moderators)."}
	msgGlossaryListSummary   = &i18n.Message{ID: "GlossaryListSummary", Other: "List the terms the coalition protects."}
	msgGlossaryRemoveSummary = &i18n.Message{ID: "GlossaryRemoveSummary", Other: "Remove a term from the glossary (moderators)."}
	msgGlossaryAdded         = &i18n.Message{ID: "GlossaryAdded", Description: "Term is a code span.", Other: "{{.Term}} is now in the glossary: it is never translated."}
	msgGlossaryAddedForms    = &i18n.Message{ID: "GlossaryAddedForms", Description: "Term is a code span, Forms a list like es: x, fr: y.", Other: "{{.Term}} is now in the glossary, translated as: {{.Forms}}."}
	msgGlossaryRemoved       = &i18n.Message{ID: "GlossaryRemoved", Description: "Term is a code span.", Other: "{{.Term}} was removed from the glossary."}
	msgGlossaryNoSuchTerm    = &i18n.Message{ID: "GlossaryNoSuchTerm", Description: "Term is a code span.", Other: "{{.Term}} is not in the glossary. Nothing was changed."}
	msgGlossaryEmpty         = &i18n.Message{ID: "GlossaryEmpty", Description: "Command is a code span.", Other: "The glossary is empty. Add a term with {{.Command}}."}
	msgGlossaryHeader        = &i18n.Message{
		ID:    "GlossaryHeader",
		One:   "The glossary has {{.Count}} term:",
		Other: "The glossary has {{.Count}} terms:",
	}
	msgGlossaryBadForms = &i18n.Message{
		ID:          "GlossaryBadForms",
		Description: "The fixed translations after = were not understood. Example is a code span.",
		Other:       "After = give each language's form as code:term, for example {{.Example}}. Nothing was changed.",
	}
)

// parseGlossaryAdd reads "<term>" or "<term> = es:<t> fr:<t>"; a form may
// have several words ("fr:grève générale").
func parseGlossaryAdd(raw string) (*database.GlossaryTerm, bool) {
	termPart, formsPart, hasForms := strings.Cut(raw, "=")
	term := strings.Join(strings.Fields(termPart), " ")
	if term == "" || len([]rune(term)) > 100 {
		return nil, false
	}
	out := &database.GlossaryTerm{Term: term, Forms: map[string]string{}}
	if !hasForms {
		return out, true
	}
	lang := ""
	for _, word := range strings.Fields(formsPart) {
		if code, rest, ok := strings.Cut(word, ":"); ok {
			if parsed, valid := ParseLanguage(code); valid && len(code) <= 3 {
				lang = parsed
				out.Forms[lang] = rest
				continue
			}
		}
		if lang == "" {
			return nil, false
		}
		out.Forms[lang] = strings.TrimSpace(out.Forms[lang] + " " + word)
	}
	for _, f := range out.Forms {
		if f == "" || len([]rune(f)) > 100 {
			return nil, false
		}
	}
	return out, len(out.Forms) > 0
}

func runGlossaryAdd(cx *Ctx) error {
	term, ok := parseGlossaryAdd(cx.RawArgs)
	if !ok {
		return &UserError{Msg: msgGlossaryBadForms, Data: map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() + "glossary add huelga = en:strike fr:grève")}}
	}
	// Every room is told, in symbols any language reads: + term → forms.
	shown := "+ " + Echo(term.Term)
	if len(term.Forms) > 0 {
		shown += " → " + formsList(term.Forms)
	}
	if err := cx.router.Relay.Coalitions().AddTerm(cx.Ctx, cx.RoomID, term, cx.Sender, cx.Origin, shown); err != nil {
		return relayError(cx, err)
	}
	if len(term.Forms) == 0 {
		cx.Reply(msgGlossaryAdded, map[string]any{"Term": Echo(term.Term)})
		return nil
	}
	cx.Reply(msgGlossaryAddedForms, map[string]any{"Term": Echo(term.Term), "Forms": formsList(term.Forms)})
	return nil
}

func formsList(forms map[string]string) string {
	var parts []string
	for _, lang := range sortedKeys(forms) {
		parts = append(parts, lang+": "+Echo(forms[lang]))
	}
	return strings.Join(parts, ", ")
}

func runGlossaryList(cx *Ctx) error {
	coalitions := cx.router.Relay.Coalitions()
	coalitionID, err := coalitions.CoalitionOf(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	} else if coalitionID == "" {
		return relayError(cx, relayNotLinked)
	}
	terms, err := coalitions.Glossary(cx.Ctx, coalitionID)
	if err != nil {
		return err
	}
	if len(terms) == 0 {
		cx.Reply(msgGlossaryEmpty, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "glossary add <term>")})
		return nil
	}
	var b strings.Builder
	b.WriteString(cx.router.L10n.Plural(cx.Lang, msgGlossaryHeader, len(terms), nil) + "\n\n")
	from := rooms.Bot
	for _, t := range terms {
		from.Encrypted = from.Encrypted || t.Encrypted
		line := "- " + Echo(t.Term)
		if len(t.Forms) > 0 {
			line += " → " + formsList(t.Forms)
		}
		b.WriteString(line + "\n")
	}
	cx.ReplyFrom(from, b.String())
	return nil
}

func runGlossaryRemove(cx *Ctx) error {
	term := strings.Join(cx.Args, " ")
	removed, err := cx.router.Relay.Coalitions().RemoveTerm(cx.Ctx, cx.RoomID, term, cx.Sender, cx.Origin, "− "+Echo(term))
	if err != nil {
		return relayError(cx, err)
	}
	if !removed {
		cx.Reply(msgGlossaryNoSuchTerm, map[string]any{"Term": Echo(term)})
		return nil
	}
	cx.Reply(msgGlossaryRemoved, map[string]any{"Term": Echo(term)})
	return nil
}
