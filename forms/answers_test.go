package forms

import (
	"errors"
	"testing"
)

func TestParseAnswer(t *testing.T) {
	ts, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	na := ts["needs-assessment"]
	needs, urgency, people := &na.Questions[0], &na.Questions[1], &na.Questions[2]
	again := &ts["solidarity-retro"].Questions[3]
	date := &Question{ID: "when", Type: TypeDate}
	text := &Question{ID: "t", Type: TypeText}
	tests := []struct {
		name  string
		q     *Question
		in    string
		lang  string
		value string
		kind  AnswerErrorKind
	}{
		{"multi by numbers", needs, "1, 3", "es", "legal,digital-security", -1},
		{"multi by numbers with spaces", needs, "2 6", "en", "funds,materials", -1},
		{"multi by Spanish names", needs, "fondos y traducción", "es", "funds,translation", -1},
		{"multi by a name with spaces", needs, "Legal support", "en", "legal", -1},
		{"multi in the template's language from a Spanish reader", needs, "Funds", "es", "funds", -1},
		{"multi duplicates collapse", needs, "1,1", "en", "legal", -1},
		{"multi unknown", needs, "7", "en", "", AnswerNotOption},
		{"multi nonsense", needs, "pizza", "fr", "", AnswerNotOption},
		{"scale ok", urgency, "4", "en", "4", -1},
		{"scale too high", urgency, "9", "en", "", AnswerOutOfRange},
		{"scale not whole", urgency, "2.5", "en", "", AnswerOutOfRange},
		{"scale words", urgency, "muy urgente", "es", "", AnswerNotNumber},
		{"number with comma decimal", people, "12,5", "es", "12.5", -1},
		{"number below min", people, "0", "en", "", AnswerOutOfRange},
		{"yes in Spanish", again, "Sí", "es", "yes", -1},
		{"no in German", again, "nein", "de", "no", -1},
		{"yes in Arabic", again, "نعم", "ar", "yes", -1},
		{"yes/no nonsense", again, "maybe", "en", "", AnswerNotYesNo},
		{"iso date", date, "2026-12-10", "en", "2026-12-10", -1},
		{"day first date", date, "10/12/2026", "es", "2026-12-10", -1},
		{"impossible date", date, "2026-02-30", "en", "", AnswerNotDate},
		{"empty", text, "   ", "en", "", AnswerEmpty},
		{"text kept", text, "  Todo bien  ", "es", "Todo bien", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAnswer(tt.q, tt.in, tt.lang, "en")
			if tt.kind >= 0 {
				var ae *AnswerError
				if !errors.As(err, &ae) || ae.Kind != tt.kind {
					t.Fatalf("ParseAnswer(%q) = %+v, %v; want error kind %d", tt.in, got, err, tt.kind)
				}
				return
			}
			if err != nil || got.Value != tt.value {
				t.Fatalf("ParseAnswer(%q) = %+v, %v; want %q", tt.in, got, err, tt.value)
			}
		})
	}
}

// FuzzParseAnswer: for every question type, any input is either a valid
// answer (which parses again to the same value from its Value) or a typed
// AnswerError — never a panic.
func FuzzParseAnswer(f *testing.F) {
	ts, err := LoadTemplates("")
	if err != nil {
		f.Fatal(err)
	}
	questions := append(append([]Question{}, ts["needs-assessment"].Questions...), ts["solidarity-retro"].Questions...)
	questions = append(questions, Question{ID: "d", Type: TypeDate})
	for _, s := range []string{"1", "1,2", "fondos y traducción", "sí", "2026-12-10", "10/12/2026", "3.5", "NaN", "1e999", "", "٣"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, in string, which uint8) {
		q := &questions[int(which)%len(questions)]
		a, err := ParseAnswer(q, in, "es", "en")
		if err != nil {
			var ae *AnswerError
			if !errors.As(err, &ae) {
				t.Fatalf("ParseAnswer(%s, %q) error %T %v", q.Type, in, err, err)
			}
			return
		}
		if a.Value == "" {
			t.Fatalf("ParseAnswer(%s, %q) accepted an empty value", q.Type, in)
		}
		if q.Type != TypeText && q.Type != TypeYesNo && q.Type != TypeMulti {
			if again, err := ParseAnswer(q, a.Value, "en", "en"); err != nil || again.Value != a.Value {
				t.Fatalf("value %q of %s does not parse back: %+v %v", a.Value, q.Type, again, err)
			}
		}
	})
}
