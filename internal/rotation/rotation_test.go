package rotation

import (
	"testing"

	"maunium.net/go/mautrix/id"
)

func TestTurn(t *testing.T) {
	r := Rotation{"@a:x", "@b:x", "@c:x"}
	awayB := func(u id.UserID) bool { return u == "@b:x" }
	everyone := func(id.UserID) bool { return true }
	tests := []struct {
		name string
		r    Rotation
		k    int
		away func(id.UserID) bool
		want id.UserID
		ok   bool
	}{
		{name: "first turn", r: r, k: 0, want: "@a:x", ok: true},
		{name: "wraps around", r: r, k: 4, want: "@b:x", ok: true},
		{name: "before the first", r: r, k: -1, want: "@c:x", ok: true},
		{name: "away is passed over", r: r, k: 1, away: awayB, want: "@c:x", ok: true},
		{name: "everyone away", r: r, k: 0, away: everyone},
		{name: "nobody in it", r: nil, k: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.r.Turn(tt.k, tt.away)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Turn(%d) = %s, %v; want %s, %v", tt.k, got, ok, tt.want, tt.ok)
			}
		})
	}
}
