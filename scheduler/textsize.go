package scheduler

import (
	"encoding/json"
	"errors"
	"unicode/utf8"

	"maunium.net/go/mautrix/format"

	"starling/internal/mxtext"
)

// MaxTextRunes bounds what a schedule posts in every room (a briefing, a
// check-in's question, a vigil's or circle's text): translated, with its
// original beside it, it must still fit in one encrypted event.
const MaxTextRunes = 4000

const (
	// textGrowth is how much larger than its original's notice a post's
	// event can be: the translation beside it (up to a third longer) and
	// the base64 of its encryption.
	textGrowth = 3
	// maxTextEvent leaves room under the homeserver's 64 KiB per event for
	// the heading, the relations and the encryption's envelope.
	maxTextEvent = 56_000
)

// ErrTextTooLong is a text that would not fit one event in every room.
var ErrTextTooLong = errors.New("the text is too long to post")

// TextFits tells whether a text fits one event in every room: the escapes
// of Markdown, HTML and JSON can make a text of symbols several times longer
// than it reads, and a post that never fits would be tried again forever.
func TextFits(text string) bool {
	if utf8.RuneCountInString(text) > MaxTextRunes {
		return false
	}
	data, err := json.Marshal(mxtext.Notice(format.EscapeMarkdown(text), nil))
	return err == nil && len(data)*textGrowth <= maxTextEvent
}
