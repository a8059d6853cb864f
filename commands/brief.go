package commands

import (
	"errors"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
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
	msgBriefNone   = &i18n.Message{ID: "BriefNone", Other: "There is no such briefing in this coalition."}
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
	sc, err := cx.router.Scheduler.Brief(cx.Ctx, cx.RoomID, cx.Sender, cx.RawArgs, cx.Origin)
	if err != nil {
		return briefError(cx, err)
	}
	cx.Reply(msgBriefSent, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)),
		"Command": format.SafeMarkdownCode(cx.Prefix() + "brief status")})
	return nil
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
	}
	return err
}
