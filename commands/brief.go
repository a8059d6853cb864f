package commands

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"

	"starling/relay"
	"starling/rooms"
	"starling/scheduler"
)

var (
	msgWatchSummary       = &i18n.Message{ID: "WatchSummary", Other: "Which room is the coalition's watch circle, whose briefings reach every room."}
	msgWatchRoomSummary   = &i18n.Message{ID: "WatchRoomSummary", Other: "Make this room the coalition's watch circle (moderators; of the current one too, if there is one)."}
	msgBriefSummaryCmd    = &i18n.Message{ID: "BriefSummaryCmd", Other: "From the watch circle: send a briefing to every room of the coalition, translated; reactions say who read it."}
	msgBriefStatusSummary = &i18n.Message{ID: "BriefStatusSummary", Other: "Which rooms have read the latest briefing (or one by its id)."}
	msgBriefDigestSummary = &i18n.Message{ID: "BriefDigestSummary", Other: "From the watch circle: a digest of the week's briefings in every room, on a schedule (moderators)."}

	msgWatchIs        = &i18n.Message{ID: "WatchIs", Description: "Room is a room name in bold.", Other: "The coalition's watch circle is {{.Room}}."}
	msgWatchNone      = &i18n.Message{ID: "WatchNone", Description: "Command is a code span.", Other: "The coalition has no watch circle. A moderator makes one with {{.Command}}."}
	msgWatchSet       = &i18n.Message{ID: "WatchSet", Description: "Command is a code span.", Other: "This room is now the coalition's watch circle. Brief every room with {{.Command}}."}
	msgWatchNeeds     = &i18n.Message{ID: "WatchNeedsModerator", Description: "Level is a number.", Other: "Another room is the coalition's watch circle. Only a moderator of that room (power level {{.Level}} or more there) can move the role here. Nothing was changed."}
	msgWatchResponder = &i18n.Message{ID: "WatchResponderRoom", Other: "The responder room cannot be the watch circle: what responders say stays there."}
	msgWatchRace      = &i18n.Message{ID: "WatchChanged", Other: "The watch circle changed while I was moving it, or this room left the coalition. Nothing was changed here; send the command again if you still want it."}
	msgBriefNotHere   = &i18n.Message{ID: "BriefNotWatchRoom", Description: "Command is a code span.",
		Other: "Briefings are sent from the coalition's watch circle; this room is not it. A moderator makes a room the watch circle with {{.Command}}."}
	msgBriefSent = &i18n.Message{ID: "BriefSent", Description: "ID is the briefing's id in code; Command a code span.",
		Other: "Briefing {{.ID}} is on its way to every room of the coalition, each in its language. {{.Command}} tells who has read it."}
	msgBriefNone    = &i18n.Message{ID: "BriefNone", Other: "There is no such briefing in this coalition."}
	msgBriefNothing = &i18n.Message{ID: "BriefNothing", Description: "Command is a code span.",
		Other: "Nothing to brief: write the briefing after the command ({{.Command}}), or send the command, alone, in reply to a message of this room or in its thread."}
	msgBriefUnverified = &i18n.Message{ID: "BriefUnverified", Description: "Who is a user id in code.",
		Other: "{{.Who}} wrote part of that on a device its owner has not verified: I do not pass it on to the coalition. Nothing was sent."}
	msgBriefThreadLong = &i18n.Message{ID: "BriefThreadLong", Description: "Max is a number.",
		Other: "That thread has more than {{.Max}} replies: too many for one briefing. Nothing was sent."}
	msgBriefTooLong = &i18n.Message{ID: "BriefTooLong", Description: "Max is a number.",
		Other: "A briefing holds at most {{.Max}} characters (fewer when most of them are symbols), so that every room can read it with its original. Nothing was sent; shorten it."}
	msgDigestAdded = &i18n.Message{ID: "DigestAdded", Description: "ID is in code, When as typed in code, Next a date and time, Zone in code.",
		Other: "Digest {{.ID}} scheduled ({{.When}}): every room gets the briefings since the last one, first on {{.Next}} ({{.Zone}})."}
)

func runWatchShow(cx *Ctx) error {
	if cx.Room.Coalition == "" {
		return relayError(cx, relay.ErrNotLinked)
	}
	watch, err := cx.router.Rooms.WatchRoom(cx.Ctx, cx.Room.Coalition)
	if err != nil {
		return err
	}
	if watch == "" {
		cx.Reply(msgWatchNone, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "watch room")})
		return nil
	}
	cx.Reply(msgWatchIs, map[string]any{"Room": bold(cx.router.mx.RoomName(cx.Ctx, watch))})
	return nil
}

func runWatchRoom(cx *Ctx) error {
	if err := cx.router.Scheduler.SetWatchRoom(cx.Ctx, cx.RoomID, cx.Sender, cx.router.settings.ModeratorLevel); err != nil {
		return briefError(cx, err)
	}
	cx.Reply(msgWatchSet, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "brief <text>")})
	return nil
}

func runBrief(cx *Ctx) error {
	text, from := strings.TrimSpace(cx.RawArgs), cx.Origin
	if !cx.Room.Watch { // before reading any message for it
		return briefError(cx, scheduler.ErrNotWatchRoom)
	}
	if text == "" {
		var err error
		if text, from, err = quoted(cx); err != nil {
			return err
		}
	}
	sc, err := cx.router.Scheduler.Brief(cx.Ctx, cx.RoomID, cx.Sender, text, from)
	if err != nil {
		return briefError(cx, err)
	}
	cx.Reply(msgBriefSent, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)),
		"Command": format.SafeMarkdownCode(cx.Prefix() + "brief status")})
	return nil
}

// maxBriefThread bounds the replies a thread's briefing takes.
const maxBriefThread = 30

// quoted is what a !brief without text briefs: the thread it was sent in
// (its root and replies), else the message it replies to — people's words
// as they last edited them, commands and the bot's own messages left out.
// Words written on a device its owner has not verified go nowhere: the
// coalition would take them for the watch circle's.
func quoted(cx *Ctx) (string, rooms.Origin, error) {
	rel := cx.Event.Content.AsMessage().RelatesTo
	var msgs []*event.Event
	switch {
	case rel.GetThreadParent() != "":
		thread, whole, err := cx.router.mx.Thread(cx.Ctx, cx.RoomID, rel.GetThreadParent(), maxBriefThread)
		if err != nil {
			return "", rooms.Origin{}, err
		} else if !whole {
			return "", rooms.Origin{}, &UserError{Msg: msgBriefThreadLong, Data: map[string]any{"Max": maxBriefThread}}
		}
		msgs = thread
	case rel.GetReplyTo() != "":
		evt, err := cx.router.mx.FetchCurrent(cx.Ctx, cx.RoomID, rel.GetReplyTo())
		if err != nil {
			return "", rooms.Origin{}, err
		}
		msgs = []*event.Event{evt}
	default:
		return "", rooms.Origin{}, &UserError{Msg: msgBriefNothing, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "brief <text>")}}
	}
	var parts []string
	from := cx.Origin
	for _, evt := range msgs {
		if evt.ID == cx.Event.ID || evt.Type != event.EventMessage || evt.Sender == cx.router.mx.BotUserID() {
			continue
		}
		content := evt.Content.AsMessage()
		if !slices.Contains([]event.MessageType{event.MsgText, event.MsgEmote, event.MsgNotice}, content.MsgType) ||
			IsCommand(content, cx.Prefix()) || evt.Timestamp > cx.Event.Timestamp {
			continue
		}
		if evt.Mautrix.TrustState < cx.router.settings.MinTrust {
			return "", rooms.Origin{}, &UserError{Msg: msgBriefUnverified, Data: map[string]any{"Who": format.SafeMarkdownCode(evt.Sender.String())}}
		}
		body := strings.TrimSpace(event.TrimReplyFallbackText(content.Body))
		if body != "" {
			parts = append(parts, body)
			from = from.With(rooms.FromEvent(evt))
		}
	}
	if len(parts) == 0 {
		return "", rooms.Origin{}, &UserError{Msg: msgBriefNothing, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "brief <text>")}}
	}
	return strings.Join(parts, "\n\n"), from, nil
}

func runBriefStatus(cx *Ctx) error {
	var named int64
	if len(cx.Args) > 0 {
		n, ok := scheduler.ParseShortID(cx.Args[0])
		if !ok {
			return &UserError{Msg: msgBriefNone}
		}
		named = n
	}
	sc, err := cx.router.Scheduler.LatestBrief(cx.Ctx, cx.RoomID, named)
	if err != nil {
		return briefError(cx, err)
	}
	text, err := cx.router.Scheduler.BriefStatus(cx.Ctx, sc, cx.Lang)
	if err != nil {
		return err
	}
	cx.ReplyFrom(rooms.Bot, text)
	return nil
}

func runBriefDigest(cx *Ctx) error {
	sc, next, err := cx.router.Scheduler.AddDigest(cx.Ctx, cx.RoomID, cx.Sender, cx.RawArgs, cx.Origin)
	if errors.Is(err, scheduler.ErrNotWatchRoom) {
		return briefError(cx, err)
	} else if err != nil {
		return whenError(cx, err)
	}
	_, loc, ok := scheduler.LookupZone(cx.RoomTimezone())
	if !ok {
		loc = time.UTC
	}
	cx.Reply(msgDigestAdded, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)), "When": Echo(cx.RawArgs),
		"Next": next.In(loc).Format("2006-01-02 15:04"), "Zone": format.SafeMarkdownCode(loc.String())})
	return nil
}

func briefError(cx *Ctx, err error) error {
	switch {
	case errors.Is(err, scheduler.ErrNotWatchRoom):
		return &UserError{Msg: msgBriefNotHere, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "watch room")}}
	case errors.Is(err, scheduler.ErrNoBriefing):
		return &UserError{Msg: msgBriefNone}
	case errors.Is(err, scheduler.ErrNeedWatchModerator):
		return &UserError{Msg: msgWatchNeeds, Data: map[string]any{"Level": cx.router.settings.ModeratorLevel}}
	case errors.Is(err, scheduler.ErrWatchChanged):
		return &UserError{Msg: msgWatchRace}
	case errors.Is(err, scheduler.ErrNotLinked):
		return relayError(cx, relay.ErrNotLinked)
	case errors.Is(err, scheduler.ErrResponderRoom):
		return &UserError{Msg: msgWatchResponder}
	case errors.Is(err, scheduler.ErrTextTooLong):
		return &UserError{Msg: msgBriefTooLong, Data: map[string]any{"Max": scheduler.MaxTextRunes}}
	}
	return err
}
