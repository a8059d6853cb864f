package translations

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
)

// codeMessages finds every i18n.Message literal in the repository's Go code.
func codeMessages(t *testing.T) map[string]*i18n.Message {
	t.Helper()
	out := make(map[string]*i18n.Message)
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			sel, ok := lit.Type.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Message" {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "i18n" {
				return true
			}
			msg := &i18n.Message{}
			for _, elt := range lit.Elts {
				kv, ok := elt.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key := kv.Key.(*ast.Ident).Name
				val, ok := kv.Value.(*ast.BasicLit)
				if !ok {
					t.Errorf("%s: i18n.Message %s is not a string literal", path, key)
					continue
				}
				s, _ := strconv.Unquote(val.Value)
				switch key {
				case "ID":
					msg.ID = s
				case "One":
					msg.One = s
				case "Other":
					msg.Other = s
				}
			}
			if msg.ID == "" {
				t.Errorf("%s: i18n.Message without an ID", path)
			} else if _, dup := out[msg.ID]; dup {
				t.Errorf("%s: message ID %s declared twice", path, msg.ID)
			}
			out[msg.ID] = msg
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatalf("failed to scan code: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("found no i18n.Message in the code; the scan is broken")
	}
	return out
}

type fileMessage map[string]string

func loadFiles(t *testing.T) map[string]map[string]fileMessage {
	t.Helper()
	names, _ := filepath.Glob("active.*.toml")
	out := make(map[string]map[string]fileMessage)
	for _, name := range names {
		lang := strings.TrimSuffix(strings.TrimPrefix(name, "active."), ".toml")
		msgs := make(map[string]fileMessage)
		if _, err := toml.DecodeFile(name, &msgs); err != nil {
			t.Fatalf("failed to decode %s: %v", name, err)
		}
		out[lang] = msgs
	}
	return out
}

func TestEveryMessageInEveryLanguage(t *testing.T) {
	code := codeMessages(t)
	files := loadFiles(t)
	for _, want := range []string{"en", "es", "fr", "pt", "ca", "de", "ar"} {
		if _, ok := files[want]; !ok {
			t.Errorf("no active.%s.toml", want)
		}
	}
	for lang, msgs := range files {
		forms := cldrForms(language.MustParse(lang))
		t.Run(lang, func(t *testing.T) {
			for id, m := range code {
				got, ok := msgs[id]
				if !ok {
					t.Errorf("message %s is missing", id)
					continue
				}
				if got["other"] == "" {
					t.Errorf("message %s has no 'other' form", id)
				}
				if want, have := varsOf(m.Other), varsOf(got["other"]); want != have {
					t.Errorf("message %s uses values %s, English uses %s", id, have, want)
				}
				if m.One == "" {
					continue
				}
				for _, form := range forms {
					if got[form] == "" {
						t.Errorf("plural message %s lacks the CLDR form %q", id, form)
					}
				}
			}
			for id := range msgs {
				if _, ok := code[id]; !ok {
					t.Errorf("message %s is in the file but not in the code", id)
				}
			}
		})
	}
}

// cldrForms lists the plural categories a language's integers fall into.
func cldrForms(tag language.Tag) []string {
	names := map[plural.Form]string{plural.Zero: "zero", plural.One: "one", plural.Two: "two",
		plural.Few: "few", plural.Many: "many", plural.Other: "other"}
	seen := map[string]bool{}
	var out []string
	for n := 0; n < 1000; n++ {
		name := names[plural.Cardinal.MatchPlural(tag, n, 0, 0, 0, 0)]
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func TestEnglishFileMatchesCode(t *testing.T) {
	code := codeMessages(t)
	en := loadFiles(t)["en"]
	for id, m := range code {
		if en[id]["other"] != m.Other || en[id]["one"] != m.One {
			t.Errorf("active.en.toml %s differs from the code's default", id)
		}
	}
}

// Arabic must read right to left even where a line would open with a command
// or a value: every line starts with an Arabic letter or a right-to-left mark.
func TestArabicLinesAreRightToLeft(t *testing.T) {
	ar := loadFiles(t)["ar"]
	ids := make([]string, 0, len(ar))
	for id := range ar {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for form, text := range ar[id] {
			if form == "description" || form == "hash" {
				continue
			}
			for _, line := range strings.Split(text, "\n") {
				line = strings.TrimSpace(line)
				// A line that is only a value (a quoted original, a list) keeps
				// its own direction.
				if line == "" || (strings.HasPrefix(line, "{{") && strings.HasSuffix(line, "}}") && strings.Count(line, "{{") == 1) {
					continue
				}
				// A Markdown list item's text is its own paragraph.
				line = strings.TrimPrefix(strings.TrimPrefix(line, "- "), "* ")
				first := []rune(line)[0]
				if first != '\u200f' && !unicode.Is(unicode.Arabic, first) {
					t.Errorf("ar %s.%s line %q does not start right to left", id, form, line)
				}
			}
		}
	}
}

func TestEveryTemplateRenders(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// Every value any message uses, found in the messages themselves.
	data := map[string]any{}
	for _, m := range codeMessages(t) {
		for _, v := range templateVar.FindAllStringSubmatch(m.One+m.Other, -1) {
			data[v[1]] = "⟦" + v[1] + "⟧"
		}
	}
	for id, m := range codeMessages(t) {
		for _, lang := range l.Languages() {
			var out string
			if m.One != "" {
				out = l.Plural(lang, m, 7, data)
			} else {
				out = l.Text(lang, m, data)
			}
			if out == "" || strings.Contains(out, "<no value>") || strings.Contains(out, "{{") {
				t.Errorf("%s in %s renders badly: %q", id, lang, out)
			}
		}
	}
}

// varsOf lists the values a template uses, except the plural count, which
// a language may spell out in words.
func varsOf(text string) string {
	seen := map[string]bool{}
	for _, v := range templateVar.FindAllStringSubmatch(text, -1) {
		if v[1] != "Count" {
			seen[v[1]] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

var templateVar = regexp.MustCompile(`\{\{\.(\w+)\}\}`)

func TestPluralsFollowCLDR(t *testing.T) {
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	msg := &i18n.Message{ID: "HelpHeader", One: "Here is the command you can use here:", Other: "Here are the {{.Count}} commands you can use here:"}
	tests := []struct {
		name  string
		lang  string
		count int
		want  string
	}{
		{"english one", "en", 1, "Here is the command"},
		{"english other", "en", 3, "Here are the 3 commands"},
		{"french zero is one", "fr", 0, "Voici la commande"},
		{"spanish other", "es", 2, "Estos son los 2 comandos"},
		{"arabic zero", "ar", 0, "لا توجد أوامر"},
		{"arabic one", "ar", 1, "هذا هو الأمر"},
		{"arabic two", "ar", 2, "هذان هما الأمران"},
		{"arabic few", "ar", 3, "الأوامر الـ3"},
		{"arabic many", "ar", 11, "الأوامر الـ11"},
		{"regional variant matches", "es-MX", 1, "Este es el comando"},
		{"unknown language falls back to english", "xx", 1, "Here is the command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := l.Plural(tt.lang, msg, tt.count, nil)
			if !strings.Contains(got, tt.want) {
				t.Fatalf("Plural(%s, %d) = %q, want it to contain %q", tt.lang, tt.count, got, tt.want)
			}
		})
	}
}
