// Package incidents takes incident reports in a direct chat (through the
// forms engine), stores them before anything else, relays them to the
// coalition's responder room, escalates until someone acknowledges, and
// keeps an audit trail until retention deletes them.
package incidents

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/translate"
	"starling/translations"
)

//go:embed intake.yaml
var intakeYAML []byte

// Kind is the conversation kind of an incident intake.
const Kind = "incident"

// TemplateID is the intake form's id.
const TemplateID = "incident"

// Intake is the built-in intake form.
func Intake() (*forms.Template, error) {
	return forms.ParseTemplate("incidents/intake.yaml", intakeYAML)
}

// Matrix is what incidents need from the bot.
type Matrix interface {
	BotUserID() id.UserID
	SendOnce(ctx context.Context, roomID id.RoomID, content *event.MessageEventContent, txnID string) (id.EventID, error)
	SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string) (id.EventID, error)
	JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error)
	DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
}

// Settings are the configured values.
type Settings struct {
	DefaultLanguage string
	// FallbackRoom gets reports from people in no coalition.
	FallbackRoom id.RoomID
	// Retention is how long reports and their audit are kept.
	Retention time.Duration
}

// Service runs incident reports.
type Service struct {
	db       *database.Database
	mx       Matrix
	tr       *translate.Translator
	l10n     *translations.Localizer
	engine   *forms.Engine
	settings Settings
	log      zerolog.Logger
	now      func() time.Time
	wake     chan struct{}
	mu       sync.Mutex
}

// New builds the service and registers the intake with the forms engine.
func New(db *database.Database, mx Matrix, tr *translate.Translator, l10n *translations.Localizer, engine *forms.Engine, settings Settings, log zerolog.Logger) (*Service, error) {
	intake, err := Intake()
	if err != nil {
		return nil, fmt.Errorf("failed to load the incident intake: %w", err)
	}
	s := &Service{db: db, mx: mx, tr: tr, l10n: l10n, engine: engine, settings: settings, log: log, now: time.Now, wake: make(chan struct{}, 1)}
	engine.OnSubmit(Kind, s.submit, intake)
	return s, nil
}

// StartReport opens the intake for the person in a direct chat.
func (s *Service) StartReport(ctx context.Context, userID id.UserID) error {
	return s.engine.Start(ctx, userID, Kind, 0, TemplateID)
}

// ShortID is how people refer to an incident: i12.
func ShortID(incidentID int64) string { return "i" + strconv.FormatInt(incidentID, 10) }

// ParseShortID reads i12 or 12.
func ParseShortID(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimLeft(strings.ToLower(strings.TrimSpace(s)), "i#"), 10, 64)
	return n, err == nil && n > 0
}

// ErrNotHere is what anyone outside an incident's responder room learns
// about it: nothing, whether it exists or not.
var ErrNotHere = errors.New("no such incident here")

// submit stores the finished intake and answers the reporter. The report is
// committed before the reporter is told; relaying happens after, by Run.
func (s *Service) submit(ctx context.Context, conv *database.Conversation, _ *forms.Template) (string, error) {
	coalitionID, room, policy, err := s.responderFor(ctx, conv.UserID)
	if err != nil {
		return "", err
	}
	inc := &database.Incident{CoalitionID: coalitionID, ResponderRoom: room, Reporter: conv.UserID, ReporterRoom: conv.RoomID,
		ReporterLang: conv.Lang, Anonymous: conv.Answers["anonymous"].Value == "yes", Severity: conv.Answers["severity"].Value,
		Answers: conv.Answers, State: database.IncidentOpen, CreatedAt: s.now()}
	if d, ok := policy[inc.Severity].delay(0); ok && room != "" {
		inc.NextEscalation = inc.CreatedAt.Add(d)
	}
	if err = s.db.Incident.Insert(ctx, inc); err != nil {
		return "", err
	}
	if err = s.audit(ctx, inc, s.actorReporter(inc), "created", inc.Severity); err != nil {
		return "", err
	}
	s.log.Info().Int64("incident_id", inc.ID).Str("severity", inc.Severity).Msg("Incident report stored")
	s.poke()
	if room == "" {
		return s.l10n.Text(conv.Lang, msgNoResponders, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}), nil
	}
	return s.l10n.Text(conv.Lang, msgReceived, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}), nil
}

// responderFor finds the responder room of a coalition the person is in.
func (s *Service) responderFor(ctx context.Context, userID id.UserID) (string, id.RoomID, Policy, error) {
	rooms, err := s.db.CoalitionRoom.All(ctx)
	if err != nil {
		return "", "", nil, err
	}
	for _, r := range rooms {
		if !s.mx.IsJoined(ctx, r.RoomID, userID) {
			continue
		}
		room, raw, err := s.db.Incident.ResponderRoom(ctx, r.CoalitionID)
		if err != nil {
			return "", "", nil, err
		}
		if room != "" {
			return r.CoalitionID, room, loadPolicy(raw), nil
		}
	}
	return "", s.settings.FallbackRoom, DefaultPolicy(), nil
}

func (s *Service) actorReporter(inc *database.Incident) string {
	if inc.Anonymous {
		return "reporter"
	}
	return inc.Reporter.String()
}

func (s *Service) audit(ctx context.Context, inc *database.Incident, actor, action, detail string) error {
	return s.db.Incident.Audit(ctx, inc.ID, database.AuditEntry{At: s.now(), Actor: actor, Action: action, Detail: detail})
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run relays stored reports, sends due escalations and deletes reports past
// retention, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	lastPurge := time.Time{}
	for {
		if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
			s.log.Err(err).Msg("Incident pass failed")
		}
		if time.Since(lastPurge) > time.Hour {
			if _, err := s.Purge(ctx); err != nil && ctx.Err() == nil {
				s.log.Err(err).Msg("Failed to purge old incidents")
			}
			lastPurge = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-s.wake:
		}
	}
}

// Pass relays what is unrelayed and escalates what is due, once.
func (s *Service) Pass(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unrelayed, err := s.db.Incident.Unrelayed(ctx)
	if err != nil {
		return err
	}
	for _, inc := range unrelayed {
		if inc.ResponderRoom == "" {
			continue
		}
		if err = s.relay(ctx, inc); err != nil {
			return err
		}
	}
	due, err := s.db.Incident.DueEscalations(ctx, s.now())
	if err != nil {
		return err
	}
	for _, inc := range due {
		if err = s.escalate(ctx, inc); err != nil {
			return err
		}
	}
	return nil
}

// Purge deletes reports older than the retention period.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	if s.settings.Retention <= 0 {
		return 0, nil
	}
	n, err := s.db.Incident.Purge(ctx, s.now().Add(-s.settings.Retention))
	if n > 0 {
		s.log.Info().Int64("count", n).Msg("Deleted incident reports past retention")
	}
	return n, err
}

func (s *Service) roomLang(ctx context.Context, roomID id.RoomID) string {
	r, err := s.db.Room.Get(ctx, roomID)
	if err == nil && r.Language != "" {
		return r.Language
	}
	return s.settings.DefaultLanguage
}

// tr translates reporter text for responders (or back), keeping the
// original; only engines trusted with encrypted content see it.
func (s *Service) translated(ctx context.Context, text, from, to string) string {
	escaped := format.EscapeMarkdown(text)
	if s.tr == nil || from == to {
		return escaped
	}
	res, err := s.tr.Translate(ctx, translate.Request{Source: from, Target: to, Texts: []string{text}, Encrypted: true})
	if err != nil || !res[0].Translated {
		return escaped
	}
	return s.l10n.Text(to, msgWithOrig, map[string]any{"Text": format.EscapeMarkdown(res[0].Text), "Original": "“" + escaped + "”"})
}

// relay posts the report to the responder room, once.
func (s *Service) relay(ctx context.Context, inc *database.Incident) error {
	lang := s.roomLang(ctx, inc.ResponderRoom)
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
		for _, o := range tmpl.Questions[0].Options {
			if o.ID == category {
				category, _ = o.Text.In(lang, "en")
			}
		}
	}
	text := s.l10n.Text(lang, msgReport, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity), "Category": format.EscapeMarkdown(category),
		"When": answer("when"), "Where": answer("where"), "What": answer("what"), "Safe": yesNo("safe"), "Contact": yesNo("contact"),
		"Reporter": reporter, "Ack": format.SafeMarkdownCode("!ack " + ShortID(inc.ID)),
	})
	eventID, err := s.mx.SendOnce(ctx, inc.ResponderRoom, notice(text, nil), fmt.Sprintf("starling-incident-%d-report", inc.ID))
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

// escalate sends the next escalation step, once, and schedules the one after.
func (s *Service) escalate(ctx context.Context, inc *database.Incident) error {
	_, raw, err := s.db.Incident.ResponderRoom(ctx, inc.CoalitionID)
	if err != nil {
		return err
	}
	step := loadPolicy(raw)[inc.Severity]
	lang := s.roomLang(ctx, inc.ResponderRoom)
	members, err := s.mx.JoinedMembers(ctx, inc.ResponderRoom)
	if err != nil {
		return err
	}
	var people []id.UserID
	for _, m := range members {
		if m != s.mx.BotUserID() {
			people = append(people, m)
		}
	}
	people = append(people, step.OnCall...)
	var names []string
	for _, p := range people {
		names = append(names, p.String())
	}
	text := s.l10n.Text(lang, msgEscalation, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Severity": format.SafeMarkdownCode(inc.Severity),
		"Minutes": int(s.now().Sub(inc.CreatedAt).Minutes()), "People": strings.Join(names, " "),
	})
	n := inc.Escalations
	txn := fmt.Sprintf("starling-incident-%d-escalation-%d", inc.ID, n)
	eventID, err := s.mx.SendOnce(ctx, inc.ResponderRoom, notice(text, &event.Mentions{UserIDs: people}), txn)
	if err != nil {
		return fmt.Errorf("failed to escalate incident %d: %w", inc.ID, err)
	}
	if err = s.db.Incident.PutPost(ctx, eventID, inc.ID); err != nil {
		return err
	}
	if step.Room != "" {
		if _, err = s.mx.SendOnce(ctx, step.Room, notice(text, &event.Mentions{UserIDs: step.OnCall}), txn+"-room"); err != nil {
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
	return s.audit(ctx, inc, "starling", "escalated", strconv.Itoa(n+1))
}

func notice(markdown string, mentions *event.Mentions) *event.MessageEventContent {
	content := format.RenderMarkdown(markdown, true, false)
	content.MsgType = event.MsgNotice
	if mentions == nil {
		mentions = &event.Mentions{}
	}
	content.Mentions = mentions
	return &content
}

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
	acked, err := s.db.Incident.Ack(ctx, inc.ID, s.now())
	if err != nil || !acked {
		return inc, false, err
	}
	if err = s.audit(ctx, inc, by.String(), "acknowledged", ""); err != nil {
		return inc, true, err
	}
	_, err = s.mx.SendMarkdown(ctx, inc.ReporterRoom, s.l10n.Text(inc.ReporterLang, msgAcked, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
	return inc, true, err
}

// OnReaction acknowledges an incident with ✅ on one of its posts.
func (s *Service) OnReaction(ctx context.Context, evt *event.Event) (bool, error) {
	rel := evt.Content.AsReaction().RelatesTo
	if !strings.HasPrefix(rel.Key, "✅") && !strings.HasPrefix(rel.Key, "✔") {
		return false, nil
	}
	incidentID, err := s.db.Incident.ByPost(ctx, rel.EventID)
	if err != nil || incidentID == 0 {
		return false, err
	}
	inc, acked, err := s.Ack(ctx, evt.RoomID, evt.Sender, incidentID)
	if err != nil || !acked {
		return false, err
	}
	lang := s.roomLang(ctx, evt.RoomID)
	_, err = s.mx.SendMarkdown(ctx, evt.RoomID, s.l10n.Text(lang, msgAckedRoom, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Who": format.EscapeMarkdown(s.mx.DisplayName(ctx, evt.RoomID, evt.Sender))}))
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
		noteText = s.translated(ctx, note, s.roomLang(ctx, roomID), inc.ReporterLang)
	}
	_, err = s.mx.SendMarkdown(ctx, inc.ReporterRoom, s.l10n.Text(inc.ReporterLang, msgResolved, map[string]any{
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
	_, err = s.mx.SendMarkdown(ctx, inc.ReporterRoom, s.l10n.Text(inc.ReporterLang, msgToReporter, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Text": s.translated(ctx, text, s.roomLang(ctx, roomID), inc.ReporterLang)}))
	return err
}

// FromReporter adds what a reporter writes in their direct chat to their
// open incident and relays it. It returns false when they have none.
func (s *Service) FromReporter(ctx context.Context, userID id.UserID, roomID id.RoomID, text string) (bool, error) {
	inc, err := s.db.Incident.LatestOpenBy(ctx, userID, roomID)
	if err != nil || inc == nil || inc.ResponderRoom == "" {
		return false, err
	}
	if err = s.audit(ctx, inc, s.actorReporter(inc), "reporter added", ""); err != nil {
		return true, err
	}
	lang := s.roomLang(ctx, inc.ResponderRoom)
	who := s.l10n.Text(lang, msgTheReporter, nil)
	if !inc.Anonymous {
		who = format.EscapeMarkdown(s.mx.DisplayName(ctx, inc.ReporterRoom, inc.Reporter))
	}
	eventID, err := s.mx.SendMarkdown(ctx, inc.ResponderRoom, s.l10n.Text(lang, msgFromReporter, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(inc.ID)), "Who": who, "Text": s.translated(ctx, text, inc.ReporterLang, lang)}))
	if err != nil {
		return true, err
	}
	if err = s.db.Incident.PutPost(ctx, eventID, inc.ID); err != nil {
		return true, err
	}
	_, err = s.mx.SendMarkdown(ctx, roomID, s.l10n.Text(inc.ReporterLang, msgAdded, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}))
	return true, err
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

// SetResponderRoom makes the room its coalition's responder room.
func (s *Service) SetResponderRoom(ctx context.Context, roomID id.RoomID) error {
	member, err := s.db.CoalitionRoom.Get(ctx, roomID)
	if err != nil {
		return err
	}
	if member == nil {
		return ErrNoCoalition
	}
	return s.db.Incident.SetResponderRoom(ctx, member.CoalitionID, roomID)
}

// ErrNoCoalition means the room is in no coalition.
var ErrNoCoalition = errors.New("room is in no coalition")

// SetPolicy sets one severity's escalation for the room's coalition.
func (s *Service) SetPolicy(ctx context.Context, roomID id.RoomID, severity string, step Step) (Policy, error) {
	member, err := s.db.CoalitionRoom.Get(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if member == nil {
		return nil, ErrNoCoalition
	}
	room, raw, err := s.db.Incident.ResponderRoom(ctx, member.CoalitionID)
	if err != nil {
		return nil, err
	}
	if room == "" {
		if err = s.db.Incident.SetResponderRoom(ctx, member.CoalitionID, roomID); err != nil {
			return nil, err
		}
	}
	p := loadPolicy(raw)
	p[severity] = step
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return p, s.db.Incident.SetPolicy(ctx, member.CoalitionID, string(data))
}

// PolicyOf returns the room's coalition's policy.
func (s *Service) PolicyOf(ctx context.Context, roomID id.RoomID) (Policy, error) {
	member, err := s.db.CoalitionRoom.Get(ctx, roomID)
	if err != nil || member == nil {
		return DefaultPolicy(), err
	}
	_, raw, err := s.db.Incident.ResponderRoom(ctx, member.CoalitionID)
	return loadPolicy(raw), err
}
