package rooms

import (
	"errors"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Origin is where the content of an outgoing message came from. Every
// message built from what people wrote carries one to the send path, which
// refuses to put encrypted content into an unencrypted room. The zero
// value is the bot's own words.
type Origin struct {
	// Room is where the content was written ("" for several rooms or the
	// bot's direct chats).
	Room id.RoomID
	// Encrypted is whether the content arrived end-to-end encrypted: judged
	// by the event that carried it, not by the room's state today.
	Encrypted bool
}

// ErrEncryptedToPlain is the send guard's refusal: content from encrypted
// events never goes into an unencrypted room.
var ErrEncryptedToPlain = errors.New("refusing to send content from encrypted events into an unencrypted room")

// ErrCannotPost is a room that refuses the bot's messages: it left or was
// kicked, or the room's power levels no longer let it speak. Trying again
// will not help; a message meant for many rooms goes on to the others.
var ErrCannotPost = errors.New("the room does not let the bot post")

// Bot is the origin of the bot's own words, which may go anywhere.
var Bot = Origin{}

// Private is the origin of what people told the bot in direct chats (form
// answers, incident reports): always encrypted.
var Private = Origin{Encrypted: true}

// FromEvent is the origin of an event's content, as it arrived.
func FromEvent(evt *event.Event) Origin {
	return Origin{
		Room:      evt.RoomID,
		Encrypted: evt.Type == event.EventEncrypted || evt.Mautrix.WasEncrypted || evt.Mautrix.EventSource&event.SourceDecrypted != 0,
	}
}

// With is the origin of content that mixes both: encrypted if either is.
func (o Origin) With(other Origin) Origin {
	if o.Room != other.Room {
		if o.Room == "" {
			o.Room = other.Room
		} else if other.Room != "" {
			o.Room = ""
		}
	}
	o.Encrypted = o.Encrypted || other.Encrypted
	return o
}
