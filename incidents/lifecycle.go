package incidents

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/txnid"
)

// Errors of an incident's lifecycle, each explained to the person.
var (
	ErrNotOpen     = errors.New("the incident is resolved")
	ErrBadSeverity = errors.New("no such severity")
	// ErrNotResponder: someone to page is not in the responder room.
	ErrNotResponder = errors.New("not a member of the responder room")
)

var (
	msgPaged = &i18n.Message{ID: "IncidentPaged", Description: "A page by a responder. By is a name, ID and Severity code spans, People the paged names.",
		Other: "📟 {{.By}} asks for help with incident {{.ID}} ({{.Severity}}). React ✅ to the report to take it. {{.People}}"}
	msgAssigned = &i18n.Message{ID: "IncidentAssigned", Description: "A responder hands an incident to another. By is a name, ID and Severity code spans, People the paged name.",
		Other: "📟 {{.By}} hands incident {{.ID}} ({{.Severity}}) to {{.People}}: react ✅ to the report to take it. Until then it escalates as before."}
	msgAssignedToReporter = &i18n.Message{ID: "IncidentAssignedToReporter", Description: "Told to the reporter. ID is a code span.",
		Other: "Another responder is now asked to take your report {{.ID}}."}
	msgMergedToReporter = &i18n.Message{ID: "IncidentMergedToReporter", Description: "Told to the reporter of a report joined to another about the same events. ID is a code span.",
		Other: "Your report {{.ID}} was about events another report already describes: responders now follow both together."}
	msgSeverityToReporter = &i18n.Message{ID: "IncidentSeverityToReporter", Description: "Told to the reporter. ID and Severity are code spans.",
		Other: "Responders now treat your report {{.ID}} as {{.Severity}}."}
)

// maxSnooze bounds how long pages may be held by hand.
const maxSnooze = 7 * 24 * time.Hour

// Snooze holds the incident's pages until now+d; it stays open, and the
// hold is stored, so a restart keeps it.
func (s *Service) Snooze(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, d time.Duration) (time.Time, error) {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return time.Time{}, err
	}
	if inc.State == database.IncidentResolved {
		return time.Time{}, ErrNotOpen
	}
	until := s.now().Add(min(d, maxSnooze))
	if err = s.db.Incident.Hold(ctx, inc.ID, until); err != nil {
		return time.Time{}, err
	}
	return until, s.audit(ctx, inc, by.String(), "snoozed", until.UTC().Format(time.RFC3339))
}

// SetSeverity changes an open incident's severity and starts its policy
// again from the new level; the reporter is told.
func (s *Service) SetSeverity(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, severity string) (*database.Incident, error) {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(Severities, severity) {
		return nil, ErrBadSeverity
	}
	if inc.State != database.IncidentOpen {
		return nil, ErrNotOpen
	}
	_, raw, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID)
	if err != nil {
		return nil, err
	}
	var next time.Time
	if d, ok := loadPolicy(raw)[severity].delay(0); ok {
		next = s.now().Add(d)
	}
	if changed, err := s.db.Incident.SetSeverity(ctx, inc.ID, severity, next); err != nil {
		return nil, err
	} else if !changed {
		return nil, ErrNotOpen // taken or resolved meanwhile
	}
	if err = s.audit(ctx, inc, by.String(), "severity", inc.Severity+" → "+severity); err != nil {
		return nil, err
	}
	old := inc.Severity
	inc.Severity = severity
	s.poke()
	if old == severity {
		return inc, nil
	}
	return inc, s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgSeverityToReporter, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(severity)}))
}

// Page asks more responders to look at the incident: each is paged by a
// mention, and must be in the responder room.
func (s *Service) Page(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, people []id.UserID) error {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return err
	}
	if inc.State == database.IncidentResolved {
		return ErrNotOpen
	}
	names := make([]string, len(people))
	for i, p := range people {
		if p == s.mx.BotUserID() || !s.mx.IsJoined(ctx, roomID, p) {
			return ErrNotResponder
		}
		names[i] = mxtext.Pill(p)
	}
	text := s.l10n.Text(s.rooms.Language(ctx, roomID), msgPaged, map[string]any{
		"By": format.EscapeMarkdown(s.mx.DisplayName(ctx, roomID, by)), "ID": format.SafeMarkdownCode(ShortID(inc.ID)),
		"Severity": format.SafeMarkdownCode(inc.Severity), "People": strings.Join(names, " "),
	})
	txn := txnid.Stable("incident-page", strconv.FormatInt(inc.ID, 10), by.String(), strconv.FormatInt(s.now().UnixMilli(), 10))
	if err = s.page(ctx, inc, text, people, txn); err != nil {
		return err
	}
	return s.audit(ctx, inc, by.String(), "paged", userList(people))
}

// OpenReports are the person's own reports not yet resolved, for them
// alone.
func (s *Service) OpenReports(ctx context.Context, reporter id.UserID) ([]*database.Incident, error) {
	return s.db.Incident.OpenByReporter(ctx, reporter)
}

// Assign hands the incident to another responder: it is open again (if
// someone had taken it), they are paged, and the escalation goes on until
// they take it. The reporter is told.
func (s *Service) Assign(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, to id.UserID) error {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return err
	}
	if inc.State == database.IncidentResolved {
		return ErrNotOpen
	}
	if to == s.mx.BotUserID() || !s.mx.IsJoined(ctx, roomID, to) {
		return ErrNotResponder
	}
	if inc.State == database.IncidentAcknowledged {
		_, raw, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID)
		if err != nil {
			return err
		}
		var next time.Time
		if d, ok := loadPolicy(raw)[inc.Severity].delay(0); ok {
			next = s.now().Add(d)
		}
		if reopened, err := s.db.Incident.Reopen(ctx, inc.ID, inc.AckedAt, next); err != nil {
			return err
		} else if !reopened {
			return ErrNotOpen // resolved or taken again meanwhile
		}
	}
	text := s.l10n.Text(s.rooms.Language(ctx, roomID), msgAssigned, map[string]any{
		"By": format.EscapeMarkdown(s.mx.DisplayName(ctx, roomID, by)), "ID": format.SafeMarkdownCode(ShortID(inc.ID)),
		"Severity": format.SafeMarkdownCode(inc.Severity), "People": mxtext.Pill(to),
	})
	txn := txnid.Stable("incident-assign", strconv.FormatInt(inc.ID, 10), to.String(), strconv.FormatInt(s.now().UnixMilli(), 10))
	if err = s.page(ctx, inc, text, []id.UserID{to}, txn); err != nil {
		return err
	}
	if err = s.audit(ctx, inc, by.String(), "assigned", to.String()); err != nil {
		return err
	}
	s.poke()
	return s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgAssignedToReporter, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
}

// Merge joins a report to another about the same events, both of this
// responder room: the first is closed as part of the second, its reporter
// is told (nothing of the other report or its reporter), and both audit
// trails say so.
func (s *Service) Merge(ctx context.Context, roomID id.RoomID, by id.UserID, from, into int64) error {
	if from == into {
		return ErrNotOpen
	}
	dup, err := s.inRoom(ctx, roomID, from)
	if err != nil {
		return err
	}
	keep, err := s.inRoom(ctx, roomID, into)
	if err != nil {
		return err
	}
	if dup.State == database.IncidentResolved || keep.State == database.IncidentResolved {
		return ErrNotOpen
	}
	if resolved, err := s.db.Incident.Merge(ctx, dup.ID, keep.ID, s.now()); err != nil {
		return err
	} else if !resolved {
		return ErrNotOpen
	}
	if err = s.audit(ctx, dup, by.String(), "merged into", ShortID(keep.ID)); err != nil {
		return err
	}
	if err = s.audit(ctx, keep, by.String(), "merged", ShortID(dup.ID)); err != nil {
		return err
	}
	return s.toReporter(ctx, dup, s.l10n.Text(dup.ReporterLang, msgMergedToReporter, map[string]any{"ID": format.SafeMarkdownCode(ShortID(dup.ID))}))
}
