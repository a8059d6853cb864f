package commands

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/incidents"
	"starling/rooms"
)

var (
	msgReportSummary        = &i18n.Message{ID: "ReportSummary", Other: "Report an incident to the coalition's responders, in a private chat (you can stay anonymous)."}
	msgIncidentSummary      = &i18n.Message{ID: "IncidentSummary", Other: "List the open incidents of this responder room."}
	msgIncidentRoomSummary  = &i18n.Message{ID: "IncidentRoomSummary", Other: "Make this room the coalition's responder room (moderators)."}
	msgIncidentPolicySum    = &i18n.Message{ID: "IncidentPolicySummary", Other: "Show or set how unacknowledged incidents escalate (moderators)."}
	msgIncidentShowSummary  = &i18n.Message{ID: "IncidentShowSummary", Other: "Show an incident's audit trail."}
	msgIncidentReplySummary = &i18n.Message{ID: "IncidentReplySummary", Other: "Answer the reporter of an incident, through me."}
	msgAckSummary           = &i18n.Message{ID: "AckSummary", Other: "Take an incident, stopping its escalation."}
	msgResolveSummary       = &i18n.Message{ID: "ResolveSummary", Other: "Resolve an incident, with an optional note for the reporter."}
	msgIncidentRoomSet      = &i18n.Message{ID: "IncidentRoomSet", Other: "This room is now the coalition's responder room: incident reports arrive here."}
	msgIncidentNotEncrypted = &i18n.Message{ID: "IncidentRoomNotEncrypted", Description: "Refusal of !incident room in a room without end-to-end encryption.",
		Other: "This room is not end-to-end encrypted, so incident reports may not be posted here. Turn on encryption in the room settings, then try again."}
	msgIncidentMoveNeedsMod = &i18n.Message{ID: "IncidentMoveNeedsModerator", Description: "Level is a number.",
		Other: "Another room of the coalition is its responder room. Only a moderator of that room (power level {{.Level}} or more there) can move the role here. Nothing was changed."}
	msgIncidentWatchRoom = &i18n.Message{ID: "IncidentWatchRoom",
		Other: "The coalition's watch circle cannot be its responder room: briefings go from there to every room, and what responders say stays in theirs. Nothing was changed."}
	msgIncidentResponderChanged = &i18n.Message{ID: "IncidentResponderChanged",
		Other: "The responder role changed while I was moving it: someone else moved it, or this room was taken out of the coalition. Nothing was changed here; send the command again if you still want the role here."}
	msgIncidentNotResponder = &i18n.Message{ID: "IncidentNotResponderRoom", Description: "Command is a code span.",
		Other: "The escalation policy is kept and changed in the coalition's responder room only. A moderator can make a room the responder room with {{.Command}}."}
	msgIncidentBadRoom = &i18n.Message{ID: "IncidentBadEscalationRoom",
		Other: "Escalations can also go to a room only if it is end-to-end encrypted, is not a private chat, and both you and I are in it. Nothing was changed."}
	msgIncidentNoCoalition = &i18n.Message{ID: "IncidentNoCoalition", Description: "Command is a code span.", Other: "This room is not in a coalition. Link it first with {{.Command}}."}
	msgIncidentPolicy      = &i18n.Message{ID: "IncidentPolicy", Other: "Escalation of unacknowledged incidents:"}
	msgIncidentBadPolicy   = &i18n.Message{ID: "IncidentBadPolicy", Description: "Examples are code spans.", Other: "Write a severity (low, medium, high, critical) and a step, like {{.Examples}}. Nothing was changed."}
	msgIncidentNone        = &i18n.Message{ID: "IncidentNone", Other: "No open incidents here."}
	msgIncidentListHeader  = &i18n.Message{ID: "IncidentListHeader", One: "{{.Count}} open incident:", Other: "{{.Count}} open incidents:"}
	msgIncidentLine        = &i18n.Message{ID: "IncidentLine", Description: "ID, Severity and State are code spans, Age like 5m.", Other: "{{.ID}} {{.Severity}} — {{.State}} — {{.Age}} ago"}
	msgIncidentExportSum   = &i18n.Message{ID: "IncidentExportSummary", Other: "Send an incident's report and timeline, for a retro, to your private chat as files (JSON and Markdown)."}
	msgIncidentExportSent  = &i18n.Message{ID: "IncidentExportSent", Description: "ID is a code span.", Other: "The timeline of {{.ID}} is in our private chat."}
	msgIncidentNotHere     = &i18n.Message{ID: "IncidentNotHere", Description: "ID is a code span.", Other: "There is no incident {{.ID}} here."}
	msgIncidentAckDone     = &i18n.Message{ID: "IncidentAckDone", Description: "ID is a code span.", Other: "You took incident {{.ID}}; its reporter has been told."}
	msgIncidentTaken       = &i18n.Message{ID: "IncidentTaken", Description: "ID is a code span.", Other: "Incident {{.ID}} was already taken."}
	msgIncidentResolveDone = &i18n.Message{ID: "IncidentResolveDone", Description: "ID is a code span.", Other: "Incident {{.ID}} is resolved; its reporter has been told."}
	msgIncidentAlreadyDone = &i18n.Message{ID: "IncidentAlreadyResolved", Description: "ID is a code span.", Other: "Incident {{.ID}} was already resolved."}
	msgIncidentReplied     = &i18n.Message{ID: "IncidentReplied", Description: "ID is a code span.", Other: "Your answer went to the reporter of {{.ID}}."}
)

func incidentArg(cx *Ctx) (int64, error) {
	n, ok := incidents.ParseShortID(cx.Args[0])
	if !ok {
		return 0, &UserError{Msg: msgIncidentNotHere, Data: map[string]any{"ID": Echo(cx.Args[0])}}
	}
	return n, nil
}

// incidentError turns "not in this room" into the same answer as "does not
// exist": outside its responder room nobody learns anything of an incident.
func incidentError(cx *Ctx, err error) error {
	if errors.Is(err, incidents.ErrNotHere) {
		return &UserError{Msg: msgIncidentNotHere, Data: map[string]any{"ID": Echo(cx.Args[0])}}
	}
	if errors.Is(err, incidents.ErrNotEncrypted) {
		return &UserError{Msg: msgIncidentNotEncrypted}
	}
	if errors.Is(err, incidents.ErrNeedResponderModerator) {
		return &UserError{Msg: msgIncidentMoveNeedsMod, Data: map[string]any{"Level": cx.router.settings.ModeratorLevel}}
	}
	if errors.Is(err, incidents.ErrResponderChanged) {
		return &UserError{Msg: msgIncidentResponderChanged}
	}
	if errors.Is(err, incidents.ErrWatchRoom) {
		return &UserError{Msg: msgIncidentWatchRoom}
	}
	if errors.Is(err, incidents.ErrNotResponderRoom) {
		return &UserError{Msg: msgIncidentNotResponder, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "incident room")}}
	}
	if errors.Is(err, incidents.ErrBadEscalationRoom) {
		return &UserError{Msg: msgIncidentBadRoom}
	}
	if errors.Is(err, incidents.ErrNoCoalition) {
		return &UserError{Msg: msgIncidentNoCoalition, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "link new <name>")}}
	}
	return err
}

func runReport(cx *Ctx) error {
	if err := cx.router.Incidents.StartReport(cx.Ctx, cx.Sender); err != nil {
		return err
	}
	if !cx.Direct {
		cx.Reply(msgFillOpened, nil)
	}
	return nil
}

func runIncidentRoom(cx *Ctx) error {
	if err := cx.router.Incidents.SetResponderRoom(cx.Ctx, cx.RoomID, cx.Sender); err != nil {
		return incidentError(cx, err)
	}
	cx.Reply(msgIncidentRoomSet, nil)
	return nil
}

func runIncidentPolicy(cx *Ctx) error {
	svc := cx.router.Incidents
	var policy incidents.Policy
	var err error
	if len(cx.Args) == 0 {
		policy, err = svc.PolicyOf(cx.Ctx, cx.RoomID)
	} else {
		severity := strings.ToLower(cx.Args[0])
		valid := false
		for _, s := range incidents.Severities {
			valid = valid || s == severity
		}
		step, perr := incidents.ParseStep(cx.Args[1:])
		if !valid || perr != nil || len(cx.Args) < 2 {
			return &UserError{Msg: msgIncidentBadPolicy, Data: map[string]any{
				"Examples": "`critical 5m every 15m x3`, `high 15m oncall @ana:example.org`, `low never`"}}
		}
		policy, err = svc.SetPolicy(cx.Ctx, cx.RoomID, cx.Sender, severity, step)
	}
	if err != nil {
		return incidentError(cx, err)
	}
	var b strings.Builder
	b.WriteString(cx.T(msgIncidentPolicy, nil) + "\n\n")
	for _, s := range incidents.Severities {
		b.WriteString("- " + format.SafeMarkdownCode(s) + ": " + format.SafeMarkdownCode(policy[s].String()) + "\n")
	}
	cx.ReplyMarkdown(b.String())
	return nil
}

func runIncidentList(cx *Ctx) error {
	list, err := cx.router.Incidents.List(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		cx.Reply(msgIncidentNone, nil)
		return nil
	}
	var b strings.Builder
	b.WriteString(cx.router.L10n.Plural(cx.Lang, msgIncidentListHeader, len(list), nil) + "\n\n")
	for _, inc := range list {
		b.WriteString("- " + cx.T(msgIncidentLine, map[string]any{
			"ID": format.SafeMarkdownCode(incidents.ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity),
			"State": format.SafeMarkdownCode(inc.State), "Age": age(time.Since(inc.CreatedAt)),
		}) + "\n")
	}
	cx.ReplyFrom(rooms.Private, b.String())
	return nil
}

func age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func runIncidentShow(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	inc, trail, err := cx.router.Incidents.Show(cx.Ctx, cx.RoomID, n)
	if err != nil {
		return incidentError(cx, err)
	}
	cx.ReplyFrom(rooms.Private, cx.router.Incidents.TimelineText(inc, trail, cx.Lang, cx.readerZone()))
	return nil
}

// runIncidentExport sends an incident's report and timeline, for a retro,
// to the responder's direct chat: files are kept, a room's scroll is not.
func runIncidentExport(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	jsonData, markdown, err := cx.router.Incidents.Export(cx.Ctx, cx.RoomID, n, cx.Lang, cx.readerZone())
	if err != nil {
		return incidentError(cx, err)
	}
	dm, err := cx.router.mx.OpenDM(cx.Ctx, cx.Sender)
	if err != nil {
		return err
	}
	name := incidents.ShortID(n) + "-timeline"
	if err = cx.router.mx.SendFile(cx.Ctx, dm, "", jsonData, name+".json", "application/json", rooms.Private); err != nil {
		return err
	}
	if err = cx.router.mx.SendFile(cx.Ctx, dm, "", markdown, name+".md", "text/markdown", rooms.Private); err != nil {
		return err
	}
	cx.Reply(msgIncidentExportSent, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))})
	return nil
}

func runIncidentReply(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(strings.TrimPrefix(cx.RawArgs, cx.Args[0]))
	if err = cx.router.Incidents.Reply(cx.Ctx, cx.RoomID, cx.Sender, n, text); err != nil {
		return incidentError(cx, err)
	}
	cx.Reply(msgIncidentReplied, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))})
	return nil
}

func runAck(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	_, acked, err := cx.router.Incidents.Ack(cx.Ctx, cx.RoomID, cx.Sender, n)
	if err != nil {
		return incidentError(cx, err)
	}
	msg := msgIncidentAckDone
	if !acked {
		msg = msgIncidentTaken
	}
	cx.Reply(msg, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))})
	return nil
}

func runResolve(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(strings.TrimPrefix(cx.RawArgs, cx.Args[0]))
	_, resolved, err := cx.router.Incidents.Resolve(cx.Ctx, cx.RoomID, cx.Sender, n, note)
	if err != nil {
		return incidentError(cx, err)
	}
	msg := msgIncidentResolveDone
	if !resolved {
		msg = msgIncidentAlreadyDone
	}
	cx.Reply(msg, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))})
	return nil
}
