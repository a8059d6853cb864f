package txnid

import "testing"

func TestIDs(t *testing.T) {
	tests := []struct {
		name      string
		a, b      string
		same      bool
		aIsStable bool
		bIsStable bool
	}{
		{name: "same arguments, same id", a: Stable("copy", "$e", "!r"), b: Stable("copy", "$e", "!r"), same: true, aIsStable: true, bIsStable: true},
		{name: "another room", a: Stable("copy", "$e", "!r"), b: Stable("copy", "$e", "!s"), aIsStable: true, bIsStable: true},
		{name: "another kind", a: Stable("copy", "$e"), b: Stable("edit", "$e"), aIsStable: true, bIsStable: true},
		{name: "parts are not run together", a: Stable("copy", "$ab", "c"), b: Stable("copy", "$a", "bc"), aIsStable: true, bIsStable: true},
		{name: "first attempt is the stable id", a: Attempt(Stable("copy", "$e"), 0), b: Stable("copy", "$e"), same: true, aIsStable: true, bIsStable: true},
		{name: "a later attempt has its own", a: Attempt(Stable("copy", "$e"), 1), b: Stable("copy", "$e"), aIsStable: true, bIsStable: true},
		{name: "unique ids differ and are not recorded", a: Unique(), b: Unique()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.a == tt.b) != tt.same {
				t.Errorf("%q and %q: same=%v, want %v", tt.a, tt.b, tt.a == tt.b, tt.same)
			}
			if IsStable(tt.a) != tt.aIsStable || IsStable(tt.b) != tt.bIsStable {
				t.Errorf("IsStable(%q)=%v, IsStable(%q)=%v", tt.a, IsStable(tt.a), tt.b, IsStable(tt.b))
			}
		})
	}
}

// The ids of copies queued before this package existed must not change, or
// a copy resent after an upgrade would be a second copy: the relay made them
// as sha256("copy\x00" + event + "\x00" + room), 12 bytes in hex.
func TestStableKeepsTheRelaysEarlierIDs(t *testing.T) {
	if got, want := Stable("copy", "$event", "!room:x"), "starling-copy-76d99cf1cfae2ebdc651e485"; got != want {
		t.Fatalf("Stable = %q, want %q", got, want)
	}
}
