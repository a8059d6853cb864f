// Package relay bridges the rooms of a coalition across languages: every
// message is copied, translated, into every other room, and edits,
// redactions, replies, threads and reactions follow their copies.
package relay

import (
	"context"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Matrix is what the relay needs from the bot's Matrix side.
type Matrix interface {
	BotUserID() id.UserID
	// IsJoined tells whether the user is in the room now.
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
	IsEncrypted(ctx context.Context, roomID id.RoomID) (bool, error)
	// JoinedMembers lists who is in the room now.
	JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error)
	DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string
	RoomName(ctx context.Context, roomID id.RoomID) string
	// Decrypt decrypts an event from an encrypted room.
	Decrypt(ctx context.Context, evt *event.Event) (*event.Event, error)
	// FetchEvent gets an event from the homeserver, decrypted.
	FetchEvent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error)
	// Send sends an event (encrypted in encrypted rooms) with a transaction
	// id that makes a repeated send a no-op.
	Send(ctx context.Context, roomID id.RoomID, evtType event.Type, content any, txnID string) (id.EventID, error)
	Redact(ctx context.Context, roomID id.RoomID, target id.EventID, txnID string) error
	// WaitForSync returns once the bot has processed a sync since it
	// started, and so has seen its own events from before a crash.
	WaitForSync(ctx context.Context) error
	Download(ctx context.Context, uri id.ContentURIString) ([]byte, error)
	Upload(ctx context.Context, data []byte, mimeType string) (id.ContentURIString, error)
}
