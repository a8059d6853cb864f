package ledger

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/rooms"
)

//go:embed entry.yaml
var entryYAML []byte

// Kind is the conversation kind of a contribution recorded by 🤝.
const Kind = "ledger"

// TemplateID is the contribution conversation's template.
const TemplateID = "ledger-entry"

// Preset answers: where the 🤝 was, and on which message.
const (
	presetRoom  = "_room"
	presetEvent = "_event"
	toCoalition = "coalition"
)

// Handshake is the reaction that records a contribution about a message.
const Handshake = "🤝"

var (
	msgRecorded = &i18n.Message{ID: "LedgerRecorded", Description: "Confirms a contribution recorded. Entry is the entry's line.",
		Other: "Recorded in the coalition's ledger: {{.Entry}}"}
	msgAmountHours = &i18n.Message{ID: "LedgerAmountBad",
		Description: "An amount that could not be read. Word is what was typed, in code; Examples are examples in code.",
		Other:       "I cannot read {{.Word}} as an amount. Write hours, money with its currency, or a number, for example {{.Examples}}."}
	msgAmountCurrency = &i18n.Message{ID: "LedgerAmountCurrency", Description: "Word is what was typed, in code.",
		Other: "{{.Word}} does not say which currency: write its code, for example `20 USD`, `20 ARS` or `20 MXN`."}
	msgAmountRange = &i18n.Message{ID: "LedgerAmountRange", Description: "Word is what was typed, in code.",
		Other: "{{.Word}} is not an amount I can keep: it must be more than zero, with at most two decimals."}
)

func (s *Service) registerConversation(engine *forms.Engine) error {
	tmpl, err := forms.ParseTemplate("ledger/entry.yaml", entryYAML)
	if err != nil {
		return fmt.Errorf("failed to load the ledger conversation: %w", err)
	}
	engine.OnSubmit(Kind, s.submit, tmpl)
	engine.Source("ledger-receivers", s.receiverOptions)
	engine.Source("ledger-kinds", s.kindOptions)
	engine.Checker("ledger-amount", s.checkAmount)
	return nil
}

// OnReaction starts recording a contribution when someone reacts 🤝 to a
// message of a coalition room: the room gave, and the message is what it
// is about. It tells whether the reaction was one.
func (s *Service) OnReaction(ctx context.Context, evt *event.Event) (bool, error) {
	rel := evt.Content.AsReaction().RelatesTo
	if rel.Type != event.RelAnnotation || strings.TrimRight(rel.Key, "\ufe0f\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF") != Handshake {
		return false, nil
	}
	if coalitionID, err := s.rooms.CoalitionOf(ctx, evt.RoomID); err != nil || coalitionID == "" {
		return false, err
	}
	preset := map[string]forms.Answer{presetRoom: {Value: evt.RoomID.String()}, presetEvent: {Value: rel.EventID.String()}}
	return true, s.forms.StartWith(ctx, evt.Sender, Kind, 0, TemplateID, preset)
}

// receiverOptions are the rooms the giving room may have given to.
func (s *Service) receiverOptions(ctx context.Context, conv *database.Conversation) ([]forms.Option, error) {
	from := id.RoomID(conv.Answers[presetRoom].Value)
	_, roomIDs, err := s.roomsOf(ctx, from)
	if err != nil {
		return nil, err
	}
	whole := forms.Text{}
	for _, lang := range s.l10n.Languages() {
		whole[lang] = s.l10n.Text(lang, msgToCoalition, nil)
	}
	opts := []forms.Option{{ID: toCoalition, Text: whole}}
	for _, r := range roomIDs {
		if r != from {
			opts = append(opts, forms.Option{ID: r.String(), Text: forms.Text{"": s.mx.RoomName(ctx, r)}, Verbatim: true})
		}
	}
	return opts, nil
}

// kindOptions are the kinds, named in every language as the ledger names
// them.
func (s *Service) kindOptions(context.Context, *database.Conversation) ([]forms.Option, error) {
	opts := make([]forms.Option, len(Kinds))
	for i, kind := range Kinds {
		text := forms.Text{}
		for _, lang := range s.l10n.Languages() {
			text[lang] = s.l10n.Text(lang, KindName(kind), nil)
		}
		opts[i] = forms.Option{ID: kind, Text: text}
	}
	return opts, nil
}

// checkAmount keeps an amount as "<hundredths> <unit>", shown as written
// in the person's language.
func (s *Service) checkAmount(_ context.Context, answer forms.Answer, lang string) (forms.Answer, error) {
	a, took, err := ParseAmount(strings.Fields(answer.Shown), lang)
	if err == nil && (took == 0 || took < len(strings.Fields(answer.Shown))) {
		err = &AmountError{Kind: AmountBadNumber, Word: answer.Shown}
	}
	if err != nil {
		return forms.Answer{}, &forms.CheckError{Reason: s.AmountProblem(lang, err)}
	}
	return forms.Answer{Value: fmt.Sprintf("%d %s", a.Hundredths, a.Unit), Shown: a.Format(lang)}, nil
}

// AmountProblem says, in lang, what is wrong with an amount.
func (s *Service) AmountProblem(lang string, err error) string {
	var ae *AmountError
	if !errors.As(err, &ae) {
		ae = &AmountError{Kind: AmountBadNumber}
	}
	word := "`" + strings.ReplaceAll(ae.Word, "`", "'") + "`"
	switch ae.Kind {
	case AmountNoCurrency:
		return s.l10n.Text(lang, msgAmountCurrency, map[string]any{"Word": word})
	case AmountOutOfRange:
		return s.l10n.Text(lang, msgAmountRange, map[string]any{"Word": word})
	}
	return s.l10n.Text(lang, msgAmountHours, map[string]any{"Word": word, "Examples": "`6 h`, `50 EUR`, `3`"})
}

// submit records the contribution a 🤝 conversation gathered.
func (s *Service) submit(ctx context.Context, conv *database.Conversation, _ *forms.Template) (string, error) {
	ans := conv.Answers
	r := Record{Room: id.RoomID(ans[presetRoom].Value), Author: conv.UserID, Lang: conv.Lang, Link: id.EventID(ans[presetEvent].Value),
		Draft: Draft{Kind: ans["kind"].Value, Note: ans["note"].Value},
		// Told in the person's direct chat: encrypted.
		Origin: rooms.Private}
	if to := ans["to"].Value; to != toCoalition {
		r.To = id.RoomID(to)
	}
	if v := ans["amount"].Value; v != "" {
		hundredths, unit, _ := strings.Cut(v, " ")
		n, err := strconv.ParseInt(hundredths, 10, 64)
		if err != nil {
			return "", fmt.Errorf("failed to read a kept amount %q: %w", v, err)
		}
		r.Draft.Amount = Amount{Hundredths: n, Unit: unit}
	}
	e, err := s.Add(ctx, r)
	if err != nil {
		return "", err
	}
	return s.l10n.Text(conv.Lang, msgRecorded, map[string]any{"Entry": s.Line(ctx, e, conv.Lang)}), nil
}
