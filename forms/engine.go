package forms

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// Matrix is what the engine needs from the bot.
type Matrix interface {
	// OpenDM returns a direct chat with the user, creating one if needed.
	OpenDM(ctx context.Context, userID id.UserID) (id.RoomID, error)
	// SendToPerson sends to the user in the direct chat used so far, or in
	// a new one if that room stopped being a direct chat; it returns the
	// room used.
	SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error)
	// SendMarkdown sends a notice into a room; from is where its content came from.
	SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string, from rooms.Origin) (id.EventID, error)
	// SendOnce sends content under txnID at most once, however often it is
	// asked to (a retry after a failure or a stop).
	SendOnce(ctx context.Context, roomID id.RoomID, content *event.MessageEventContent, txnID string, from rooms.Origin) (id.EventID, error)
	// IsJoined tells whether the user is in the room now.
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
}

// SubmitFunc receives the answers of a finished conversation of a kind
// other than a form (an incident report) and returns the confirmation
// message to show.
type SubmitFunc func(ctx context.Context, conv *database.Conversation, tmpl *Template) (string, error)

// Engine runs conversations: one question at a time, each answer checked,
// the state saved after every step.
type Engine struct {
	db        *database.Database
	mx        Matrix
	authority *rooms.Authority
	tr        *translate.Translator
	l10n      *translations.Localizer
	templates map[string]*Template
	submit    map[string]SubmitFunc
	hidden    map[string]bool
	sources   map[string]OptionSource
	checks    map[string]Check
	log       zerolog.Logger
	now       func() time.Time
}

// NewEngine builds an engine over the loaded templates.
func NewEngine(deps service.Deps, mx Matrix, templates map[string]*Template) *Engine {
	deps = deps.For("forms")
	return &Engine{db: deps.DB, mx: mx, authority: deps.Rooms, tr: deps.Translator, l10n: deps.L10n, templates: templates,
		submit: map[string]SubmitFunc{}, hidden: map[string]bool{}, sources: map[string]OptionSource{}, checks: map[string]Check{}, log: deps.Log, now: deps.Now}
}

// Templates are the templates people can start as forms, by id.
func (e *Engine) Templates() map[string]*Template {
	out := make(map[string]*Template, len(e.templates))
	for k, t := range e.templates {
		if !e.hidden[k] {
			out[k] = t
		}
	}
	return out
}

// OnSubmit handles finished conversations of a kind (e.g. "incident") whose
// template is not offered as a form.
func (e *Engine) OnSubmit(kind string, fn SubmitFunc, tmpl *Template) {
	e.submit[kind] = fn
	e.templates[tmpl.ID] = tmpl
	e.hidden[tmpl.ID] = true
}

// KindForm is the conversation kind of a form.
const KindForm = "form"

// personLang is the person's own language, else the configured default.

// Start opens a conversation of kind on template for the user in their
// direct chat and asks the first question. A person has one conversation at
// a time: another one already open is kept, and they are told.
func (e *Engine) Start(ctx context.Context, userID id.UserID, kind string, ref int64, templateID string) error {
	return e.StartWith(ctx, userID, kind, ref, templateID, nil)
}

// StartWith is Start with answers known beforehand: what the conversation
// is about (the message a reaction was on, say), kept with it across
// restarts and never asked.
func (e *Engine) StartWith(ctx context.Context, userID id.UserID, kind string, ref int64, templateID string, preset map[string]Answer) error {
	tmpl, ok := e.templates[templateID]
	if !ok {
		return fmt.Errorf("no template %q", templateID)
	}
	lang := e.authority.PersonLanguage(ctx, userID)
	if conv, err := e.db.Conversation.Get(ctx, userID); err != nil || conv != nil {
		return e.alreadyOpen(ctx, conv, kind, ref, templateID, lang, err)
	}
	room, err := e.mx.OpenDM(ctx, userID)
	if err != nil {
		return err
	}
	conv := &database.Conversation{UserID: userID, Kind: kind, Ref: ref, Template: templateID, RoomID: room, Lang: lang, UpdatedAt: e.now(),
		Answers: maps.Clone(preset)}
	if created, err := e.db.Conversation.Create(ctx, conv); err != nil || !created {
		// Another start for the person (from another room, at the same
		// moment) opened theirs first.
		open, getErr := e.db.Conversation.Get(ctx, userID)
		return e.alreadyOpen(ctx, open, kind, ref, templateID, lang, errors.Join(err, getErr))
	}
	intro := e.l10n.Text(lang, msgStarting, map[string]any{
		"Title":       e.title(ctx, tmpl, lang),
		"Description": format.EscapeMarkdown(e.text(ctx, tmpl.Description, tmpl.Language, lang)),
	})
	return e.ask(ctx, conv, intro)
}

// alreadyOpen answers a start for someone who has conv open: the same one
// goes on where it was, another one is kept, and they are told.
func (e *Engine) alreadyOpen(ctx context.Context, conv *database.Conversation, kind string, ref int64, templateID, lang string, err error) error {
	if err != nil || conv == nil {
		return err
	}
	if conv.Kind == kind && conv.Ref == ref && conv.Template == templateID {
		return e.ask(ctx, conv, "")
	}
	other := e.templates[conv.Template]
	return e.say(ctx, conv, lang, msgBusy, map[string]any{"Title": e.title(ctx, other, lang), "Cancel": code(lang, KeyCancel)})
}

// Handle takes a message from a person's direct chat. It returns false when
// the person has no conversation open there.
func (e *Engine) Handle(ctx context.Context, userID id.UserID, roomID id.RoomID, input string) (bool, error) {
	conv, err := e.db.Conversation.Get(ctx, userID)
	if err != nil || conv == nil || conv.RoomID != roomID {
		return false, err
	}
	tmpl, ok := e.templates[conv.Template]
	if !ok {
		return true, e.db.Conversation.Delete(ctx, userID)
	}
	n := len(tmpl.Questions)
	lang := conv.Lang
	save := func(prefix string) error {
		conv.UpdatedAt = e.now()
		if err := e.db.Conversation.Put(ctx, conv); err != nil {
			return err
		}
		return e.ask(ctx, conv, prefix)
	}
	// Cancel works whatever else fails: a conversation that cannot go on
	// must never keep its person from starting another (a report).
	if KeywordOf(input) == KeyCancel {
		if err := e.db.Conversation.Delete(ctx, userID); err != nil {
			return true, err
		}
		return true, e.say(ctx, conv, lang, msgCancelled, nil)
	}
	skipped, err := e.skipped(ctx, conv, tmpl)
	if err != nil {
		return true, err
	}
	switch KeywordOf(input) {
	case KeyBack:
		for prev := conv.Step - 1; prev >= 0; prev-- {
			if !skipped[prev] {
				conv.Step = prev
				break
			}
		}
		return true, save("")
	case KeyReview:
		return true, e.review(ctx, conv, tmpl, "")
	case KeySkip:
		if conv.Step < n {
			if tmpl.Questions[conv.Step].Required {
				return true, e.ask(ctx, conv, e.l10n.Text(lang, msgCannotSkip, nil))
			}
			delete(conv.Answers, tmpl.Questions[conv.Step].ID)
			conv.Step++
			return true, save("")
		}
	case KeySubmit:
		return true, e.finish(ctx, conv, tmpl)
	}
	if conv.Step >= n {
		// Reviewing: a number picks a question to change, as numbered there.
		shown := visible(skipped, n)
		if k, err := strconv.Atoi(strings.TrimSpace(input)); err == nil && k >= 1 && k <= len(shown) {
			conv.Step = shown[k-1]
			return true, save("")
		}
		return true, e.review(ctx, conv, tmpl, "")
	}
	q, _, err := e.question(ctx, conv, tmpl, conv.Step)
	if err != nil {
		return true, err
	}
	answer, err := ParseAnswer(q, input, lang, tmpl.Language)
	if err == nil && q.Check != "" {
		answer, err = e.check(ctx, q, answer, lang)
	}
	if err != nil {
		var ae *AnswerError
		var ce *CheckError
		switch {
		case errors.As(err, &ce):
			return true, e.ask(ctx, conv, ce.Reason)
		case !errors.As(err, &ae):
			return true, err
		}
		return true, e.ask(ctx, conv, e.answerError(lang, ae))
	}
	if conv.Answers == nil {
		conv.Answers = map[string]Answer{}
	}
	conv.Answers[q.ID] = answer
	conv.Step++
	return true, save("")
}

// visible are the indexes of the questions the person is asked, in order.
func visible(skipped map[int]bool, n int) []int {
	out := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if !skipped[i] {
			out = append(out, i)
		}
	}
	return out
}

// ask sends the current question (or the review once all are asked),
// first moving past questions there is nothing to ask.
func (e *Engine) ask(ctx context.Context, conv *database.Conversation, prefix string) error {
	tmpl := e.templates[conv.Template]
	step := conv.Step
	if err := e.settle(ctx, conv, tmpl); err != nil {
		return err
	}
	if conv.Step != step {
		if err := e.db.Conversation.Put(ctx, conv); err != nil {
			return err
		}
	}
	if conv.Step >= len(tmpl.Questions) {
		return e.review(ctx, conv, tmpl, prefix)
	}
	skipped, err := e.skipped(ctx, conv, tmpl)
	if err != nil {
		return err
	}
	shown := visible(skipped, len(tmpl.Questions))
	lang := conv.Lang
	q, _, err := e.question(ctx, conv, tmpl, conv.Step)
	if err != nil {
		return err
	}
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix + "\n\n")
	}
	b.WriteString(e.l10n.Text(lang, msgQuestion, map[string]any{
		"Title": e.title(ctx, tmpl, lang), "N": slices.Index(shown, conv.Step) + 1, "Total": len(shown),
		"Text": format.EscapeMarkdown(e.text(ctx, q.Text, tmpl.Language, lang)),
	}))
	b.WriteString("\n\n")
	for i, o := range q.Options {
		text, _ := o.Text.In(lang, tmpl.Language)
		if !o.Verbatim {
			text = e.text(ctx, o.Text, tmpl.Language, lang)
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, format.EscapeMarkdown(text))
	}
	switch q.Type {
	case TypeChoice:
		b.WriteString("\n" + e.l10n.Text(lang, msgChooseOne, nil))
	case TypeMulti:
		b.WriteString("\n" + e.l10n.Text(lang, msgChooseSeveral, nil))
	case TypeYesNo:
		b.WriteString(e.l10n.Text(lang, msgYesNoHint, nil))
	case TypeDate:
		b.WriteString(e.l10n.Text(lang, msgDateHint, nil))
	case TypeScale, TypeNumber:
		if q.Min != nil && q.Max != nil {
			b.WriteString(e.l10n.Text(lang, msgRangeHint, map[string]any{"Min": num(*q.Min), "Max": num(*q.Max)}))
		}
	}
	if !q.Required {
		b.WriteString("\n\n" + e.l10n.Text(lang, msgOptional, map[string]any{"Skip": code(lang, KeySkip)}))
	}
	b.WriteString("\n\n" + e.l10n.Text(lang, msgControls, map[string]any{
		"Back": code(lang, KeyBack), "Review": code(lang, KeyReview), "Cancel": code(lang, KeyCancel)}))
	return e.tell(ctx, conv, b.String())
}

func (e *Engine) review(ctx context.Context, conv *database.Conversation, tmpl *Template, prefix string) error {
	lang := conv.Lang
	var b strings.Builder
	if prefix != "" {
		b.WriteString(prefix + "\n\n")
	}
	b.WriteString(e.l10n.Text(lang, msgReview, map[string]any{"Title": e.title(ctx, tmpl, lang)}) + "\n\n")
	skipped, err := e.skipped(ctx, conv, tmpl)
	if err != nil {
		return err
	}
	for n, i := range visible(skipped, len(tmpl.Questions)) {
		q := tmpl.Questions[i]
		shown := e.l10n.Text(lang, msgNoAnswer, nil)
		if a, ok := conv.Answers[q.ID]; ok {
			shown = format.EscapeMarkdown(a.Shown)
		}
		fmt.Fprintf(&b, "%d. %s — %s\n", n+1, format.EscapeMarkdown(e.text(ctx, q.Text, tmpl.Language, lang)), shown)
	}
	b.WriteString("\n" + e.l10n.Text(lang, msgReviewHint, map[string]any{
		"Submit": code(lang, KeySubmit), "Back": code(lang, KeyBack), "Cancel": code(lang, KeyCancel)}))
	return e.tell(ctx, conv, b.String())
}

// finish submits the answers if every required question asked has one.
func (e *Engine) finish(ctx context.Context, conv *database.Conversation, tmpl *Template) error {
	skipped, err := e.skipped(ctx, conv, tmpl)
	if err != nil {
		return err
	}
	for i, q := range tmpl.Questions {
		if _, ok := conv.Answers[q.ID]; q.Required && !ok && !skipped[i] {
			conv.Step = i
			if err := e.db.Conversation.Put(ctx, conv); err != nil {
				return err
			}
			return e.ask(ctx, conv, e.l10n.Text(conv.Lang, msgMissing, nil))
		}
	}
	var confirmation string
	if conv.Kind == KindForm {
		form, err := e.db.Form.Get(ctx, conv.Ref)
		if err != nil {
			return err
		}
		if form == nil || form.Closed {
			if err = e.db.Conversation.Delete(ctx, conv.UserID); err != nil {
				return err
			}
			return e.say(ctx, conv, conv.Lang, msgFormClosed, nil)
		}
		if err = e.db.Form.PutResponse(ctx, conv.Ref, &database.Response{UserID: conv.UserID, Lang: conv.Lang,
			SubmittedAt: e.now(), Answers: conv.Answers}); err != nil {
			return err
		}
		confirmation = e.l10n.Text(conv.Lang, msgSubmitted, map[string]any{"Title": e.title(ctx, tmpl, conv.Lang)})
	} else if fn, ok := e.submit[conv.Kind]; ok {
		var err error
		if confirmation, err = fn(ctx, conv, tmpl); err != nil {
			return err
		}
	}
	if err := e.db.Conversation.Delete(ctx, conv.UserID); err != nil {
		return err
	}
	return e.tell(ctx, conv, confirmation)
}

func (e *Engine) answerError(lang string, ae *AnswerError) string {
	msgs := map[AnswerErrorKind]*i18n.Message{
		AnswerEmpty: msgBadEmpty, AnswerTooLong: msgBadTooLong, AnswerNotOption: msgBadOption, AnswerNotNumber: msgBadNumber,
		AnswerOutOfRange: msgBadRange, AnswerNotYesNo: msgBadYesNo, AnswerNotDate: msgBadDate,
	}
	return "⚠️ " + e.l10n.Text(lang, msgs[ae.Kind], map[string]any{"Min": num(ae.Min), "Max": num(ae.Max)})
}

func (e *Engine) say(ctx context.Context, conv *database.Conversation, lang string, msg *i18n.Message, data map[string]any) error {
	return e.tell(ctx, conv, e.l10n.Text(lang, msg, data))
}

// tell sends to the person in their direct chat. If the room stopped being
// one (someone else came in), the bot moves to a new one and the
// conversation, if it is still open, follows.
func (e *Engine) tell(ctx context.Context, conv *database.Conversation, markdown string) error {
	room, err := e.mx.SendToPerson(ctx, conv.UserID, conv.RoomID, markdown)
	if err != nil {
		return err
	}
	if room != conv.RoomID {
		conv.RoomID = room
		return e.db.Conversation.SetRoom(ctx, conv.UserID, room)
	}
	return nil
}

// Continue asks a person's open question again: after their direct chat
// stopped being private, it goes to the new one.
func (e *Engine) Continue(ctx context.Context, userID id.UserID) error {
	conv, err := e.db.Conversation.Get(ctx, userID)
	if err != nil || conv == nil {
		return err
	}
	return e.ask(ctx, conv, "")
}
