// Package commands turns chat messages into calls: parse, check permission,
// call the domain, reply in the reader's language. Every command is listed in
// one table (registry.go); permissions and argument counts are checked here,
// in one place, never inside a handler.
//
// It must not import the bot or mautrix's client; the bot calls it with
// each command and gives it the small Matrix interface it needs.
package commands

import (
	"context"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	mcmd "maunium.net/go/mautrix/commands"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/forms"
	"starling/incidents"
	"starling/internal/fuzzy"
	"starling/internal/mxtext"
	"starling/ledger"
	"starling/monitor"
	"starling/relay"
	"starling/rooms"
	"starling/scheduler"
	"starling/service"
)

// Permission is what a person needs to run a command.
type Permission int

const (
	Anyone Permission = iota
	// Moderator commands change a room's or its coalition's settings: they
	// need a moderator of the room, by its current power levels, on a
	// device their owner has cross-signed.
	Moderator
)

// Command is one entry of the registry.
type Command struct {
	Name    string
	Aliases []string
	Need    Permission
	// Shared commands act on a room as part of a coalition (link, schedule,
	// form, glossary, responders); a direct chat is never part of one.
	Shared bool
	// Trusted commands act on incidents: they need a device its owner has
	// cross-signed, as Moderator commands do.
	Trusted bool
	// Usage is the arguments' syntax after the name, e.g. "<code>".
	Usage string
	// Example is a worked example of the arguments, e.g. "es".
	Example string
	Summary *i18n.Message
	// MinArgs and MaxArgs bound the argument count; MaxArgs -1 takes the rest.
	MinArgs, MaxArgs int
	Run              func(*Ctx) error
	Sub              []*Command
}

// Rooms answers what commands need to know about a room from Matrix.
type Matrix interface {
	// PowerLevel is the user's level in the room's current state.
	PowerLevel(ctx context.Context, roomID id.RoomID, userID id.UserID) (int, error)
	// SendToPerson sends to the user in a direct chat (opened if needed).
	SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error)
	OpenDM(ctx context.Context, userID id.UserID) (id.RoomID, error)
	// Reply delivers the bot's answer to a command; from is where what the
	// answer quotes came from.
	Reply(ctx context.Context, to *event.Event, markdown string, from rooms.Origin) error
	RoomName(ctx context.Context, roomID id.RoomID) string
	// SendFile sends a file into a room, in reply to an event there if
	// replyTo is set.
	SendFile(ctx context.Context, roomID id.RoomID, replyTo id.EventID, data []byte, fileName, mimeType string, from rooms.Origin) error
	BotUserID() id.UserID
	// FetchCurrent is a message of the room, decrypted, as its sender last
	// edited it.
	FetchCurrent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error)
	// Thread is a thread's root and its replies as FetchCurrent reads them,
	// oldest first; whole is false, and nothing read, past limit replies.
	Thread(ctx context.Context, roomID id.RoomID, root id.EventID, limit int) (thread []*event.Event, whole bool, err error)
}

// Settings are the configured values commands rely on.
type Settings struct {
	Prefix         string
	ModeratorLevel int
	// MinTrust is the device trust Moderator and Trusted commands need.
	MinTrust id.TrustState
}

// Services are the services commands drive.
type Services struct {
	Relay     *relay.Relay
	Scheduler *scheduler.Scheduler
	Forms     *forms.Engine
	Incidents *incidents.Service
	Ledger    *ledger.Service
}

// Router parses messages and dispatches them to the registry's handlers.
type Router struct {
	settings Settings
	service.Deps
	Services
	mx       Matrix
	proc     *mcmd.Processor[*Router]
	registry []*Command
}

// New builds the router over the full registry.
func New(deps service.Deps, mx Matrix, settings Settings, services Services) *Router {
	r := &Router{settings: settings, Deps: deps.For("commands"), Services: services, mx: mx}
	r.registry = registry()
	// The processor never sends on its own: every reply goes through Replier.
	r.proc = &mcmd.Processor[*Router]{
		CommandContainer: mcmd.NewCommandContainer[*Router](),
		Meta:             r,
		PreValidator:     mcmd.FuncPreValidator[*Router](r.acceptsCommand),
	}
	r.proc.Register(&mcmd.Handler[*Router]{Name: mcmd.UnknownCommandName, Func: r.unknownCommand})
	for _, c := range r.registry {
		r.proc.Register(r.handler(c, nil))
	}
	return r
}

// Handle runs the command in evt, if it is one.
func (r *Router) Handle(ctx context.Context, evt *event.Event) {
	r.proc.Process(ctx, evt)
}

// acceptsCommand strips the prefix; in a DM the prefix is optional.
func (r *Router) acceptsCommand(ce *mcmd.Event[*Router]) bool {
	if ce.Command == "" {
		return false
	}
	if strings.HasPrefix(ce.Command, r.settings.Prefix) {
		// The command is read from the formatted body, the relay's rule from
		// the plain one: both must say command, or a crafted message could
		// be run here and copied to the coalition too.
		content, ok := ce.Event.Content.Parsed.(*event.MessageEventContent)
		if !ok || !IsCommand(content, r.settings.Prefix) {
			return false
		}
		ce.Command = ce.Command[len(r.settings.Prefix):]
		return true
	}
	person, err := r.Rooms.DirectChat(ce.Ctx, ce.RoomID)
	if err != nil {
		zerolog.Ctx(ce.Ctx).Err(err).Msg("Failed to tell whether room is a direct chat")
		return false
	}
	return person == ce.Sender
}

func (r *Router) handler(c *Command, parent *Command) *mcmd.Handler[*Router] {
	h := &mcmd.Handler[*Router]{
		Name:    c.Name,
		Aliases: c.Aliases,
		Func:    func(ce *mcmd.Event[*Router]) { r.run(c, parent, ce) },
	}
	for _, sub := range c.Sub {
		h.Subcommands = append(h.Subcommands, r.handler(sub, c))
	}
	return h
}

// run is the one place where permissions and arguments are checked.
func (r *Router) run(c *Command, parent *Command, ce *mcmd.Event[*Router]) {
	cx, err := r.newCtx(ce)
	if err != nil {
		zerolog.Ctx(ce.Ctx).Err(err).Msg("Failed to prepare command")
		return
	}
	switch {
	case c.Run == nil || (len(ce.Args) > 0 && len(c.Sub) > 0 && c.MaxArgs == 0):
		cx.Reply(msgUnknownSubcommand, map[string]any{
			"Input":    Echo(cx.Prefix() + strings.Join(append(ce.ParentCommands, ce.Command), " ") + " " + ce.RawArgs),
			"Commands": cx.usageList(c.Sub, c),
		})
		return
	case len(ce.Args) < c.MinArgs || (c.MaxArgs >= 0 && len(ce.Args) > c.MaxArgs):
		cx.Reply(msgBadArguments, map[string]any{
			"Usage":   format.SafeMarkdownCode(cx.usage(c, parent)),
			"Example": format.SafeMarkdownCode(cx.example(c, parent)),
		})
		return
	}
	if !r.gate(cx, c) {
		return
	}
	monitor.Command(c.fullName(parent))
	if err = c.Run(cx); err != nil {
		cx.fail(err)
	}
}

// gate is the command gate: the room's role, the sender's power level in
// the room's current state, and the trust of the device that sent the
// command. It answers every refusal; it returns whether the command may run.
func (r *Router) gate(cx *Ctx, c *Command) bool {
	if c.Shared && cx.Direct {
		cx.Reply(msgNotInDirectChat, nil)
		return false
	}
	if c.Need == Moderator {
		ok, err := cx.IsModerator()
		if err != nil {
			cx.fail(err)
			return false
		} else if !ok {
			cx.Reply(msgNeedModerator, map[string]any{"Level": r.settings.ModeratorLevel})
			return false
		}
	}
	if (c.Need == Moderator || c.Trusted) && cx.Event.Mautrix.TrustState < r.settings.MinTrust {
		zerolog.Ctx(cx.Ctx).Warn().Stringer("trust", cx.Event.Mautrix.TrustState).Str("command", c.Name).
			Msg("Refused a command from a device its owner has not verified")
		cx.Reply(msgUntrustedDevice, nil)
		return false
	}
	return true
}

func (r *Router) unknownCommand(ce *mcmd.Event[*Router]) {
	cx, err := r.newCtx(ce)
	if err != nil {
		zerolog.Ctx(ce.Ctx).Err(err).Msg("Failed to prepare command")
		return
	}
	data := map[string]any{
		"Command": Echo(cx.Prefix() + ce.Command),
		"Help":    format.SafeMarkdownCode(cx.Prefix() + "help"),
	}
	if c := r.closest(ce.Command); c != nil {
		data["Example"] = format.SafeMarkdownCode(cx.example(c, nil))
		if c.Example == "" && len(c.Sub) > 0 {
			data["Example"] = format.SafeMarkdownCode(cx.example(c.Sub[0], c))
		}
		cx.Reply(msgUnknownCommandTypo, data)
		return
	}
	cx.Reply(msgUnknownCommand, data)
}

// closest is the command a typo most likely meant, by any of its names, or
// nil when none is near.
func (r *Router) closest(typed string) *Command {
	typed = strings.ToLower(typed)
	var best *Command
	bestDist := min(2, len([]rune(typed))/2) + 1
	for _, c := range r.registry {
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			if d := fuzzy.Distance(typed, name); d < bestDist {
				best, bestDist = c, d
			}
		}
	}
	return best
}

// Echo quotes user input for a reply: cut to a readable length on a rune
// boundary and escaped as a code span, so it can never become markup.
func Echo(input string) string {
	return format.SafeMarkdownCode(mxtext.Clip(strings.TrimSpace(input), echoLimit+1))
}

// IsCommand tells whether a message is a command to the bot: its body,
// without a reply's quoted fallback, starts with the prefix, and it is not a notice — bots answer in notices,
// and one bot's answer must never drive another. This is the one rule; the
// router, the relay (which never copies commands) and the dispatch of
// direct messages all ask it.
func IsCommand(content *event.MessageEventContent, prefix string) bool {
	body := content.Body
	if content.RelatesTo.GetReplyTo() != "" {
		body = event.TrimReplyFallbackText(body) // a command sent as a reply
	}
	return content.MsgType != event.MsgNotice && strings.HasPrefix(strings.TrimSpace(body), prefix)
}

// IsBareCommand tells whether a direct-chat message without prefix is one
// of the words that start something (so it is not taken as an addition to
// an open incident).
func IsBareCommand(body string) bool {
	fields := strings.Fields(body)
	if len(fields) == 0 || len(fields) > 2 {
		return false
	}
	c := findCommand(registry(), fields[0])
	return c != nil && (c.Name == "report" || c.Name == "fill" || len(fields) == 1 && c.Name == "help")
}
