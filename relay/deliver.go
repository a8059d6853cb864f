package relay

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/rooms"
)

// errUnlinked is a delivery whose rooms are no longer linked: the target
// left or was removed from the coalition, or became its responder room.
var errUnlinked = errors.New("rooms are no longer linked")

// deliver relays one queued event into one target room.
func (r *Relay) deliver(ctx context.Context, d *database.Delivery) error {
	if linked, err := r.stillLinked(ctx, d); err != nil {
		return err
	} else if !linked {
		return permanent(errUnlinked)
	}
	var evt *event.Event
	var err error
	if original, ok := retranslationOf(d.EventID); ok {
		evt, err = r.retranslation(ctx, d, original)
	} else {
		evt, err = r.loadEvent(ctx, d)
	}
	if err != nil {
		if d.Attempts+1 >= r.maxAttempts {
			return permanent(err)
		}
		return err
	}
	origin := rooms.FromEvent(evt)
	if err = r.mx.CheckOrigin(ctx, d.TargetRoom, origin); err != nil {
		if errors.Is(err, rooms.ErrEncryptedToPlain) {
			return permanent(err)
		}
		return err
	}
	dstEnc, err := r.rooms.IsEncrypted(ctx, d.TargetRoom)
	if err != nil {
		return err
	}
	job := &job{Delivery: d, evt: evt, origin: origin, targetEncrypted: dstEnc}
	switch evt.Type {
	case event.EventMessage, event.EventSticker:
		// The decrypted event is shared: with the other targets' workers
		// and with the bot's own handlers, which run beside them. What is
		// changed here is this delivery's own copy.
		content := *evt.Content.AsMessage()
		if content.RelatesTo.GetReplaceID() != "" {
			return r.relayEdit(ctx, job, &content)
		}
		// Without the quoted original, so a command sent as a reply is seen
		// as one, and the quote is never relayed as the replier's words.
		mxtext.StripReplyFallback(&content)
		if r.settings.IsCommand(&content) {
			return nil
		}
		return r.relayMessage(ctx, job, &content)
	case event.EventReaction:
		return r.relayReaction(ctx, job, evt.Content.AsReaction())
	case event.EventRedaction:
		return r.relayRedaction(ctx, job)
	}
	return nil
}

// stillLinked tells whether the delivery's target is still one of the
// source's relay targets: a room taken out of the coalition gets nothing
// more, not even what was queued for it before.
func (r *Relay) stillLinked(ctx context.Context, d *database.Delivery) (bool, error) {
	targets, err := r.rooms.RelayTargets(ctx, d.SourceRoom)
	return slices.Contains(targets, d.TargetRoom), err
}

// job is a delivery with its event decrypted.
type job struct {
	*database.Delivery
	evt *event.Event
	// origin is the source event's: where it was written, whether it arrived encrypted.
	origin          rooms.Origin
	targetEncrypted bool
	// translation and route say how buildCopy translated the copy, for
	// !original (database.Copy's fields).
	translation, route string
}

// loadEvent reads the queued event back and decrypts it if it is encrypted.
func (r *Relay) loadEvent(ctx context.Context, d *database.Delivery) (*event.Event, error) {
	if evt := r.decoded.get(d.EventID); evt != nil {
		return evt, nil
	}
	var evt event.Event
	if err := json.Unmarshal([]byte(d.Event), &evt); err != nil {
		return nil, permanent(fmt.Errorf("failed to decode queued event: %w", err))
	}
	evt.RoomID = d.SourceRoom
	evt.Type.Class = event.MessageEventType
	if err := evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
		return nil, permanent(fmt.Errorf("failed to parse queued event: %w", err))
	}
	out := &evt
	if evt.Type == event.EventEncrypted {
		decrypted, err := r.mx.Decrypt(ctx, &evt)
		if errors.Is(err, ErrBadEvent) {
			return nil, permanent(fmt.Errorf("failed to decrypt queued event: %w", err))
		} else if err != nil {
			return nil, fmt.Errorf("failed to decrypt queued event: %w", err)
		}
		out = decrypted
	}
	r.decoded.put(out)
	return out, nil
}

// inTarget finds what stands for eventID (seen in sourceRoom) in the target
// room: the original itself if it was sent there, else its copy there.
func (r *Relay) inTarget(ctx context.Context, eventID id.EventID, sourceRoom, target id.RoomID) (id.EventID, error) {
	origin, err := r.db.RelayCopy.Origin(ctx, eventID)
	if err != nil {
		return "", err
	}
	originEvent, originRoom := eventID, sourceRoom
	if origin != nil {
		originEvent, originRoom = origin.SourceEvent, origin.SourceRoom
	}
	if originRoom == target {
		return originEvent, nil
	}
	return r.db.RelayCopy.Get(ctx, originEvent, target)
}

// freshSyncWait bounds the wait for a sync before a retry: a homeserver
// that does not answer now leaves the delivery for a later attempt.
const freshSyncWait = 2 * time.Minute

// send sends into the target exactly once. A send that a crash or a failed
// attempt may have cut short is first looked up among the events the bot
// saw itself send; only if it never arrived is it sent again — under a
// transaction id of its own: a homeserver stopped in the middle of a send
// (Dendrite) can keep the transaction id and lose the event, and would
// swallow the same id sent again.
func (r *Relay) send(ctx context.Context, j *job, kind string, evtType event.Type, content any) (id.EventID, error) {
	base := txnid.Stable(kind, string(j.EventID), string(j.TargetRoom))
	if j.Attempted {
		wait, cancel := context.WithTimeout(ctx, freshSyncWait)
		err := r.mx.WaitForSync(wait)
		if err == nil && j.Attempts > 0 {
			err = r.mx.WaitForFreshSync(wait)
		}
		cancel()
		if err != nil {
			return "", fmt.Errorf("failed to sync before a retry: %w", err)
		}
		for k := 0; k <= j.Attempts; k++ {
			if sent, err := r.db.SentTxn.Get(ctx, txnid.Attempt(base, k)); err != nil || sent != "" {
				return sent, err
			}
		}
	}
	if err := r.db.RelayJob.Attempt(ctx, j.JobID, j.TargetRoom); err != nil {
		return "", err
	}
	j.Attempted = true
	txn := txnid.Attempt(base, j.Attempts)
	eventID, err := r.mx.Send(ctx, j.TargetRoom, evtType, content, txn, j.origin)
	if err != nil {
		return "", r.sendError(ctx, j.Delivery, err)
	}
	if err = r.db.SentTxn.Put(ctx, txn, j.TargetRoom, eventID, r.now()); err != nil {
		return "", err
	}
	return eventID, nil
}

func (r *Relay) remember(ctx context.Context, j *job, copyID id.EventID) error {
	return r.db.RelayCopy.Put(ctx, &database.Copy{SourceEvent: j.EventID, SourceRoom: j.SourceRoom, TargetRoom: j.TargetRoom,
		CopyEvent: copyID, SourceSender: j.evt.Sender, Translation: cmp.Or(j.translation, database.TranslationNone), Route: j.route})
}

func (r *Relay) relayMessage(ctx context.Context, j *job, content *event.MessageEventContent) error {
	rel, err := r.mapRelation(ctx, j, content.RelatesTo)
	if err != nil {
		return err
	}
	copied, err := r.buildCopy(ctx, j, content) // deliver stripped the reply fallback
	if err != nil {
		return err
	}
	copied.RelatesTo = rel
	if isMedia(content) {
		err = r.copyMedia(ctx, content, copied, j.targetEncrypted)
		switch {
		case errors.Is(err, errTooLarge):
			r.markNoAttachment(ctx, j, content, copied, msgTooLarge)
		case r.unreadable(err):
			zerolog.Ctx(ctx).Warn().Err(err).Msg("Relaying a message without its attachment, which cannot be copied")
			r.markNoAttachment(ctx, j, content, copied, msgNoAttachment)
		case err != nil:
			return err
		}
	}
	evtType := event.EventMessage
	if j.evt.Type == event.EventSticker {
		evtType = event.EventSticker
	}
	copyID, err := r.send(ctx, j, "msg", evtType, copied)
	if err != nil {
		return err
	}
	return r.remember(ctx, j, copyID)
}

// mapRelation turns a reply or thread into the same relation between the
// matching events of the target room.
func (r *Relay) mapRelation(ctx context.Context, j *job, rel *event.RelatesTo) (*event.RelatesTo, error) {
	if rel == nil {
		return nil, nil
	}
	out := &event.RelatesTo{}
	if rel.Type == event.RelThread {
		root, err := r.inTarget(ctx, rel.EventID, j.SourceRoom, j.TargetRoom)
		if err != nil || root == "" {
			return nil, err
		}
		out.Type, out.EventID, out.IsFallingBack = event.RelThread, root, rel.IsFallingBack
	}
	if replyTo := rel.GetReplyTo(); replyTo != "" {
		mapped, err := r.inTarget(ctx, replyTo, j.SourceRoom, j.TargetRoom)
		if err != nil {
			return nil, err
		}
		if mapped != "" {
			out.InReplyTo = &event.InReplyTo{EventID: mapped}
		}
	}
	if out.Type == "" && out.InReplyTo == nil {
		return nil, nil
	}
	return out, nil
}

// relayEdit relays an edit as an edit of the copy, only when it comes from
// the original's sender: the homeserver lets anyone send an m.replace, and
// clients in the source room ignore a foreign one, so must the copies.
func (r *Relay) relayEdit(ctx context.Context, j *job, content *event.MessageEventContent) error {
	edited := content.RelatesTo.GetReplaceID()
	target, err := r.inTarget(ctx, edited, j.SourceRoom, j.TargetRoom)
	if err != nil || target == "" || content.NewContent == nil {
		return err
	}
	if sender, err := r.senderOf(ctx, j.SourceRoom, edited); err != nil {
		return err
	} else if sender == "" || sender != j.evt.Sender {
		zerolog.Ctx(ctx).Warn().Stringer("edited_event", edited).Msg("Not relaying an edit of someone else's message")
		return nil
	}
	copied, err := r.buildCopy(ctx, j, content.NewContent)
	if err != nil {
		return err
	}
	edit := &event.MessageEventContent{
		MsgType:    copied.MsgType,
		Body:       "* " + copied.Body,
		NewContent: copied,
		RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: target},
		// The new content mentions whom it shows; the edit itself pings
		// nobody again.
		Mentions: &event.Mentions{},
	}
	if copied.Format == event.FormatHTML {
		edit.Format, edit.FormattedBody = event.FormatHTML, "* "+copied.FormattedBody
	}
	if made, err := r.db.RelayCopy.Origin(ctx, target); err != nil {
		return err
	} else if made != nil && made.CopiedBy != "" && made.CopiedBy != r.mx.BotUserID() {
		// Another instance's bot made the copy before the coalition moved
		// here, and clients take an edit only from the copy's sender: the
		// new text goes as a new copy answering the old one.
		copied.Body = "* " + copied.Body
		if copied.Format == event.FormatHTML {
			copied.FormattedBody = "* " + copied.FormattedBody
		}
		copied.RelatesTo, copied.Mentions = (&event.RelatesTo{}).SetReplyTo(target), &event.Mentions{}
		edit = copied
	}
	if _, err = r.send(ctx, j, "edit", event.EventMessage, edit); err != nil {
		return err
	}
	// !original tells how the copy reads now.
	return r.db.RelayCopy.SetTranslation(ctx, edited, j.TargetRoom, cmp.Or(j.translation, database.TranslationNone), j.route)
}

func (r *Relay) relayReaction(ctx context.Context, j *job, content *event.ReactionEventContent) error {
	target, err := r.inTarget(ctx, content.RelatesTo.EventID, j.SourceRoom, j.TargetRoom)
	if err != nil || target == "" {
		return err
	}
	key := content.RelatesTo.Key
	record := &database.ReactionCopy{SourceEvent: j.EventID, TargetRoom: j.TargetRoom, Annotated: target, Key: key}
	// Many people reacting alike show as one reaction of the bot's; one
	// room's worker handles its deliveries in order, so this cannot race.
	if record.CopyEvent, err = r.db.RelayReaction.Shared(ctx, j.TargetRoom, target, key); err != nil || record.CopyEvent != "" {
		if err != nil {
			return err
		}
		return r.db.RelayReaction.Put(ctx, record)
	}
	reaction := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: target, Key: key}}
	if record.CopyEvent, err = r.send(ctx, j, "react", event.EventReaction, reaction); err != nil {
		return err
	}
	if err = r.db.RelayReaction.Put(ctx, record); err != nil {
		return err
	}
	return r.remember(ctx, j, record.CopyEvent)
}

// relayRedaction deletes the copies of a deleted event, when the deletion
// is one the homeserver applies: by the event's own sender, or by someone
// with the power to delete others' events in the source room now.
func (r *Relay) relayRedaction(ctx context.Context, j *job) error {
	redacts := j.evt.Redacts
	if redacts == "" {
		redacts = j.evt.Content.AsRedaction().Redacts
	}
	if ok, err := r.mayRedact(ctx, j, redacts); err != nil || !ok {
		if err == nil {
			zerolog.Ctx(ctx).Warn().Stringer("redacted_event", redacts).Msg("Not relaying a redaction its sender may not make")
		}
		return err
	}
	copyID, others, err := r.db.RelayReaction.Get(ctx, redacts, j.TargetRoom)
	if err != nil {
		return err
	}
	if copyID == "" {
		if copyID, err = r.db.RelayCopy.Get(ctx, redacts, j.TargetRoom); err != nil || copyID == "" {
			return err
		}
	}
	// A shared reaction stays while someone else's reaction stands behind it.
	if others == 0 {
		if err = r.mx.Redact(ctx, j.TargetRoom, copyID, txnid.Stable("redact", string(j.EventID), string(j.TargetRoom))); err != nil {
			return r.sendError(ctx, j.Delivery, err)
		}
	}
	return r.db.RelayReaction.Delete(ctx, redacts, j.TargetRoom)
}

// senderOf is who sent an event of the source room: kept with its copies,
// or asked of the homeserver for copies made before senders were kept. A
// copy the bot made is the bot's. An event of any other room is no one's
// here: an edit or a deletion sent in one room never reaches another
// room's messages.
func (r *Relay) senderOf(ctx context.Context, room id.RoomID, eventID id.EventID) (id.UserID, error) {
	if origin, err := r.db.RelayCopy.Origin(ctx, eventID); err != nil {
		return "", err
	} else if origin != nil {
		if origin.TargetRoom != room {
			return "", nil
		}
		return cmp.Or(origin.CopiedBy, r.mx.BotUserID()), nil
	}
	copies, err := r.db.RelayCopy.Of(ctx, eventID)
	if err != nil {
		return "", err
	}
	for _, c := range copies {
		if c.SourceRoom != room {
			return "", nil
		}
		if c.SourceSender != "" {
			return c.SourceSender, nil
		}
	}
	return r.mx.EventSender(ctx, room, eventID)
}

func (r *Relay) mayRedact(ctx context.Context, j *job, redacts id.EventID) (bool, error) {
	sender, err := r.senderOf(ctx, j.SourceRoom, redacts)
	if err != nil || sender == "" || sender == j.evt.Sender {
		return err == nil && sender != "", err
	}
	return r.mx.MayRedactOthers(ctx, j.SourceRoom, j.evt.Sender)
}
