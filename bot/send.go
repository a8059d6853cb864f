package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"
)

// ErrWouldLeakPlaintext is returned instead of sending unencrypted content
// into a room the bot believes encrypted.
var ErrWouldLeakPlaintext = errors.New("refusing to send plaintext into an encrypted room")

// Reply answers a message with a notice that mentions nobody. The
// transaction id derives from the answered event, so a retry after a crash
// is deduplicated by the homeserver.
func (b *Bot) Reply(ctx context.Context, to *event.Event, markdown string) error {
	content := format.RenderMarkdown(markdown, true, false)
	content.MsgType = event.MsgNotice
	content.SetReply(to)
	content.Mentions = &event.Mentions{}
	_, err := b.Send(ctx, to.RoomID, event.EventMessage, &content, txnID("reply", to.ID))
	return err
}

func txnID(kind string, parts ...id.EventID) string {
	h := sha256.New()
	h.Write([]byte(kind))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return "starling-" + kind + "-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// SendFile uploads data and sends it as a file in reply to a message; in an
// encrypted room the file itself is encrypted before upload.
func (b *Bot) SendFile(ctx context.Context, to *event.Event, data []byte, fileName, mimeType string) error {
	encrypted, err := b.IsEncrypted(ctx, to.RoomID)
	if err != nil {
		return err
	}
	content := &event.MessageEventContent{MsgType: event.MsgFile, Body: fileName, FileName: fileName,
		Info: &event.FileInfo{MimeType: mimeType, Size: len(data)}, Mentions: &event.Mentions{}}
	content.RelatesTo = &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: to.ID}}
	if encrypted {
		file := attachment.NewEncryptedFile()
		cipher := file.Encrypt(data)
		uri, err := b.Upload(ctx, cipher, "application/octet-stream")
		if err != nil {
			return err
		}
		content.File = &event.EncryptedFileInfo{EncryptedFile: *file, URL: uri}
	} else {
		uri, err := b.Upload(ctx, data, mimeType)
		if err != nil {
			return err
		}
		content.URL = uri
	}
	_, err = b.Send(ctx, to.RoomID, event.EventMessage, content, txnID("file", to.ID))
	return err
}
