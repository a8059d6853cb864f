package relay

import (
	"context"
	"errors"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/rooms"
)

// What every room of a coalition is told about changes to it. Room, Name
// and From are bold; Who is a user id as a code span.
var (
	msgRoomJoined = &i18n.Message{
		ID:          "CoalitionRoomJoined",
		Description: "Told in every room of a coalition when another room joins it.",
		Other:       "{{.Room}} joined the coalition {{.Name}}, added by {{.Who}}: messages are now relayed between it and this room. If that is not right, a moderator here can take it out with `!link remove`.",
	}
	msgRoomLeft = &i18n.Message{
		ID:          "CoalitionRoomLeft",
		Description: "Told in every remaining room of a coalition when a room leaves it.",
		Other:       "{{.Room}} left the coalition {{.Name}} ({{.Who}}): nothing more is relayed between it and this room.",
	}
	msgRoomRemoved = &i18n.Message{
		ID:          "CoalitionRoomRemoved",
		Description: "Told in every room of a coalition, and in the removed room, when a moderator takes a room out.",
		Other:       "{{.Room}} was taken out of the coalition {{.Name}} by {{.Who}}, a moderator of {{.From}}: nothing more is relayed between it and the coalition.",
	}
	msgGlossaryChanged = &i18n.Message{
		ID:          "CoalitionGlossaryChanged",
		Description: "Told in every room of a coalition when its glossary changes. Change is a term and its fixed translations, or a removal.",
		Other:       "{{.Who}} in {{.Room}} changed the coalition's glossary: {{.Change}}",
	}
)

func bold(s string) string { return "**" + format.EscapeMarkdown(s) + "**" }

func who(userID id.UserID) string { return format.SafeMarkdownCode(userID.String()) }

// announce tells every room of the coalition but one (except) about a
// change, each in its own language.
func (c *Coalitions) announce(ctx context.Context, coalitionID string, except id.RoomID, msg *i18n.Message, data map[string]any) {
	c.announceFrom(ctx, coalitionID, except, rooms.Bot, msg, data)
}

// announceFrom is announce for a change that carries content (a glossary
// term): it goes only where content of that origin may.
func (c *Coalitions) announceFrom(ctx context.Context, coalitionID string, except id.RoomID, from rooms.Origin, msg *i18n.Message, data map[string]any) {
	list, err := c.rooms.CoalitionRooms(ctx, coalitionID)
	if err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to list the coalition's rooms to tell them of a change")
		return
	}
	for _, r := range list {
		if r.RoomID != except {
			c.tellFrom(ctx, r.RoomID, from, msg, data)
		}
	}
}

func (c *Coalitions) tell(ctx context.Context, roomID id.RoomID, msg *i18n.Message, data map[string]any) {
	c.tellFrom(ctx, roomID, rooms.Bot, msg, data)
}

func (c *Coalitions) tellFrom(ctx context.Context, roomID id.RoomID, from rooms.Origin, msg *i18n.Message, data map[string]any) {
	content := mxtext.Notice(c.l10n.Text(c.rooms.Language(ctx, roomID), msg, data), nil)
	if _, err := c.mx.Send(ctx, roomID, event.EventMessage, content, txnid.Unique(), from); err != nil && !errors.Is(err, rooms.ErrEncryptedToPlain) {
		zerolog.Ctx(ctx).Warn().Err(err).Stringer("target_room", roomID).Msg("Failed to tell a room of a change to its coalition")
	}
}
