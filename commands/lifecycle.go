package commands

import (
	"errors"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/incidents"
	"starling/rooms"
)

var (
	msgIncidentSnoozeSummary   = &i18n.Message{ID: "IncidentSnoozeSummary", Other: "Hold an incident's pages for a while; it stays open."}
	msgIncidentSeveritySummary = &i18n.Message{ID: "IncidentSeveritySummary", Other: "Change an incident's severity; its escalation starts again from the new level."}
	msgIncidentPageSummary     = &i18n.Message{ID: "IncidentPageSummary", Other: "Page more responders about an incident."}
	msgStatusSummary           = &i18n.Message{ID: "StatusSummary", Other: "List your own reports that are not resolved yet, and their state (in our direct chat)."}
	msgIncidentSnoozed         = &i18n.Message{ID: "IncidentSnoozed", Description: "ID is a code span, Until a date and time in Zone, the reader's.",
		Other: "Pages for {{.ID}} are held until {{.Until}} ({{.Zone}}); it stays open."}
	msgIncidentSeveritySet = &i18n.Message{ID: "IncidentSeveritySet", Description: "ID and Severity are code spans.",
		Other: "{{.ID}} is now {{.Severity}}; its escalation starts again from that level, and its reporter has been told."}
	msgIncidentPageSent = &i18n.Message{ID: "IncidentPageSent", Description: "ID is a code span.", Other: "Paged about {{.ID}}."}
	msgIncidentNotOpen  = &i18n.Message{ID: "IncidentNotOpen", Description: "ID is a code span.", Other: "Incident {{.ID}} is not open any more: nothing was changed."}
	msgIncidentBadLevel = &i18n.Message{ID: "IncidentBadSeverity", Other: "Severities are low, medium, high and critical. Nothing was changed."}
	msgIncidentBadHold  = &i18n.Message{ID: "IncidentBadSnooze", Description: "Examples are code spans.",
		Other: "Say for how long, like {{.Examples}} (at most 7 days). Nothing was changed."}
	msgIncidentPageWho = &i18n.Message{ID: "IncidentPageNotResponder",
		Other: "Everyone you page must be in this room; name them by their Matrix id, like @ana:example.org. Nothing was sent."}
	msgStatusOnlyDirect = &i18n.Message{ID: "StatusOnlyDirect", Description: "Command is a code span.",
		Other: "Your reports are yours alone: ask for them in our direct chat, with {{.Command}}."}
	msgIncidentAssignSummary = &i18n.Message{ID: "IncidentAssignSummary", Other: "Hand an incident to another responder, who is paged and must take it."}
	msgIncidentMergeSummary  = &i18n.Message{ID: "IncidentMergeSummary", Other: "Join a report to another about the same events; the first is closed and its reporter told."}
	msgIncidentAssignDone    = &i18n.Message{ID: "IncidentAssignDone", Description: "ID and Who are code spans.",
		Other: "{{.ID}} is handed to {{.Who}}, who has been paged; its reporter has been told."}
	msgIncidentMergeDone = &i18n.Message{ID: "IncidentMergeDone", Description: "From and Into are code spans.",
		Other: "{{.From}} is joined to {{.Into}} and closed; its reporter has been told."}
	msgIncidentMergeBad = &i18n.Message{ID: "IncidentMergeBad", Description: "Example is a code span.",
		Other: "Name two different open incidents of this room, like {{.Example}}. Nothing was changed."}
	msgStatusNone   = &i18n.Message{ID: "StatusNone", Other: "You have no reports waiting: none is open."}
	msgStatusHeader = &i18n.Message{ID: "StatusHeader", Other: "Your reports that are not resolved yet:"}
)

func runIncidentSnooze(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	d, err := parseWindow(cx.Args[1])
	if err != nil {
		return &UserError{Msg: msgIncidentBadHold, Data: map[string]any{"Examples": "`30m`, `2h`, `1d`"}}
	}
	until, err := cx.router.Incidents.Snooze(cx.Ctx, cx.RoomID, cx.Sender, n, d)
	if err != nil {
		return lifecycleError(cx, n, err)
	}
	cx.Reply(msgIncidentSnoozed, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n)), "Until": until.In(cx.readerZone()).Format("2006-01-02 15:04"), "Zone": cx.readerZone().String()})
	return nil
}

func runIncidentSeverity(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	inc, err := cx.router.Incidents.SetSeverity(cx.Ctx, cx.RoomID, cx.Sender, n, strings.ToLower(cx.Args[1]))
	if err != nil {
		return lifecycleError(cx, n, err)
	}
	cx.Reply(msgIncidentSeveritySet, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n)), "Severity": format.SafeMarkdownCode(inc.Severity)})
	return nil
}

func runIncidentPage(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	people, rest := splitPeople(cx.Args[1:])
	if len(people) == 0 || len(rest) > 0 || len(people) > 20 {
		return &UserError{Msg: msgIncidentPageWho}
	}
	if err = cx.router.Incidents.Page(cx.Ctx, cx.RoomID, cx.Sender, n, people); err != nil {
		return lifecycleError(cx, n, err)
	}
	cx.Reply(msgIncidentPageSent, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))})
	return nil
}

// runStatus lists the sender's own open reports, only in their direct chat:
// elsewhere it would tell a room that they reported something.
func runStatus(cx *Ctx) error {
	if !cx.Direct {
		return &UserError{Msg: msgStatusOnlyDirect, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "status")}}
	}
	list, err := cx.router.Incidents.OpenReports(cx.Ctx, cx.Sender)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		cx.Reply(msgStatusNone, nil)
		return nil
	}
	var b strings.Builder
	b.WriteString(cx.T(msgStatusHeader, nil) + "\n\n")
	for _, inc := range list {
		b.WriteString("- " + cx.T(msgIncidentLine, map[string]any{
			"ID": format.SafeMarkdownCode(incidents.ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity),
			"State": format.SafeMarkdownCode(inc.State), "Age": age(time.Since(inc.CreatedAt)),
		}) + "\n")
	}
	cx.ReplyFrom(rooms.Private, b.String())
	return nil
}

func lifecycleError(cx *Ctx, n int64, err error) error {
	switch {
	case errors.Is(err, incidents.ErrNotOpen):
		return &UserError{Msg: msgIncidentNotOpen, Data: map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n))}}
	case errors.Is(err, incidents.ErrBadSeverity):
		return &UserError{Msg: msgIncidentBadLevel}
	case errors.Is(err, incidents.ErrNotResponder):
		return &UserError{Msg: msgIncidentPageWho}
	}
	return incidentError(cx, err)
}

func runIncidentAssign(cx *Ctx) error {
	n, err := incidentArg(cx)
	if err != nil {
		return err
	}
	people, rest := splitPeople(cx.Args[1:])
	if len(people) != 1 || len(rest) > 0 {
		return &UserError{Msg: msgIncidentPageWho}
	}
	if err = cx.router.Incidents.Assign(cx.Ctx, cx.RoomID, cx.Sender, n, people[0]); err != nil {
		return lifecycleError(cx, n, err)
	}
	cx.Reply(msgIncidentAssignDone, map[string]any{"ID": format.SafeMarkdownCode(incidents.ShortID(n)), "Who": format.SafeMarkdownCode(people[0].String())})
	return nil
}

// runIncidentMerge reads "<id> [into] <id>", the word between in any
// language.
func runIncidentMerge(cx *Ctx) error {
	bad := &UserError{Msg: msgIncidentMergeBad, Data: map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() + "incident merge i4 into i3")}}
	if len(cx.Args) != 2 && len(cx.Args) != 3 {
		return bad
	}
	from, okFrom := incidents.ParseShortID(cx.Args[0])
	into, okInto := incidents.ParseShortID(cx.Args[len(cx.Args)-1])
	if !okFrom || !okInto || from == into {
		return bad
	}
	if err := cx.router.Incidents.Merge(cx.Ctx, cx.RoomID, cx.Sender, from, into); err != nil {
		if errors.Is(err, incidents.ErrNotOpen) {
			return bad
		}
		return incidentError(cx, err)
	}
	cx.Reply(msgIncidentMergeDone, map[string]any{"From": format.SafeMarkdownCode(incidents.ShortID(from)), "Into": format.SafeMarkdownCode(incidents.ShortID(into))})
	return nil
}
