package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
)

var msgEncryptedToPlain = &i18n.Message{
	ID:          "RelayEncryptedToPlain",
	Description: "Told once in an encrypted room whose messages are not relayed into an unencrypted room of its coalition. Room is a room name.",
	Other:       "I am not relaying this room's messages to {{.Room}}: this room is end-to-end encrypted and that one is not. Turn on encryption in {{.Room}} to receive them there.",
}

// deliver relays one queued event into one target room.
func (r *Relay) deliver(ctx context.Context, d *database.Delivery) error {
	evt, err := r.loadEvent(ctx, d)
	if err != nil {
		if d.Attempts+1 >= r.maxAttempts {
			return permanent(err)
		}
		return err
	}
	srcEnc, err := r.mx.IsEncrypted(ctx, d.SourceRoom)
	if err != nil {
		return err
	}
	dstEnc, err := r.mx.IsEncrypted(ctx, d.TargetRoom)
	if err != nil {
		return err
	}
	if srcEnc && !dstEnc {
		r.warnPlaintextTarget(ctx, d.SourceRoom, d.TargetRoom)
		return permanent(errors.New("not relaying encrypted content into an unencrypted room"))
	}
	job := &job{Delivery: d, evt: evt, sourceEncrypted: srcEnc, targetEncrypted: dstEnc}
	switch evt.Type {
	case event.EventMessage, event.EventSticker:
		content := evt.Content.AsMessage()
		if content.RelatesTo.GetReplaceID() != "" {
			return r.relayEdit(ctx, job, content)
		}
		if r.isCommand(content) {
			return nil
		}
		return r.relayMessage(ctx, job, content)
	case event.EventReaction:
		return r.relayReaction(ctx, job, evt.Content.AsReaction())
	case event.EventRedaction:
		return r.relayRedaction(ctx, job)
	}
	return nil
}

// job is a delivery with its event decrypted.
type job struct {
	*database.Delivery
	evt             *event.Event
	sourceEncrypted bool
	targetEncrypted bool
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
		if err != nil {
			return nil, fmt.Errorf("failed to decrypt queued event: %w", err)
		}
		out = decrypted
	}
	r.decoded.put(out)
	return out, nil
}

func (r *Relay) isCommand(content *event.MessageEventContent) bool {
	return content.MsgType != event.MsgNotice && strings.HasPrefix(strings.TrimSpace(content.Body), r.settings.Prefix)
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

// send sends into the target exactly once. A send that a crash may have cut
// short is first looked up among the events the bot saw itself send; only
// if it never arrived is it sent again.
func (r *Relay) send(ctx context.Context, j *job, kind string, evtType event.Type, content any) (id.EventID, error) {
	txn := txnID(kind, j.EventID, j.TargetRoom)
	if j.Attempted {
		if err := r.mx.WaitForSync(ctx); err != nil {
			return "", err
		}
	}
	if sent, err := r.db.SentTxn.Get(ctx, txn); err != nil || sent != "" {
		return sent, err
	}
	if err := r.db.RelayJob.Attempt(ctx, j.JobID, j.TargetRoom); err != nil {
		return "", err
	}
	j.Attempted = true
	eventID, err := r.mx.Send(ctx, j.TargetRoom, evtType, content, txn)
	if err != nil {
		return "", r.sendError(ctx, j.Delivery, err)
	}
	if err = r.db.SentTxn.Put(ctx, txn, j.TargetRoom, eventID, r.now()); err != nil {
		return "", err
	}
	return eventID, nil
}

func (r *Relay) remember(ctx context.Context, j *job, copyID id.EventID) error {
	return r.db.RelayCopy.Put(ctx, &database.Copy{SourceEvent: j.EventID, SourceRoom: j.SourceRoom, TargetRoom: j.TargetRoom, CopyEvent: copyID})
}

func (r *Relay) relayMessage(ctx context.Context, j *job, content *event.MessageEventContent) error {
	rel, err := r.mapRelation(ctx, j, content.RelatesTo)
	if err != nil {
		return err
	}
	content.RemoveReplyFallback()
	copied, err := r.buildCopy(ctx, j, content)
	if err != nil {
		return err
	}
	copied.RelatesTo = rel
	if isMedia(content) {
		if err = r.copyMedia(ctx, content, copied, j.targetEncrypted); err != nil {
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

func (r *Relay) relayEdit(ctx context.Context, j *job, content *event.MessageEventContent) error {
	target, err := r.inTarget(ctx, content.RelatesTo.GetReplaceID(), j.SourceRoom, j.TargetRoom)
	if err != nil || target == "" || content.NewContent == nil {
		return err
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
		Mentions:   copied.Mentions,
	}
	if copied.Format == event.FormatHTML {
		edit.Format, edit.FormattedBody = event.FormatHTML, "* "+copied.FormattedBody
	}
	_, err = r.send(ctx, j, "edit", event.EventMessage, edit)
	return err
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

func (r *Relay) relayRedaction(ctx context.Context, j *job) error {
	redacts := j.evt.Redacts
	if redacts == "" {
		redacts = j.evt.Content.AsRedaction().Redacts
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
		if err = r.mx.Redact(ctx, j.TargetRoom, copyID, txnID("redact", j.EventID, j.TargetRoom)); err != nil {
			return r.sendError(ctx, j.Delivery, err)
		}
	}
	return r.db.RelayReaction.Delete(ctx, redacts, j.TargetRoom)
}

// warnPlaintextTarget tells the source room why one room gets nothing:
// once per process, and across restarts as long as the sent transaction is
// remembered (a week), so the room is reminded now and then, not flooded.
func (r *Relay) warnPlaintextTarget(ctx context.Context, source, target id.RoomID) {
	key := [2]id.RoomID{source, target}
	r.mu.Lock()
	already := r.warned[key]
	r.mu.Unlock()
	if already {
		return
	}
	txn := txnID("warn-plain", id.EventID(target), source)
	sent, err := r.db.SentTxn.Get(ctx, txn)
	if err == nil && sent == "" {
		text := r.l10n.Text(r.roomLanguage(ctx, source), msgEncryptedToPlain, map[string]any{"Room": r.mx.RoomName(ctx, target)})
		content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: text, Mentions: &event.Mentions{}}
		if sent, err = r.mx.Send(ctx, source, event.EventMessage, content, txn); err == nil {
			err = r.db.SentTxn.Put(ctx, txn, source, sent, r.now())
		}
	}
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("Failed to tell room why it is not relayed")
		return
	}
	r.mu.Lock()
	r.warned[key] = true
	r.mu.Unlock()
}

func (r *Relay) roomLanguage(ctx context.Context, roomID id.RoomID) string {
	room, err := r.db.Room.Get(ctx, roomID)
	if err != nil || room.Language == "" {
		return r.settings.DefaultLanguage
	}
	return room.Language
}
