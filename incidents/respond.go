package incidents

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/monitor"
	"starling/rooms"
)

// inRoom returns the incident if it belongs to this responder room; any
// other room learns nothing.
func (s *Service) inRoom(ctx context.Context, roomID id.RoomID, incidentID int64) (*database.Incident, error) {
	inc, err := s.db.Incident.Get(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	if inc == nil || inc.ResponderRoom != roomID {
		return nil, ErrNotHere
	}
	return inc, nil
}

// Ack acknowledges an incident from its responder room and tells the
// reporter, in their language.
func (s *Service) Ack(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64) (*database.Incident, bool, error) {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return nil, false, err
	}
	var deadline time.Time
	if _, raw, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID); err != nil {
		return nil, false, err
	} else if d := loadPolicy(raw)[inc.Severity].AckTimeout; d > 0 {
		deadline = s.now().Add(d)
	}
	acked, err := s.db.Incident.Ack(ctx, inc.ID, s.now(), by, deadline)
	if err != nil || !acked {
		return inc, false, err
	}
	monitor.IncidentAcked(s.now().Sub(inc.CreatedAt))
	if err = s.audit(ctx, inc, by.String(), "acknowledged", ""); err != nil {
		return inc, true, err
	}
	err = s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgAcked, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
	return inc, true, err
}

// OnReaction acknowledges an incident with ✅ on one of its posts, or
// agrees to a duty cover or swap with ✅ on its offer.
func (s *Service) OnReaction(ctx context.Context, evt *event.Event) (bool, error) {
	rel := evt.Content.AsReaction().RelatesTo
	if !strings.HasPrefix(rel.Key, "✅") && !strings.HasPrefix(rel.Key, "✔") {
		return false, nil
	}
	incidentID, err := s.db.Incident.ByPost(ctx, rel.EventID)
	if err != nil {
		return false, err
	}
	if incidentID == 0 {
		return s.consent(ctx, evt, rel.EventID)
	}
	inc, acked, err := s.Ack(ctx, evt.RoomID, evt.Sender, incidentID)
	if err != nil || !acked {
		return false, err
	}
	lang := s.rooms.Language(ctx, evt.RoomID)
	_, err = s.mx.SendMarkdown(ctx, evt.RoomID, s.l10n.Text(lang, msgAckedRoom, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Who": format.EscapeMarkdown(s.mx.DisplayName(ctx, evt.RoomID, evt.Sender))}), rooms.Bot)
	return true, err
}

// Resolve closes an incident and tells the reporter (with the note, translated).
func (s *Service) Resolve(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, note string) (*database.Incident, bool, error) {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return nil, false, err
	}
	resolved, err := s.db.Incident.Resolve(ctx, inc.ID, s.now())
	if err != nil || !resolved {
		return inc, false, err
	}
	if err = s.audit(ctx, inc, by.String(), "resolved", ""); err != nil {
		return inc, true, err
	}
	noteText := ""
	if note != "" {
		noteText = s.translated(ctx, note, s.rooms.Language(ctx, roomID), inc.ReporterLang)
	}
	err = s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgResolved, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Note": noteText}))
	return inc, true, err
}

// Reply passes a responder's message to the reporter, in their language.
func (s *Service) Reply(ctx context.Context, roomID id.RoomID, by id.UserID, incidentID int64, text string) error {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return err
	}
	if err = s.audit(ctx, inc, by.String(), "replied", ""); err != nil {
		return err
	}
	return s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgToReporter, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Text": s.translated(ctx, text, s.rooms.Language(ctx, roomID), inc.ReporterLang)}))
}

// FromReporter adds what a reporter writes in their direct chat to their
// open incident (or one merged into an open one); it is stored before the reporter is told, and relayed by
// Run. It returns false when they have no open incident.
func (s *Service) FromReporter(ctx context.Context, userID id.UserID, roomID id.RoomID, text string) (bool, error) {
	inc, err := s.db.Incident.LatestOpenBy(ctx, userID, roomID)
	if err != nil || inc == nil {
		return false, err
	}
	if err = s.db.Addition.Insert(ctx, &database.Addition{IncidentID: inc.ID, At: s.now(), Text: text}); err != nil {
		return true, err
	}
	if err = s.audit(ctx, inc, s.actorReporter(inc), "reporter added", ""); err != nil {
		return true, err
	}
	s.poke()
	return true, s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgAdded, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
}

// relayAddition posts a stored addition in the incident's responder room.
func (s *Service) relayAddition(ctx context.Context, a *database.Addition) error {
	inc, err := s.db.Incident.Get(ctx, a.IncidentID)
	if err != nil || inc == nil {
		return err
	}
	lang := s.rooms.Language(ctx, inc.ResponderRoom)
	who := s.l10n.Text(lang, msgTheReporter, nil)
	if !inc.Anonymous {
		who = format.EscapeMarkdown(s.mx.DisplayName(ctx, inc.ReporterRoom, inc.Reporter))
	}
	ref := format.SafeMarkdownCode(ShortID(inc.ID))
	if inc.MergedInto != 0 {
		// Merged: the responders follow it in the other report.
		ref += " → " + format.SafeMarkdownCode(ShortID(inc.MergedInto))
	}
	text := s.l10n.Text(lang, msgFromReporter, map[string]any{
		"ID": ref, "Who": who, "Text": s.translated(ctx, a.Text, inc.ReporterLang, lang)})
	eventID, err := s.mx.SendOnce(ctx, inc.ResponderRoom, mxtext.Notice(text, nil), txnid.Stable("incident-addition", strconv.FormatInt(inc.ID, 10), strconv.FormatInt(a.ID, 10)), rooms.Private)
	if err != nil {
		return fmt.Errorf("failed to relay addition to incident %d: %w", inc.ID, err)
	}
	if err = s.db.Incident.PutPost(ctx, eventID, inc.ID); err != nil {
		return err
	}
	return s.db.Addition.SetRelayed(ctx, a.ID, eventID)
}

// List returns the unresolved incidents of a responder room.
func (s *Service) List(ctx context.Context, roomID id.RoomID) ([]*database.Incident, error) {
	return s.db.Incident.OpenIn(ctx, roomID)
}

// Show returns an incident's audit trail, for its responder room only.
func (s *Service) Show(ctx context.Context, roomID id.RoomID, incidentID int64) (*database.Incident, []database.AuditEntry, error) {
	inc, err := s.inRoom(ctx, roomID, incidentID)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.db.Incident.AuditTrail(ctx, inc.ID)
	return inc, trail, err
}

// toReporter sends to the reporter in their direct chat; if it stopped
// being one, in a new one, which the incident then keeps.
func (s *Service) toReporter(ctx context.Context, inc *database.Incident, markdown string) error {
	room, err := s.mx.SendToPerson(ctx, inc.Reporter, inc.ReporterRoom, markdown)
	if err != nil {
		return err
	}
	if room != inc.ReporterRoom {
		inc.ReporterRoom = room
		return s.db.Incident.SetReporterRoom(ctx, inc.Reporter, room)
	}
	return nil
}

// Continue tells a reporter whose direct chat stopped being private that
// their open report carries on in a new one (which it opens).
func (s *Service) Continue(ctx context.Context, userID id.UserID) error {
	inc, err := s.db.Incident.LatestOpenOf(ctx, userID)
	if err != nil || inc == nil {
		return err
	}
	return s.toReporter(ctx, inc, s.l10n.Text(inc.ReporterLang, msgMovedHere, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
}
