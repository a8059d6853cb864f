// Package shortid is how people name a stored thing in chat: a letter for
// its kind and its number (c12 a check-in, v3 a vigil, f3 a form, i12 an
// incident), typed back with or without the letter or a #.
package shortid

import (
	"strconv"
	"strings"
)

// Format names the thing numbered id with the kind's letter.
func Format(letter byte, id int64) string {
	return string(letter) + strconv.FormatInt(id, 10)
}

// Parse reads what a person typed for one of the kinds named by letters:
// 12, #12, c12 or C12. It tells whether that was a valid number.
func Parse(s, letters string) (int64, bool) {
	s = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s)), "#")
	if s != "" && strings.IndexByte(letters, s[0]) >= 0 {
		s = s[1:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
