package shortid

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name, in, letters string
		want              int64
		ok                bool
	}{
		{"bare number", "12", "c", 12, true},
		{"with its letter", "c12", "cv", 12, true},
		{"the other letter of the kind", "v3", "cv", 3, true},
		{"upper case and spaces", "  F3 ", "f", 3, true},
		{"with a hash", "#7", "i", 7, true},
		{"another kind's letter", "f3", "cv", 0, false},
		{"zero", "c0", "c", 0, false},
		{"negative", "-4", "c", 0, false},
		{"letter twice", "cc12", "c", 0, false},
		{"words", "twelve", "c", 0, false},
		{"empty", "", "c", 0, false},
		{"too large", "i99999999999999999999", "i", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n, ok := Parse(tc.in, tc.letters); n != tc.want && ok || ok != tc.ok {
				t.Fatalf("Parse(%q, %q) = %d, %v; want %d, %v", tc.in, tc.letters, n, ok, tc.want, tc.ok)
			}
		})
	}
	if got := Format('i', 12); got != "i12" {
		t.Fatalf("Format = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"c12", "#7", "  F3 ", "", "cc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, ok := Parse(s, "cv"); ok && n <= 0 {
			t.Fatalf("Parse(%q) accepted %d", s, n)
		} else if ok {
			if back, ok2 := Parse(Format('c', n), "cv"); !ok2 || back != n {
				t.Fatalf("round trip of %d gave %d, %v", n, back, ok2)
			}
		}
	})
}
