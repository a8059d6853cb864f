package forms

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"starling/database"
	"starling/internal/fuzzy"
)

// Answer is a validated answer: Value is stable across languages (option
// ids, ISO dates, numbers), Shown is what the person typed, tidied.
type Answer = database.StoredAnswer

// AnswerError is why an answer was refused, for a localized explanation.
type AnswerError struct {
	Kind AnswerErrorKind
	Min  float64
	Max  float64
}

type AnswerErrorKind int

const (
	AnswerEmpty AnswerErrorKind = iota
	AnswerTooLong
	AnswerNotOption
	AnswerNotNumber
	AnswerOutOfRange
	AnswerNotYesNo
	AnswerNotDate
)

func (e *AnswerError) Error() string { return "bad answer " + strconv.Itoa(int(e.Kind)) }

// maxTextAnswer bounds a free-text answer (characters).
const maxTextAnswer = 4000

var (
	yesWords  = set("yes", "y", "si", "sí", "oui", "sim", "ja", "nai", "نعم", "ok", "true")
	noWords   = set("no", "n", "non", "nao", "não", "nein", "لا", "false")
	splitRE   = regexp.MustCompile(`\s*[,;/+،]\s*|\s+(?:and|y|et|e|und|i|و)\s+|\s+`)
	isoDateRE = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	dmyDateRE = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)
)

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[fold(w)] = true
	}
	return m
}

// fold lower-cases, trims and strips accents.
func fold(s string) string { return fuzzy.Fold(strings.TrimSpace(s)) }

// ParseAnswer checks an answer to q, read in lang (the template's language
// is tried too, so option names work in either).
func ParseAnswer(q *Question, input, lang, templateLang string) (Answer, error) {
	input = strings.ToValidUTF8(strings.TrimSpace(input), "")
	if input == "" {
		return Answer{}, &AnswerError{Kind: AnswerEmpty}
	}
	switch q.Type {
	case TypeText:
		if utf8.RuneCountInString(input) > maxTextAnswer {
			return Answer{}, &AnswerError{Kind: AnswerTooLong, Max: maxTextAnswer}
		}
		return Answer{Value: input, Shown: input}, nil
	case TypeChoice:
		o, ok := matchOption(q, input, lang, templateLang)
		if !ok {
			return Answer{}, &AnswerError{Kind: AnswerNotOption, Max: float64(len(q.Options))}
		}
		shown, _ := o.Text.In(lang, templateLang)
		return Answer{Value: o.ID, Shown: shown}, nil
	case TypeMulti:
		parts := []string{input}
		if _, whole := matchOption(q, input, lang, templateLang); !whole {
			parts = splitRE.Split(" "+input+" ", -1)
		}
		var ids, shown []string
		seen := map[string]bool{}
		for _, part := range parts {
			if strings.TrimSpace(part) == "" {
				continue
			}
			o, ok := matchOption(q, part, lang, templateLang)
			if !ok {
				return Answer{}, &AnswerError{Kind: AnswerNotOption, Max: float64(len(q.Options))}
			}
			if !seen[o.ID] {
				seen[o.ID] = true
				ids = append(ids, o.ID)
				s, _ := o.Text.In(lang, templateLang)
				shown = append(shown, s)
			}
		}
		if len(ids) == 0 {
			return Answer{}, &AnswerError{Kind: AnswerNotOption, Max: float64(len(q.Options))}
		}
		return Answer{Value: strings.Join(ids, ","), Shown: strings.Join(shown, ", ")}, nil
	case TypeNumber, TypeScale:
		n, err := strconv.ParseFloat(strings.ReplaceAll(input, ",", "."), 64)
		if err != nil || n != n || n > 1e15 || n < -1e15 {
			return Answer{}, &AnswerError{Kind: AnswerNotNumber}
		}
		if q.Type == TypeScale && n != float64(int64(n)) {
			return Answer{}, rangeError(q)
		}
		if (q.Min != nil && n < *q.Min) || (q.Max != nil && n > *q.Max) {
			return Answer{}, rangeError(q)
		}
		v := strconv.FormatFloat(n, 'f', -1, 64)
		return Answer{Value: v, Shown: v}, nil
	case TypeYesNo:
		switch w := fold(input); {
		case yesWords[w]:
			return Answer{Value: "yes", Shown: input}, nil
		case noWords[w]:
			return Answer{Value: "no", Shown: input}, nil
		}
		return Answer{}, &AnswerError{Kind: AnswerNotYesNo}
	case TypeDate:
		d, ok := parseDate(input)
		if !ok {
			return Answer{}, &AnswerError{Kind: AnswerNotDate}
		}
		return Answer{Value: d.Format("2006-01-02"), Shown: d.Format("2006-01-02")}, nil
	}
	return Answer{}, errors.New("unknown question type")
}

func rangeError(q *Question) error {
	e := &AnswerError{Kind: AnswerOutOfRange, Min: -1e15, Max: 1e15}
	if q.Min != nil {
		e.Min = *q.Min
	}
	if q.Max != nil {
		e.Max = *q.Max
	}
	return e
}

// matchOption accepts an option's number, id, or name in either language.
func matchOption(q *Question, input, lang, templateLang string) (Option, bool) {
	w := fold(strings.Trim(input, " .)"))
	if n, err := strconv.Atoi(w); err == nil && n >= 1 && n <= len(q.Options) {
		return q.Options[n-1], true
	}
	for _, o := range q.Options {
		if fold(o.ID) == w {
			return o, true
		}
		for _, l := range []string{lang, templateLang, ""} {
			if s, ok := o.Text[l]; ok && fold(s) == w {
				return o, true
			}
		}
	}
	return Option{}, false
}

func parseDate(s string) (time.Time, bool) {
	var y, m, d int
	if g := isoDateRE.FindStringSubmatch(s); g != nil {
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		d, _ = strconv.Atoi(g[3])
	} else if g = dmyDateRE.FindStringSubmatch(s); g != nil {
		d, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		y, _ = strconv.Atoi(g[3])
	} else {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d || y < 1900 || y > 2200 {
		return time.Time{}, false
	}
	return t, true
}
