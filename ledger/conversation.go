package ledger

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

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
	msgNoteLong = &i18n.Message{ID: "LedgerNoteLong", Description: "Max is a number.",
		Other: "That note is too long for the ledger: at most {{.Max}} characters. Say it shorter."}
	msgNotRecorded = &i18n.Message{ID: "LedgerNotRecorded",
		Description: "The end of a 🤝 conversation whose room left its coalition, or that the person left, meanwhile.",
		Other:       "Nothing was recorded: that room is no longer in a coalition with a ledger, or you are no longer in it."}
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
	engine.Checker("ledger-note", s.checkNote)
	return nil
}

// checkNote keeps a note as short as a typed one must be.
func (s *Service) checkNote(_ context.Context, answer forms.Answer, lang string) (forms.Answer, error) {
	if utf8.RuneCountInString(answer.Value) > maxNoteRunes {
		return forms.Answer{}, &forms.CheckError{Reason: s.l10n.Text(lang, msgNoteLong, map[string]any{"Max": maxNoteRunes})}
	}
	return answer, nil
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
	// Each message's record is a conversation of its own: a 🤝 elsewhere
	// while one is open is told apart, never mistaken for it.
	sum := sha256.Sum256([]byte(evt.RoomID.String() + "\x00" + rel.EventID.String()))
	ref := int64(binary.BigEndian.Uint64(sum[:8]) >> 1)
	return true, s.forms.StartWith(ctx, evt.Sender, Kind, ref, TemplateID, preset)
}

// receiverOptions are the rooms the giving room may have given to.
func (s *Service) receiverOptions(ctx context.Context, conv *database.Conversation) ([]forms.Option, error) {
	from := id.RoomID(conv.Answers[presetRoom].Value)
	var roomIDs []id.RoomID
	// A room that left its coalition meanwhile offers only the coalition:
	// the conversation goes on, and its end says nothing can be recorded.
	if pl, err := s.place(ctx, from); err == nil {
		roomIDs = pl.rooms
	} else if !errors.Is(err, ErrNotLinked) && !errors.Is(err, ErrResponderRoom) {
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
	word := []rune(strings.Join(strings.Fields(strings.ReplaceAll(ae.Word, "`", "'")), " "))
	if len(word) > 40 {
		word = append(word[:39], '…')
	}
	quoted := "`" + string(word) + "`"
	switch ae.Kind {
	case AmountNoCurrency:
		return s.l10n.Text(lang, msgAmountCurrency, map[string]any{"Word": quoted})
	case AmountOutOfRange:
		return s.l10n.Text(lang, msgAmountRange, map[string]any{"Word": quoted})
	}
	return s.l10n.Text(lang, msgAmountHours, map[string]any{"Word": quoted, "Examples": "`6 h`, `50 EUR`, `3`"})
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
	// Only a member of the room that gave records for it, now as when the
	// 🤝 was given.
	if !s.mx.IsJoined(ctx, r.Room, r.Author) {
		return s.l10n.Text(conv.Lang, msgNotRecorded, nil), nil
	}
	e, err := s.Add(ctx, r)
	if errors.Is(err, ErrNotLinked) || errors.Is(err, ErrResponderRoom) || errors.Is(err, ErrNoSuchEntry) {
		return s.l10n.Text(conv.Lang, msgNotRecorded, nil), nil
	} else if err != nil {
		return "", err
	}
	return s.l10n.Text(conv.Lang, msgRecorded, map[string]any{"Entry": s.Line(ctx, e, conv.Lang)}), nil
}
