package incidents

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/monitor"
	"starling/rooms"
	"starling/scheduler"
)

// relay posts the report to the responder room, once.
func (s *Service) relay(ctx context.Context, inc *database.Incident) error {
	// The role may have moved since the report was stored (a moderator's
	// !incident room while the reporter submitted): it goes where the role
	// is now, never to the room that gave it up.
	if current, _, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID); err != nil {
		return err
	} else if current != "" && current != inc.ResponderRoom {
		if err = s.db.Incident.Reassign(ctx, inc.CoalitionID, current); err != nil {
			return err
		}
		inc.ResponderRoom = current
	}
	if err := s.checkEncrypted(ctx, inc.ResponderRoom); err != nil {
		return err
	}
	lang := s.rooms.Language(ctx, inc.ResponderRoom)
	answer := func(q string) string {
		a, ok := inc.Answers[q]
		if !ok {
			return s.l10n.Text(lang, msgNotGiven, nil)
		}
		return s.translated(ctx, a.Shown, inc.ReporterLang, lang)
	}
	yesNo := func(q string) string {
		if inc.Answers[q].Value == "yes" {
			return s.l10n.Text(lang, msgYes, nil)
		}
		return s.l10n.Text(lang, msgNo, nil)
	}
	reporter := s.l10n.Text(lang, msgAnonymous, nil)
	if !inc.Anonymous {
		reporter = format.EscapeMarkdown(s.mx.DisplayName(ctx, inc.ReporterRoom, inc.Reporter)) + " (" + format.SafeMarkdownCode(inc.Reporter.String()) + ")"
	}
	category := inc.Answers["category"].Value
	if tmpl, err := Intake(); err == nil {
		for _, q := range tmpl.Questions {
			for _, o := range q.Options {
				if q.ID == "category" && o.ID == category {
					category, _ = o.Text.In(lang, "en")
				}
			}
		}
	}
	text := s.l10n.Text(lang, msgReport, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity), "Category": format.EscapeMarkdown(category),
		"When": answer("when"), "Where": answer("where"), "What": answer("what"), "Safe": yesNo("safe"), "Contact": yesNo("contact"),
		"Reporter": reporter, "Ack": format.SafeMarkdownCode("!ack " + ShortID(inc.ID)),
	})
	eventID, err := s.mx.SendOnce(ctx, inc.ResponderRoom, mxtext.Notice(text, nil), txnid.Stable("incident-report", strconv.FormatInt(inc.ID, 10)), rooms.Private)
	if err != nil {
		return fmt.Errorf("failed to relay incident %d: %w", inc.ID, err)
	}
	if err = s.db.Incident.PutPost(ctx, eventID, inc.ID); err != nil {
		return err
	}
	if err = s.db.Incident.SetRelayed(ctx, inc.ID, eventID); err != nil {
		return err
	}
	return s.audit(ctx, inc, "starling", "relayed", "")
}

// lateAfter is how long past its time a page is marked late: longer than
// a pass takes, shorter than anyone would miss.
const lateAfter = 3 * time.Minute

// escalate sends the next escalation step, once, and schedules the one after.
func (s *Service) escalate(ctx context.Context, inc *database.Incident) error {
	_, raw, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID)
	if err != nil {
		return err
	}
	step := loadPolicy(raw)[inc.Severity]
	lang := s.rooms.Language(ctx, inc.ResponderRoom)
	if inc.State == database.IncidentAcknowledged {
		return s.ackLapsed(ctx, inc, step, lang)
	}
	members, err := s.mx.JoinedMembers(ctx, inc.ResponderRoom)
	if err != nil {
		return err
	}
	n := inc.Escalations
	people, wakes, err := s.pageTargets(ctx, inc, n, step, members)
	if err != nil {
		return err
	}
	if len(people) == 0 && !wakes.IsZero() {
		if err = s.db.Incident.HoldOpen(ctx, inc.ID, wakes); err != nil {
			return err
		}
		return s.audit(ctx, inc, "starling", "held", wakes.UTC().Format(time.RFC3339))
	}
	var names []string
	for _, p := range people {
		names = append(names, mxtext.Pill(p))
	}
	text := s.l10n.Text(lang, msgEscalation, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity),
		"Minutes": int(s.now().Sub(inc.CreatedAt).Minutes()), "People": strings.Join(names, " "),
	})
	if due := inc.NextEscalation; !due.IsZero() && s.now().Sub(due) > lateAfter {
		// Due while Starling could not send: say so, or the minutes mislead.
		_, zone := s.rooms.Place(ctx, inc.ResponderRoom)
		loc := time.UTC
		if _, l, ok := scheduler.LookupZone(zone); ok {
			loc = l
		}
		text += "\n\n" + s.l10n.Text(lang, msgPageLate, map[string]any{"Due": localTime(due, loc), "Zone": loc.String()})
	}
	// Each round's pages are their own: one that starts again must send.
	txn := txnid.Stable("incident-escalation", strconv.FormatInt(inc.ID, 10), strconv.Itoa(n))
	if inc.Round > 0 {
		txn = txnid.Stable("incident-escalation", strconv.FormatInt(inc.ID, 10), "round", strconv.Itoa(inc.Round), strconv.Itoa(n))
	}
	if err = s.page(ctx, inc, text, people, txn); err != nil {
		return err
	}
	if step.Room != "" {
		if _, err = s.mx.SendOnce(ctx, step.Room, mxtext.Page(text, step.OnCall), txn+"-room", rooms.Private); err != nil {
			s.log.Warn().Err(err).Int64("incident_id", inc.ID).Msg("Failed to post escalation to the second room")
		}
	}
	var next time.Time
	if d, ok := step.delay(n + 1); ok {
		next = s.now().Add(d)
	}
	if _, err = s.db.Incident.SetEscalation(ctx, inc.ID, n+1, next); err != nil {
		return err
	}
	s.log.Info().Int64("incident_id", inc.ID).Int("step", n+1).Msg("Escalated unacknowledged incident")
	return s.audit(ctx, inc, "starling", "escalated", strconv.Itoa(n+1)+": "+userList(people))
}

// ackLapsed pages again whoever took the incident and let it lie past the
// policy's time, and hands it back: it escalates again from the start.
func (s *Service) ackLapsed(ctx context.Context, inc *database.Incident, step Step, lang string) error {
	var next time.Time
	if d, ok := step.delay(0); ok {
		next = s.now().Add(d)
	}
	// Handed back first, and only if nobody took it since: a page about a
	// lapse that did not happen would be worse than none.
	if reopened, err := s.db.Incident.Reopen(ctx, inc.ID, inc.AckedAt, next); err != nil || !reopened {
		return err
	}
	if err := s.audit(ctx, inc, "starling", "ack lapsed", inc.AckedBy.String()); err != nil {
		return err
	}
	var people []id.UserID
	who := "—"
	if inc.AckedBy != "" && s.mx.IsJoined(ctx, inc.ResponderRoom, inc.AckedBy) {
		people, who = []id.UserID{inc.AckedBy}, mxtext.Pill(inc.AckedBy)
	}
	text := s.l10n.Text(lang, msgAckLapsed, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Who": who,
		"Minutes": int(s.now().Sub(inc.AckedAt).Minutes()),
	})
	txn := txnid.Stable("incident-ack-lapsed", strconv.FormatInt(inc.ID, 10), strconv.FormatInt(inc.AckedAt.UnixMilli(), 10))
	return s.page(ctx, inc, text, people, txn)
}

// page posts a page about the incident in its responder room, kept as one
// of its posts so that ✅ on it takes the incident.
func (s *Service) page(ctx context.Context, inc *database.Incident, text string, people []id.UserID, txn string) error {
	eventID, err := s.mx.SendOnce(ctx, inc.ResponderRoom, mxtext.Page(text, people), txn, rooms.Private)
	if err != nil {
		return fmt.Errorf("failed to page about incident %d: %w", inc.ID, err)
	}
	monitor.Paged()
	return s.db.Incident.PutPost(ctx, eventID, inc.ID)
}

// userList writes people for the audit trail.
func userList(people []id.UserID) string {
	out := make([]string, len(people))
	for i, p := range people {
		out[i] = p.String()
	}
	return strings.Join(out, " ")
}
