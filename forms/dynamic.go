package forms

import (
	"context"
	"fmt"

	"starling/database"
)

// OptionSource gives the options of a question that depend on who answers
// and on what the conversation is about (its preset answers).
type OptionSource func(ctx context.Context, conv *database.Conversation) ([]Option, error)

// Source registers the options a template's `options_from: name` refers to.
func (e *Engine) Source(name string, fn OptionSource) { e.sources[name] = fn }

// Check validates a text answer in a way only its owner knows (an amount
// of money or hours, say): it returns the answer as kept, or a CheckError
// whose reason, in lang, is shown before the question is asked again.
type Check func(ctx context.Context, answer Answer, lang string) (Answer, error)

// CheckError is an answer a Check refused, and why, already localized.
type CheckError struct{ Reason string }

func (e *CheckError) Error() string { return "answer refused: " + e.Reason }

// Checker registers the check a template's `check: name` refers to.
func (e *Engine) Checker(name string, fn Check) { e.checks[name] = fn }

func (e *Engine) check(ctx context.Context, q *Question, answer Answer, lang string) (Answer, error) {
	fn, ok := e.checks[q.Check]
	if !ok {
		return Answer{}, fmt.Errorf("no check %q for question %q", q.Check, q.ID)
	}
	return fn(ctx, answer, lang)
}

// question is question i as this person sees it: with its options from its
// source, and skip set when there is nothing to choose (one option, which
// is then the answer, or none).
func (e *Engine) question(ctx context.Context, conv *database.Conversation, tmpl *Template, i int) (q *Question, skip bool, err error) {
	q = &tmpl.Questions[i]
	if q.OptionsFrom == "" {
		return q, false, nil
	}
	fn, ok := e.sources[q.OptionsFrom]
	if !ok {
		return nil, false, fmt.Errorf("no option source %q for question %q", q.OptionsFrom, q.ID)
	}
	opts, err := fn(ctx, conv)
	if err != nil {
		return nil, false, err
	}
	resolved := *q
	resolved.Options = opts
	return &resolved, len(opts) <= 1, nil
}

// skipped lists the questions this person is not asked.
func (e *Engine) skipped(ctx context.Context, conv *database.Conversation, tmpl *Template) (map[int]bool, error) {
	out := map[int]bool{}
	for i, q := range tmpl.Questions {
		if q.OptionsFrom == "" {
			continue
		}
		if _, skip, err := e.question(ctx, conv, tmpl, i); err != nil {
			return nil, err
		} else if skip {
			out[i] = true
		}
	}
	return out, nil
}

// settle moves past questions there is nothing to ask, taking a single
// option as the answer, so the person never sees them.
func (e *Engine) settle(ctx context.Context, conv *database.Conversation, tmpl *Template) error {
	for conv.Step < len(tmpl.Questions) {
		q, skip, err := e.question(ctx, conv, tmpl, conv.Step)
		if err != nil || !skip {
			return err
		}
		if len(q.Options) == 1 {
			if conv.Answers == nil {
				conv.Answers = map[string]Answer{}
			}
			o := q.Options[0]
			shown, _ := o.Text.In(conv.Lang, tmpl.Language)
			conv.Answers[q.ID] = Answer{Value: o.ID, Shown: shown}
		} else {
			delete(conv.Answers, q.ID)
		}
		conv.Step++
	}
	return nil
}
