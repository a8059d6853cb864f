// Package rotation is whose turn it is: people take turns in order, and
// whoever is away is passed over for the next. Check-in facilitators and
// the incident duty rota both turn this way. It imports nothing of
// Starling's.
package rotation

import "maunium.net/go/mautrix/id"

// Rotation is people in the order they take turns.
type Rotation []id.UserID

// Turn is whose turn number k is (k counts from 0, and may be negative),
// passing over people away says are away (nil: nobody is); ok is false
// when nobody is there to take it.
func (r Rotation) Turn(k int, away func(id.UserID) bool) (id.UserID, bool) {
	n := len(r)
	for i := range n {
		u := r[((k+i)%n+n)%n]
		if away == nil || !away(u) {
			return u, true
		}
	}
	return "", false
}
