package incidents

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
)

// actionLabels name each step of an incident's audit trail for people; an
// action without one shows as stored. Each is spelled out in full: the
// translation check finds messages by their type.
var actionLabels = map[string]*i18n.Message{
	"created":         &i18n.Message{ID: "TimelineCreated", Other: "Reported"},
	"relayed":         &i18n.Message{ID: "TimelineRelayed", Other: "Posted to the responders"},
	"held":            &i18n.Message{ID: "TimelineHeld", Description: "Pages were held for quiet hours, until a time that follows.", Other: "Pages held until"},
	"escalated":       &i18n.Message{ID: "TimelineEscalated", Description: "Followed by the step number and the people paged.", Other: "Escalated, paging"},
	"ack lapsed":      &i18n.Message{ID: "TimelineAckLapsed", Other: "Not resolved in time: handed back"},
	"snoozed":         &i18n.Message{ID: "TimelineSnoozed", Description: "Followed by a time.", Other: "Snoozed until"},
	"severity":        &i18n.Message{ID: "TimelineSeverity", Other: "Severity changed"},
	"paged":           &i18n.Message{ID: "TimelinePaged", Other: "Paged by a responder"},
	"assigned":        &i18n.Message{ID: "TimelineAssigned", Description: "Followed by a person.", Other: "Handed to"},
	"merged into":     &i18n.Message{ID: "TimelineMergedInto", Description: "Followed by another incident's id.", Other: "Merged into"},
	"merged":          &i18n.Message{ID: "TimelineMerged", Description: "Followed by the id of a duplicate report joined to this one.", Other: "Took in the duplicate"},
	"acknowledged":    &i18n.Message{ID: "TimelineAcknowledged", Other: "Taken"},
	"resolved":        &i18n.Message{ID: "TimelineResolved", Other: "Resolved"},
	"replied":         &i18n.Message{ID: "TimelineReplied", Other: "Responders answered the reporter"},
	"reporter added":  &i18n.Message{ID: "TimelineReporterAdded", Other: "The reporter added to it"},
	actionToldOfDelay: &i18n.Message{ID: "TimelineToldOfDelay", Other: "The reporter was told of the delay"},
}

var (
	msgTimelineHeading = &i18n.Message{ID: "IncidentTimelineHeading", Description: "ID is a code span, Zone a time zone name.",
		Other: "Timeline of {{.ID}} (times in {{.Zone}}):"}
	msgExportTitle = &i18n.Message{ID: "IncidentExportTitle", Description: "Title of an exported incident. ID, Severity and State are words.",
		Other: "Incident {{.ID}}: {{.Severity}}, {{.State}}"}
	msgExportReport = &i18n.Message{ID: "IncidentExportReport", Description: "Heading of the report's answers, as the reporter wrote them.", Other: "The report, as written"}
	msgExportRetro  = &i18n.Message{ID: "IncidentExportRetro", Description: "Command is a code span.",
		Other: "For a retro with everyone involved, a moderator of a coalition room can start {{.Command}}."}
)

// timestamps are how the timeline writes times, in the reader's zone.
const timestamps = "2006-01-02 15:04:05"

// TimelineText is an incident's audit trail as Markdown, each step named
// in lang and timed in zone.
func (s *Service) TimelineText(inc *database.Incident, trail []database.AuditEntry, lang string, zone *time.Location) string {
	var b strings.Builder
	b.WriteString(s.l10n.Text(lang, msgTimelineHeading, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Zone": zone.String()}))
	b.WriteString("\n\n")
	for _, e := range trail {
		line := e.At.In(zone).Format(timestamps) + " — **" + format.EscapeMarkdown(s.actionLabel(e.Action, lang)) + "**"
		if detail := detailIn(e, zone); detail != "" {
			line += " " + format.SafeMarkdownCode(detail)
		}
		b.WriteString("- " + line + " — " + format.SafeMarkdownCode(e.Actor) + "\n")
	}
	return b.String()
}

func (s *Service) actionLabel(action, lang string) string {
	if msg, ok := actionLabels[action]; ok {
		return s.l10n.Text(lang, msg, nil)
	}
	return action
}

// detailIn is a step's detail with the times it names in zone.
func detailIn(e database.AuditEntry, zone *time.Location) string {
	if t, err := time.Parse(time.RFC3339, e.Detail); err == nil {
		return t.In(zone).Format(timestamps)
	}
	return e.Detail
}

// exported is an incident as a retro reads it.
type exported struct {
	Incident       string            `json:"incident"`
	Severity       string            `json:"severity"`
	State          string            `json:"state"`
	Zone           string            `json:"zone"`
	Reporter       id.UserID         `json:"reporter,omitempty"`
	ReportedAt     string            `json:"reported_at"`
	AcknowledgedAt string            `json:"acknowledged_at,omitempty"`
	ResolvedAt     string            `json:"resolved_at,omitempty"`
	MergedInto     string            `json:"merged_into,omitempty"`
	Report         map[string]string `json:"report"`
	Timeline       []exportedStep    `json:"timeline"`
}

type exportedStep struct {
	At     string `json:"at"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Label  string `json:"label"`
	Detail string `json:"detail,omitempty"`
}

// Export is an incident's report and timeline for a retro, as JSON and as
// Markdown, in lang with times in zone; for its responder room only.
func (s *Service) Export(ctx context.Context, roomID id.RoomID, incidentID int64, lang string, zone *time.Location) (jsonData, markdown []byte, err error) {
	inc, trail, err := s.Show(ctx, roomID, incidentID)
	if err != nil {
		return nil, nil, err
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format(time.RFC3339)
	}
	out := exported{Incident: ShortID(inc.ID), Severity: inc.Severity, State: inc.State, Zone: zone.String(),
		ReportedAt: when(inc.CreatedAt), AcknowledgedAt: when(inc.AckedAt), ResolvedAt: when(inc.ResolvedAt), Report: map[string]string{}}
	if !inc.Anonymous {
		out.Reporter = inc.Reporter
	}
	if inc.MergedInto != 0 {
		out.MergedInto = ShortID(inc.MergedInto)
	}
	for q, a := range inc.Answers {
		out.Report[q] = a.Shown
	}
	for _, e := range trail {
		out.Timeline = append(out.Timeline, exportedStep{At: when(e.At), Actor: e.Actor, Action: e.Action, Label: s.actionLabel(e.Action, lang), Detail: detailIn(e, zone)})
	}
	if jsonData, err = json.MarshalIndent(out, "", "  "); err != nil {
		return nil, nil, fmt.Errorf("failed to encode incident export: %w", err)
	}
	var b strings.Builder
	b.WriteString("# " + format.EscapeMarkdown(s.l10n.Text(lang, msgExportTitle, map[string]any{"ID": ShortID(inc.ID), "Severity": inc.Severity, "State": inc.State})) + "\n\n")
	b.WriteString("## " + s.l10n.Text(lang, msgExportReport, nil) + "\n\n")
	for _, q := range slices.Sorted(maps.Keys(out.Report)) {
		b.WriteString("- " + format.SafeMarkdownCode(q) + ": " + format.EscapeMarkdown(out.Report[q]) + "\n")
	}
	b.WriteString("\n## " + s.TimelineText(inc, trail, lang, zone) + "\n")
	b.WriteString(s.l10n.Text(lang, msgExportRetro, map[string]any{"Command": format.SafeMarkdownCode("!form start solidarity-retro")}) + "\n")
	return jsonData, []byte(b.String()), nil
}
