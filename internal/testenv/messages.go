package testenv

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// TimelineMessages are Messages in timeline order: where each event first
// came in, even when it could only be decrypted later (after a sender's
// session changed, its key may come a sync after the events).
func (c *Client) TimelineMessages(roomID id.RoomID, sender id.UserID) []*event.Event {
	c.mu.Lock()
	position := map[id.EventID]int{}
	for i, evt := range c.events {
		if _, seen := position[evt.ID]; !seen && evt.RoomID == roomID {
			position[evt.ID] = i
		}
	}
	c.mu.Unlock()
	msgs := c.Messages(roomID, sender)
	slices.SortStableFunc(msgs, func(a, b *event.Event) int { return position[a.ID] - position[b.ID] })
	return msgs
}

// SendText sends a plain text message (encrypted in encrypted rooms).
func (c *Client) SendText(roomID id.RoomID, text string) id.EventID {
	c.t.Helper()
	resp, err := c.Client.SendMessageEvent(context.Background(), roomID, event.EventMessage,
		&event.MessageEventContent{MsgType: event.MsgText, Body: text})
	if err != nil {
		c.t.Fatalf("failed to send %q: %v", clip(text), err)
	}
	return resp.EventID
}

// Messages returns the messages seen in room from sender, decrypted where
// they were encrypted; encrypted events that never decrypted are left out.
func (c *Client) Messages(roomID id.RoomID, sender id.UserID) []*event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*event.Event
	for _, evt := range c.events {
		if evt.RoomID == roomID && evt.Sender == sender && evt.Type == event.EventMessage {
			out = append(out, evt)
		}
	}
	return out
}

// WaitForMessage waits for a message in room from sender that satisfies match.
func (c *Client) WaitForMessage(roomID id.RoomID, sender id.UserID, timeout time.Duration, match func(*event.Event) bool) *event.Event {
	c.t.Helper()
	var found *event.Event
	c.Eventually(fmt.Sprintf("a message from %s in %s", sender, roomID), timeout, func() bool {
		for _, evt := range c.Messages(roomID, sender) {
			if match(evt) {
				found = evt
				return true
			}
		}
		return false
	})
	return found
}

// WaitForReply waits for sender's answer to the message `to`.
func (c *Client) WaitForReply(roomID id.RoomID, sender id.UserID, to id.EventID, timeout time.Duration) *event.Event {
	c.t.Helper()
	return c.WaitForMessage(roomID, sender, timeout, func(evt *event.Event) bool {
		return evt.Content.AsMessage().RelatesTo.GetReplyTo() == to
	})
}

// Body is the plain-text body of a message event.
func Body(evt *event.Event) string {
	return evt.Content.AsMessage().Body
}

// ContainsAny reports whether s contains one of the words (case-insensitive).
func ContainsAny(s string, words ...string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// Arrived is when the client first saw the (decrypted) message.
func (c *Client) Arrived(eventID id.EventID) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.arrival[eventID]
}

// Send sends any message content (encrypted in encrypted rooms).
func (c *Client) Send(roomID id.RoomID, content *event.MessageEventContent) id.EventID {
	c.t.Helper()
	resp, err := c.Client.SendMessageEvent(context.Background(), roomID, event.EventMessage, content)
	if err != nil {
		c.t.Fatalf("failed to send: %v", err)
	}
	return resp.EventID
}

// React sends a reaction as Element does: encrypted in an encrypted room
// (mautrix's own client would send it in the clear), so the receiver knows
// which device sent it.
func (c *Client) React(roomID id.RoomID, target id.EventID, key string) id.EventID {
	c.t.Helper()
	ctx := context.Background()
	content := &event.ReactionEventContent{RelatesTo: event.RelatesTo{Type: event.RelAnnotation, EventID: target, Key: key}}
	evtType, payload := event.EventReaction, any(content)
	if enc, _ := c.StateStore.IsEncrypted(ctx, roomID); enc {
		encrypted, err := c.Crypto.Encrypt(ctx, roomID, event.EventReaction, content)
		if err != nil {
			c.t.Fatalf("failed to encrypt a reaction: %v", err)
		}
		evtType, payload = event.EventEncrypted, encrypted
	}
	resp, err := c.Client.SendMessageEvent(ctx, roomID, evtType, payload)
	if err != nil {
		c.t.Fatalf("failed to react: %v", err)
	}
	return resp.EventID
}

// Events returns every event of the type the client saw in room from sender.
func (c *Client) Events(roomID id.RoomID, sender id.UserID, evtType event.Type) []*event.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*event.Event
	for _, evt := range c.events {
		if evt.RoomID == roomID && evt.Sender == sender && evt.Type == evtType {
			out = append(out, evt)
		}
	}
	return out
}

// WaitForEvent waits for an event of the type from sender in room that matches.
func (c *Client) WaitForEvent(roomID id.RoomID, sender id.UserID, evtType event.Type, timeout time.Duration, match func(*event.Event) bool) *event.Event {
	c.t.Helper()
	var found *event.Event
	c.Eventually(fmt.Sprintf("a %s from %s in %s", evtType.Type, sender, roomID), timeout, func() bool {
		for _, evt := range c.Events(roomID, sender, evtType) {
			if match(evt) {
				found = evt
				return true
			}
		}
		return false
	})
	return found
}

// UploadEncrypted encrypts data as an attachment and uploads it.
func (c *Client) UploadEncrypted(data []byte) *event.EncryptedFileInfo {
	c.t.Helper()
	file := attachment.NewEncryptedFile()
	cipher := bytes.Clone(data)
	file.EncryptInPlace(cipher)
	resp, err := c.UploadBytes(context.Background(), cipher, "application/octet-stream")
	if err != nil {
		c.t.Fatalf("failed to upload: %v", err)
	}
	return &event.EncryptedFileInfo{EncryptedFile: *file, URL: resp.ContentURI.CUString()}
}

// DownloadFile fetches an attachment, decrypting it when it is encrypted.
func (c *Client) DownloadFile(content *event.MessageEventContent) []byte {
	c.t.Helper()
	uri := content.URL
	if content.File != nil {
		uri = content.File.URL
	}
	parsed, err := uri.Parse()
	if err != nil {
		c.t.Fatalf("bad media URI %q: %v", uri, err)
	}
	data, err := c.DownloadBytes(context.Background(), parsed)
	if err != nil {
		c.t.Fatalf("failed to download: %v", err)
	}
	if content.File != nil {
		if err = content.File.DecryptInPlace(data); err != nil {
			c.t.Fatalf("failed to decrypt attachment: %v", err)
		}
	}
	return data
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ServerHistory reads the room's last limit events from the homeserver
// rather than from what sync delivered, and returns the bodies of sender's
// messages, oldest first, decrypting what it can. Dendrite stopped in the
// middle of traffic can store an event and never deliver it by sync to a
// client that was syncing; the room's history still holds it.
func (c *Client) ServerHistory(roomID id.RoomID, sender id.UserID, limit int) []string {
	ctx := context.Background()
	var chunk []*event.Event
	from := ""
	for len(chunk) < limit {
		resp, err := c.Client.Messages(ctx, roomID, from, "", mautrix.DirectionBackward, nil, min(limit-len(chunk), 100))
		if err != nil {
			return []string{"(history unreadable: " + err.Error() + ")"}
		}
		chunk = append(chunk, resp.Chunk...)
		if resp.End == "" || len(resp.Chunk) == 0 {
			break
		}
		from = resp.End
	}
	var out []string
	for i := len(chunk) - 1; i >= 0; i-- {
		evt := chunk[i]
		if evt.Sender != sender {
			continue
		}
		if evt.Type == event.EventEncrypted {
			_ = evt.Content.ParseRaw(evt.Type)
			dec, err := c.Crypto.Decrypt(ctx, evt)
			if err != nil {
				out = append(out, fmt.Sprintf("(%s undecryptable: %v)", evt.ID, err))
				continue
			}
			evt = dec
		}
		_ = evt.Content.ParseRaw(evt.Type)
		if msg := evt.Content.AsMessage(); msg != nil {
			out = append(out, msg.Body)
		}
	}
	return out
}
