package relay

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
)

// retranslatePrefix marks a queued job that translates a message's copies
// again. Real event ids start with "$", so no event a homeserver delivers
// can pass for one.
const retranslatePrefix = "~retranslate/"

// IsRetry tells whether a reaction asks for a message's untranslated copies
// to be translated again.
func IsRetry(key string) bool {
	key = strings.ReplaceAll(key, "\uFE0F", "")
	return key == "🔄" || key == "🔁"
}

// Retranslate translates again the copies of a message that were relayed
// untranslated, when its sender asks (a 🔄 reaction): each is edited into
// its translation. Anyone else's asking does nothing. Nothing of the message
// is stored: the job names it, and the message is read again when sent.
func (r *Relay) Retranslate(ctx context.Context, roomID id.RoomID, eventID id.EventID, by id.UserID) error {
	sender, err := r.senderOf(ctx, roomID, eventID)
	if err != nil || sender != by {
		return err
	}
	copies, err := r.db.RelayCopy.Of(ctx, eventID)
	if err != nil {
		return err
	}
	var targets []id.RoomID
	for _, c := range copies {
		if c.SourceRoom == roomID && c.Translation == database.TranslationFailed {
			targets = append(targets, c.TargetRoom)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	// One retry an hour per message, however often it is asked for.
	jobID := id.EventID(retranslatePrefix + strconv.FormatInt(r.now().Unix()/3600, 10) + "/" + string(eventID))
	if _, err = r.db.RelayJob.Enqueue(ctx, jobID, roomID, "{}", r.now(), targets); err != nil {
		return err
	}
	for _, t := range targets {
		r.wake(t)
	}
	return nil
}

// retranslationOf reads the message a retranslation job is for.
func retranslationOf(jobID id.EventID) (id.EventID, bool) {
	rest, ok := strings.CutPrefix(string(jobID), retranslatePrefix)
	if !ok {
		return "", false
	}
	_, original, ok := strings.Cut(rest, "/")
	return id.EventID(original), ok && strings.HasPrefix(original, "$")
}

// retranslation is the job's event: an edit of the message by its sender,
// replacing it with itself, read again from the homeserver. It keeps the
// message's own provenance (encrypted stays encrypted).
func (r *Relay) retranslation(ctx context.Context, d *database.Delivery, original id.EventID) (*event.Event, error) {
	orig, err := r.mx.FetchCurrent(ctx, d.SourceRoom, original)
	if err != nil {
		return nil, err
	}
	if orig.Type != event.EventMessage {
		return nil, permanent(fmt.Errorf("%w: a retranslation of a %s", ErrBadEvent, orig.Type.Type))
	}
	if isMedia(orig.Content.AsMessage()) {
		// An edit of a copy would drop its attachment; its caption stays.
		return nil, permanent(fmt.Errorf("%w: a retranslation of an attachment", ErrBadEvent))
	}
	content := *orig.Content.AsMessage()
	mxtext.StripReplyFallback(&content)
	edit := *orig
	edit.ID = d.EventID
	edit.Content = event.Content{Parsed: &event.MessageEventContent{
		MsgType: content.MsgType, Body: "* " + content.Body, NewContent: &content,
		RelatesTo: &event.RelatesTo{Type: event.RelReplace, EventID: original},
	}}
	return &edit, nil
}
