package commands

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	mcmd "maunium.net/go/mautrix/commands"
	"maunium.net/go/mautrix/format"

	"starling/database"
	"starling/rooms"
)

// Ctx is one command being run.
type Ctx struct {
	*mcmd.Event[*Router]
	Lang string
	// Direct is set in a direct chat between the bot and the sender.
	Direct bool
	// Room is what the room is, from the room authority.
	Room *rooms.Room
	// Origin is the command event's: what it carries goes only where it may.
	Origin rooms.Origin
	router *Router
	person *database.Person
	modErr error
	mod    *bool
}

// UserError is a failure whose localized text is meant for the person:
// Msg with Data, or Text already localized by the domain that refused.
type UserError struct {
	Msg  *i18n.Message
	Data map[string]any
	Text string
}

func (e *UserError) Error() string {
	if e.Msg == nil {
		return e.Text
	}
	return e.Msg.ID
}

func (r *Router) newCtx(ce *mcmd.Event[*Router]) (*Ctx, error) {
	directWith, err := r.Rooms.DirectChat(ce.Ctx, ce.RoomID)
	if err != nil {
		return nil, fmt.Errorf("failed to check direct chat: %w", err)
	}
	room, err := r.Rooms.Get(ce.Ctx, ce.RoomID)
	if err != nil {
		return nil, err
	}
	person, err := r.DB.Person.Get(ce.Ctx, ce.Sender)
	if err != nil {
		return nil, err
	}
	cx := &Ctx{Event: ce, Direct: directWith != "" && directWith == ce.Sender, Room: room, Origin: rooms.FromEvent(ce.Event),
		router: r, person: person}
	cx.Lang = cx.replyLanguage()
	return cx, nil
}

// personLanguage is the sender's own language, for what goes to their
// direct chat.
func (cx *Ctx) personLanguage() string {
	return cmp.Or(cx.person.Language, cx.router.Rooms.Defaults().DefaultLanguage)
}

// replyLanguage: the room's language in rooms, the person's own in a DM.
func (cx *Ctx) replyLanguage() string {
	if cx.Direct && cx.person.Language != "" {
		return cx.person.Language
	}
	return cx.RoomLanguage()
}

// RoomLanguage is the room's language or the configured default.
func (cx *Ctx) RoomLanguage() string { return cx.Room.Language }

// RoomTimezone is the room's zone or the configured default.
func (cx *Ctx) RoomTimezone() string { return cx.Room.Timezone }

// Prefix is the command prefix as the reader should type it.
func (cx *Ctx) Prefix() string { return cx.router.settings.Prefix }

// IsModerator tells whether the sender may change this room's settings.
func (cx *Ctx) IsModerator() (bool, error) {
	if cx.mod == nil && cx.modErr == nil {
		level, err := cx.router.mx.PowerLevel(cx.Ctx, cx.RoomID, cx.Sender)
		if err != nil {
			cx.modErr = fmt.Errorf("failed to get power level: %w", err)
		} else {
			ok := level >= cx.router.settings.ModeratorLevel
			cx.mod = &ok
		}
	}
	if cx.modErr != nil {
		return false, cx.modErr
	}
	return *cx.mod, nil
}

// Reply answers in the reader's language.
func (cx *Ctx) Reply(msg *i18n.Message, data map[string]any) {
	cx.ReplyMarkdown(cx.router.L10n.Text(cx.Lang, msg, data))
}

// ReplyMarkdown answers with text already localized, quoting nothing from
// elsewhere.
func (cx *Ctx) ReplyMarkdown(markdown string) { cx.ReplyFrom(rooms.Bot, markdown) }

// ReplyFrom answers with text built from content of the given origin. Here
// a room that may not receive it is told why, each time it asks; the send
// guard checks again.
func (cx *Ctx) ReplyFrom(from rooms.Origin, markdown string) {
	if from.Encrypted && !cx.Room.Encrypted {
		markdown = cx.T(msgEncryptedNotHere, nil)
		from = rooms.Bot
	}
	if err := cx.router.mx.Reply(cx.Ctx, cx.Event.Event, markdown, from); err != nil {
		zerolog.Ctx(cx.Ctx).Err(err).Msg("Failed to send command reply")
	}
}

// ToSender sends to the sender in their direct chat, opened if needed.
func (cx *Ctx) ToSender(markdown string) error {
	_, err := cx.router.mx.SendToPerson(cx.Ctx, cx.Sender, "", markdown)
	return err
}

// T renders a message in the reader's language.
func (cx *Ctx) T(msg *i18n.Message, data map[string]any) string {
	return cx.router.L10n.Text(cx.Lang, msg, data)
}

func (cx *Ctx) fail(err error) {
	var userErr *UserError
	if errors.As(err, &userErr) {
		if userErr.Msg == nil {
			cx.ReplyMarkdown(userErr.Text)
		} else {
			cx.Reply(userErr.Msg, userErr.Data)
		}
		return
	}
	zerolog.Ctx(cx.Ctx).Err(err).Msg("Command failed")
	cx.Reply(msgInternalError, nil)
}

// fullName is the command's words without prefix or arguments, e.g. "lang room".
func (c *Command) fullName(parent *Command) string {
	if parent != nil {
		return parent.Name + " " + c.Name
	}
	return c.Name
}

func (cx *Ctx) usage(c, parent *Command) string {
	s := cx.Prefix() + c.fullName(parent)
	if c.Usage != "" {
		s += " " + c.Usage
	}
	return s
}

func (cx *Ctx) example(c, parent *Command) string {
	s := cx.Prefix()
	if parent != nil {
		s += parent.Name + " "
	}
	s += c.Name
	if c.Example != "" {
		s += " " + c.Example
	}
	return s
}

// usageList lists the given commands the sender may use, one per line.
func (cx *Ctx) usageList(cmds []*Command, parent *Command) string {
	var lines []string
	for _, c := range cmds {
		if ok, _ := cx.allowed(c); ok {
			lines = append(lines, "- "+format.SafeMarkdownCode(cx.usage(c, parent)))
		}
	}
	return strings.Join(lines, "\n")
}

func (cx *Ctx) allowed(c *Command) (bool, error) {
	if c.Need == Anyone {
		return true, nil
	}
	return cx.IsModerator()
}

// echoLimit bounds how much of what someone typed is repeated back.
const echoLimit = 64
