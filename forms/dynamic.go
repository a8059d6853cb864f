package forms

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix/id"

	"starling/database"
)

// OptionSource gives the options of a question that depend on who answers.
type OptionSource func(ctx context.Context, userID id.UserID) ([]Option, error)

// Source registers the options a template's `options_from: name` refers to.
func (e *Engine) Source(name string, fn OptionSource) { e.sources[name] = fn }

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
	opts, err := fn(ctx, conv.UserID)
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
