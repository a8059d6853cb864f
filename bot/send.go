package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/rooms"
)

// ErrWouldLeakPlaintext is returned instead of sending unencrypted content
// into a room the bot believes encrypted.
var ErrWouldLeakPlaintext = errors.New("refusing to send plaintext into an encrypted room")

// Reply answers a message with a notice that mentions nobody. The
// transaction id derives from the answered event, so a retry after a crash
// is deduplicated by the homeserver. from is where what the answer quotes
// came from (rooms.Bot when it quotes nothing).
func (b *Bot) Reply(ctx context.Context, to *event.Event, markdown string, from rooms.Origin) error {
	content := mxtext.Notice(markdown, nil)
	content.SetReply(to)
	_, err := b.Send(ctx, to.RoomID, event.EventMessage, content, txnid.Stable("reply", string(to.ID)), from)
	return err
}

// SendFile uploads data and sends it as a file into a room, in reply to a
// message there if replyTo is set; in an encrypted room the file itself is
// encrypted before upload, and encrypted content is not even uploaded for
// an unencrypted one.
func (b *Bot) SendFile(ctx context.Context, roomID id.RoomID, replyTo id.EventID, data []byte, fileName, mimeType string, from rooms.Origin) error {
	if err := b.CheckOrigin(ctx, roomID, from); err != nil {
		return err
	}
	encrypted, err := b.IsEncrypted(ctx, roomID)
	if err != nil {
		return err
	}
	content := &event.MessageEventContent{MsgType: event.MsgFile, Body: fileName, FileName: fileName,
		Info: &event.FileInfo{MimeType: mimeType, Size: len(data)}, Mentions: &event.Mentions{}}
	if replyTo != "" {
		content.RelatesTo = &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: replyTo}}
	}
	if err = b.Attach(ctx, content, data, mimeType, encrypted); err != nil {
		return err
	}
	// The same file sent again is one send; a new export of the same name
	// is another.
	sum := sha256.Sum256(data)
	_, err = b.Send(ctx, roomID, event.EventMessage, content, txnid.Stable("file", string(replyTo), string(roomID), fileName, hex.EncodeToString(sum[:8])), from)
	return err
}
