package relay

import (
	"context"
	"errors"
	"strings"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
	"starling/rooms"
)

// ErrNotACopy means the event is not one the relay made.
var ErrNotACopy = errors.New("event is not a relayed copy")

// ErrUnreadable means the original's keys never reached this bot: it was
// sent before the bot joined, e.g. while another instance served the
// coalition. Its copy is all there is.
var ErrUnreadable = errors.New("the original cannot be decrypted here")

// Original is the message a copy was made from.
type Original struct {
	Body     string
	Language string
	// Detected: the room speaks several languages, and this one was
	// detected in the text.
	Detected bool
	Sender   string
	Room     string
	// Origin is the original event's: the answer that quotes it goes only
	// where the original itself could.
	Origin rooms.Origin
	// Translation and Route say how the copy was translated (database.Copy).
	Translation string
	Route       []string
}

// OriginalOf fetches the original message behind a relayed copy in this
// room. A copy in any other room is not this room's to ask about.
func (r *Relay) OriginalOf(ctx context.Context, roomID id.RoomID, copyID id.EventID) (*Original, error) {
	origin, err := r.db.RelayCopy.Origin(ctx, copyID)
	if err != nil {
		return nil, err
	} else if origin == nil || origin.TargetRoom != roomID {
		return nil, ErrNotACopy
	}
	evt, err := r.mx.FetchCurrent(ctx, origin.SourceRoom, origin.SourceEvent)
	// A key its holder withheld from this bot (the bot that made the copy
	// refuses another device, as it must) will not come either.
	if errors.Is(err, crypto.ErrNoSessionFound) || errors.Is(err, crypto.ErrGroupSessionWithheld) {
		return nil, ErrUnreadable
	} else if err != nil {
		return nil, err
	}
	content := evt.Content.AsMessage()
	mxtext.StripReplyFallback(content)
	body := content.Body
	if isMedia(content) && (content.FileName == "" || content.FileName == content.Body) {
		body = content.GetFileName()
	}
	lang, detected := r.rooms.MessageLanguage(ctx, origin.SourceRoom, body)
	return &Original{
		Body:     body,
		Language: lang,
		Detected: detected,
		Sender:   r.mx.DisplayName(ctx, origin.SourceRoom, evt.Sender),
		Room:     r.mx.RoomName(ctx, origin.SourceRoom),
		Origin:   rooms.FromEvent(evt),

		Translation: origin.Translation,
		Route:       strings.FieldsFunc(origin.Route, func(r rune) bool { return r == '>' }),
	}, nil
}
