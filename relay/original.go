package relay

import (
	"context"
	"errors"

	"maunium.net/go/mautrix/id"
)

// ErrNotACopy means the event is not one the relay made.
var ErrNotACopy = errors.New("event is not a relayed copy")

// Original is the message a copy was made from.
type Original struct {
	Body     string
	Language string
	Sender   string
	Room     string
}

// OriginalOf fetches the original message behind a relayed copy.
func (r *Relay) OriginalOf(ctx context.Context, copyID id.EventID) (*Original, error) {
	origin, err := r.db.RelayCopy.Origin(ctx, copyID)
	if err != nil {
		return nil, err
	} else if origin == nil {
		return nil, ErrNotACopy
	}
	evt, err := r.mx.FetchEvent(ctx, origin.SourceRoom, origin.SourceEvent)
	if err != nil {
		return nil, err
	}
	content := evt.Content.AsMessage()
	content.RemoveReplyFallback()
	body := content.Body
	if isMedia(content) && (content.FileName == "" || content.FileName == content.Body) {
		body = content.GetFileName()
	}
	return &Original{
		Body:     body,
		Language: r.roomLanguage(ctx, origin.SourceRoom),
		Sender:   r.mx.DisplayName(ctx, origin.SourceRoom, evt.Sender),
		Room:     r.mx.RoomName(ctx, origin.SourceRoom),
	}, nil
}
