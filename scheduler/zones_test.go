package scheduler

import (
	"slices"
	"testing"
)

func TestLookupZone(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"exact", "America/Santiago", "America/Santiago", true},
		{"case and spaces forgiven", "america/buenos aires", "America/Buenos_Aires", true},
		{"lower case", "europe/madrid", "Europe/Madrid", true},
		{"utc", "UTC", "UTC", true},
		{"invented", "Mars/Olympus", "", false},
		{"path traversal", "../../etc/passwd", "", false},
		{"local is not a zone", "Local", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, loc, ok := LookupZone(tt.in)
			if ok != tt.ok {
				t.Fatalf("LookupZone(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			}
			if ok && (got != tt.want || loc.String() != tt.want) {
				t.Fatalf("LookupZone(%q) = %q (%v), want %q", tt.in, got, loc, tt.want)
			}
		})
	}
}

func TestSuggestZones(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"city without region", "Santiago", "America/Santiago"},
		{"misspelt city", "Europe/Madird", "Europe/Madrid"},
		{"wrong region", "Europe/Manila", "Asia/Manila"},
		{"spaces for underscores", "Buenos Aires", "America/Buenos_Aires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SuggestZones(tt.in, 3)
			if !slices.Contains(got, tt.want) {
				t.Fatalf("SuggestZones(%q) = %v, want it to contain %q", tt.in, got, tt.want)
			}
		})
	}
	if got := SuggestZones("Mars/Olympus", 3); len(got) != 3 {
		t.Fatalf("SuggestZones for an invented zone gave %v, want 3 suggestions", got)
	}
}
