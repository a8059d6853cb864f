// Package forms runs multi-step dialogues in a direct chat: needs
// assessments and other forms, one question at a time in the person's own
// language. Incident reports use the same engine with a built-in template.
//
// It must not import the bot, the commands or mautrix's client: it talks to
// Matrix through its own Matrix interface (layers_test.go keeps the order).
package forms

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Question types.
const (
	TypeText   = "text"
	TypeChoice = "choice"
	TypeMulti  = "multi"
	TypeNumber = "number"
	TypeYesNo  = "yesno"
	TypeDate   = "date"
	TypeScale  = "scale"
)

// Text is a text in several languages; a plain string is in the template's
// own language.
type Text map[string]string

func (t *Text) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.ScalarNode {
		*t = Text{"": node.Value}
		return nil
	}
	var m map[string]string
	if err := node.Decode(&m); err != nil {
		return err
	}
	*t = m
	return nil
}

// In returns the text in lang, else in the template's language, else any.
func (t Text) In(lang, fallback string) (string, bool) {
	if s, ok := t[lang]; ok && s != "" {
		return s, true
	}
	for _, k := range []string{fallback, "", "en"} {
		if s, ok := t[k]; ok && s != "" {
			return s, false
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t[k] != "" {
			return t[k], false
		}
	}
	return "", false
}

// Option is one choice of a choice or multi question.
type Option struct {
	ID   string `yaml:"id"`
	Text Text   `yaml:"text"`
	// Verbatim options (names, from an option source) are never translated.
	Verbatim bool `yaml:"-"`
}

// Question is one step of a form.
type Question struct {
	ID       string   `yaml:"id"`
	Type     string   `yaml:"type"`
	Required bool     `yaml:"required"`
	Text     Text     `yaml:"text"`
	Options  []Option `yaml:"options"`
	Min      *float64 `yaml:"min"`
	Max      *float64 `yaml:"max"`
	// OptionsFrom names a source, registered in code, that gives the
	// options for the person answering (a choice between their coalitions,
	// say). With one option or none there is nothing to ask.
	OptionsFrom string `yaml:"options_from"`
	// Check names a check, registered in code, that a text answer must
	// also pass (an amount, say).
	Check string `yaml:"check"`
	line  int
}

var questionKeys = map[string]bool{"id": true, "type": true, "required": true, "text": true, "options": true, "min": true, "max": true,
	"options_from": true, "check": true}

func (q *Question) UnmarshalYAML(node *yaml.Node) error {
	if node.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(node.Content); i += 2 {
			if k := node.Content[i]; !questionKeys[k.Value] {
				return &TemplateError{Line: k.Line, Reason: fmt.Sprintf("unknown key %q in a question", k.Value)}
			}
		}
	}
	type plain Question
	var p plain
	if err := node.Decode(&p); err != nil {
		return err
	}
	*q = Question(p)
	q.line = node.Line
	return nil
}

// Template is a form: a title and its questions.
type Template struct {
	ID          string     `yaml:"id"`
	Language    string     `yaml:"language"`
	Title       Text       `yaml:"title"`
	Description Text       `yaml:"description"`
	Questions   []Question `yaml:"questions"`
}

// TemplateError says which file and line of a template is wrong and why.
type TemplateError struct {
	File   string
	Line   int
	Reason string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// ParseTemplate reads and checks one template.
func ParseTemplate(file string, data []byte) (*Template, error) {
	var t Template
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		var own *TemplateError
		if errors.As(err, &own) {
			own.File = file
			return nil, own
		}
		line := 0
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			fmt.Sscanf(te.Errors[0], "line %d:", &line)
		} else {
			fmt.Sscanf(err.Error(), "yaml: line %d:", &line)
		}
		reason := strings.TrimPrefix(err.Error(), "yaml: ")
		reason = strings.TrimPrefix(reason, fmt.Sprintf("line %d: ", line))
		return nil, &TemplateError{File: file, Line: line, Reason: reason}
	}
	if t.ID == "" {
		t.ID = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	if t.Language == "" {
		t.Language = "en"
	}
	return &t, t.check(file)
}

func (t *Template) check(file string) error {
	bad := func(line int, format string, args ...any) error {
		return &TemplateError{File: file, Line: line, Reason: fmt.Sprintf(format, args...)}
	}
	if !validID(t.ID) {
		return bad(1, "template id %q must be lower-case letters, digits and dashes", t.ID)
	}
	if s, _ := t.Title.In(t.Language, t.Language); s == "" {
		return bad(1, "the template has no title")
	}
	if len(t.Questions) == 0 {
		return bad(1, "the template has no questions")
	}
	if len(t.Questions) > 100 {
		return bad(1, "a template may have at most 100 questions")
	}
	seen := map[string]bool{}
	for i := range t.Questions {
		q := &t.Questions[i]
		switch {
		case !validID(q.ID):
			return bad(q.line, "question %d needs an id of lower-case letters, digits and dashes", i+1)
		case seen[q.ID]:
			return bad(q.line, "question id %q is used twice", q.ID)
		}
		seen[q.ID] = true
		if s, _ := q.Text.In(t.Language, t.Language); s == "" {
			return bad(q.line, "question %q has no text", q.ID)
		}
		switch q.Type {
		case TypeText, TypeNumber, TypeYesNo, TypeDate:
			if len(q.Options) > 0 || q.OptionsFrom != "" {
				return bad(q.line, "question %q of type %s cannot have options", q.ID, q.Type)
			}
		case TypeChoice, TypeMulti:
			if q.OptionsFrom != "" {
				if len(q.Options) > 0 {
					return bad(q.line, "question %q takes its options from %q and cannot list its own", q.ID, q.OptionsFrom)
				}
				break
			}
			if len(q.Options) < 2 {
				return bad(q.line, "question %q of type %s needs at least two options", q.ID, q.Type)
			}
			ids := map[string]bool{}
			for j, o := range q.Options {
				if !validID(o.ID) || ids[o.ID] {
					return bad(q.line, "option %d of question %q needs a unique id", j+1, q.ID)
				}
				ids[o.ID] = true
				if s, _ := o.Text.In(t.Language, t.Language); s == "" {
					return bad(q.line, "option %q of question %q has no text", o.ID, q.ID)
				}
			}
		case TypeScale:
			if q.Min == nil || q.Max == nil {
				lo, hi := 1.0, 5.0
				if q.Min == nil {
					q.Min = &lo
				}
				if q.Max == nil {
					q.Max = &hi
				}
			}
		case "":
			return bad(q.line, "question %q has no type", q.ID)
		default:
			return bad(q.line, "question %q has unknown type %q (text, choice, multi, number, yesno, date, scale)", q.ID, q.Type)
		}
		if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
			return bad(q.line, "question %q has min above max", q.ID)
		}
	}
	return nil
}

func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

//go:embed builtin/*.yaml
var builtin embed.FS

// LoadTemplates reads the built-in templates and every *.yaml in dir (which
// may be empty). A malformed template fails the load with its file and line.
func LoadTemplates(dir string) (map[string]*Template, error) {
	out := map[string]*Template{}
	add := func(fsys fs.FS, name, shown string) error {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("failed to read template %s: %w", shown, err)
		}
		t, err := ParseTemplate(shown, data)
		if err != nil {
			return err
		}
		out[t.ID] = t
		return nil
	}
	names, _ := fs.Glob(builtin, "builtin/*.yaml")
	for _, n := range names {
		if err := add(builtin, n, n); err != nil {
			return nil, err
		}
	}
	if dir == "" {
		return out, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("failed to list templates: %w", err)
	}
	for _, f := range files {
		if err = add(os.DirFS(filepath.Dir(f)), filepath.Base(f), f); err != nil {
			return nil, err
		}
	}
	return out, nil
}
