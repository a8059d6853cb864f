package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		name, a, b string
		want       int
	}{
		{"same", "lang", "lang", 0},
		{"one typo", "lagn", "lang", 2},
		{"missing letter", "hlp", "help", 1},
		{"accents count once", "añadir", "anadir", 1},
		{"empty", "", "tz", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Distance(tc.a, tc.b); got != tc.want {
				t.Fatalf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
