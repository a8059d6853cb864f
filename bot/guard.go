package bot

import (
	"context"
	"fmt"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/txnid"
	"starling/monitor"
	"starling/rooms"
)

var (
	msgRefusedFromHere = &i18n.Message{
		ID:          "RelayEncryptedToPlain",
		Description: "Told once in an encrypted room whose content the bot will not post into an unencrypted room. Room is a room name.",
		Other:       "I am not relaying this room's messages to {{.Room}}: this room is end-to-end encrypted and that one is not. Turn on encryption in {{.Room}} to receive them there.",
	}
	msgRefusedHere = &i18n.Message{
		ID:          "GuardEncryptedToPlainHere",
		Description: "Told once in an unencrypted room where the bot did not post something built from end-to-end encrypted messages (form answers, reports, a room's messages).",
		Other:       "I did not post something here because it comes from end-to-end encrypted chats and this room is not encrypted. Turn on encryption in this room's settings to receive it.",
	}
)

// CheckOrigin is the send guard: content from encrypted events goes only
// into encrypted rooms. A refusal is counted, its room's moderators are told
// once, and the error wraps rooms.ErrEncryptedToPlain. Callers that prepare
// costly or revealing work for a room (uploads, translation) ask first;
// Send asks again, so nothing can slip past it.
func (b *Bot) CheckOrigin(ctx context.Context, roomID id.RoomID, from rooms.Origin) error {
	if !from.Encrypted {
		return nil
	}
	encrypted, err := b.IsEncrypted(ctx, roomID)
	if err != nil {
		return err
	}
	if encrypted {
		return nil
	}
	monitor.Refused()
	zerolog.Ctx(ctx).Warn().Stringer("target_room", roomID).Stringer("source_room", from.Room).
		Msg("Refused to send content from encrypted events into an unencrypted room")
	b.tellRefused(ctx, roomID, from)
	return fmt.Errorf("%w: %s", rooms.ErrEncryptedToPlain, roomID)
}

// tellRefused says why content is missing: in the room it came from when
// that is one room, else in the room it was meant for. Once per pair of
// rooms, also across restarts, for as long as sent transactions are kept.
func (b *Bot) tellRefused(ctx context.Context, target id.RoomID, from rooms.Origin) {
	tell, msg := from.Room, msgRefusedFromHere
	if tell == "" || tell == target {
		tell, msg = target, msgRefusedHere
	}
	txn := txnid.Stable("guard", string(tell), string(target))
	if sent, err := b.db.SentTxn.Get(ctx, txn); err != nil || sent != "" {
		return
	}
	text := b.l10n.Text(b.rooms.Language(ctx, tell), msg, map[string]any{"Room": b.RoomName(ctx, target)})
	content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: text, Mentions: &event.Mentions{}}
	sent, err := b.Send(ctx, tell, event.EventMessage, content, txn, rooms.Bot)
	if err == nil {
		err = b.db.SentTxn.Put(ctx, txn, tell, sent, b.now())
	}
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("Failed to tell a room why content is missing")
	}
}
