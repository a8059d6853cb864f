// Package relay bridges the rooms of a coalition across languages: every
// message is copied, translated, into every other room, and edits,
// redactions, replies, threads and reactions follow their copies.
//
// It must not import the bot, the commands or mautrix's client: it talks to
// Matrix through its own Matrix interface (layers_test.go keeps the order).
package relay

import (
	"context"
	"errors"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/rooms"
)

// ErrBadEvent marks an event (or an attachment it points to) that can never
// be read: content that is not what its type says, a payload no key will
// ever open, a media URI that is no URI. Retrying cannot cure it, so it
// never holds up a room's queue.
var ErrBadEvent = errors.New("event cannot be read")

// Matrix is what the relay needs from the bot's Matrix side.
type Matrix interface {
	BotUserID() id.UserID
	// IsJoined tells whether the user is in the room now.
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
	// JoinedMembers lists who is in the room now.
	JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error)
	DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string
	// SendToPerson sends a notice to the user in their direct chat (opened
	// if needed; roomID is the one used so far, or "").
	SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error)
	// Avatar is the user's avatar in the room, "" when they have none.
	Avatar(ctx context.Context, roomID id.RoomID, userID id.UserID) id.ContentURIString
	RoomName(ctx context.Context, roomID id.RoomID) string
	// Decrypt decrypts an event from an encrypted room; an event no key
	// will ever open, or whose content is malformed, wraps ErrBadEvent.
	Decrypt(ctx context.Context, evt *event.Event) (*event.Event, error)
	// FetchEvent gets an event from the homeserver, decrypted.
	FetchEvent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error)
	// FetchCurrent is FetchEvent with the sender's last edit applied.
	FetchCurrent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error)
	// Send sends an event (encrypted in encrypted rooms) with a transaction
	// id that makes a repeated send a no-op; from is where its content came
	// from, and the send guard refuses encrypted content into a plain room.
	Send(ctx context.Context, roomID id.RoomID, evtType event.Type, content any, txnID string, from rooms.Origin) (id.EventID, error)
	// CheckOrigin asks the send guard before anything is prepared for a room.
	CheckOrigin(ctx context.Context, roomID id.RoomID, from rooms.Origin) error
	// EventSender is who sent an event, as the homeserver has it.
	EventSender(ctx context.Context, roomID id.RoomID, eventID id.EventID) (id.UserID, error)
	// MayRedactOthers tells whether the user may redact others' events in the room now.
	MayRedactOthers(ctx context.Context, roomID id.RoomID, userID id.UserID) (bool, error)
	Redact(ctx context.Context, roomID id.RoomID, target id.EventID, txnID string) error
	// WaitForSync returns once the bot has processed a sync since it
	// started, and so has seen its own events from before a crash.
	WaitForSync(ctx context.Context) error
	// WaitForFreshSync returns once a sync requested after the call has
	// been processed.
	WaitForFreshSync(ctx context.Context) error
	// Download reads an attachment, at most limit+1 bytes of it.
	Download(ctx context.Context, uri id.ContentURIString, limit int64) ([]byte, error)
	// HTTPStatus is the homeserver's HTTP status in a failed request's
	// error, 0 when the error holds none (the network, a timeout).
	HTTPStatus(err error) int
	// Attach uploads data as content's attachment, encrypted if encrypt.
	Attach(ctx context.Context, content *event.MessageEventContent, data []byte, mimeType string, encrypt bool) error
}
