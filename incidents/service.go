// Package incidents takes incident reports in a direct chat (through the
// forms engine), stores them before anything else, relays them to the
// coalition's responder room, escalates until someone acknowledges, and
// keeps an audit trail until retention deletes them.
//
// It must not import the bot, the commands or mautrix's client: it talks to
// Matrix through its own Matrix interface (layers_test.go keeps the order).
package incidents

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/internal/safe"
	"starling/internal/shortid"
	"starling/rooms"
	"starling/service"
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
	SendOnce(ctx context.Context, roomID id.RoomID, content *event.MessageEventContent, txnID string, from rooms.Origin) (id.EventID, error)
	SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string, from rooms.Origin) (id.EventID, error)
	// SendToPerson sends to the user in the direct chat used so far, or in
	// a new one if that room stopped being a direct chat; it returns the
	// room used.
	SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error)
	JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error)
	DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
	RoomName(ctx context.Context, roomID id.RoomID) string
	// PowerLevel is the user's level in the room's current state.
	PowerLevel(ctx context.Context, roomID id.RoomID, userID id.UserID) (int, error)
	// DirectChat is the person the room is a direct chat with, or "".
	DirectChat(ctx context.Context, roomID id.RoomID) (id.UserID, error)
}

// Settings are the configured values.
type Settings struct {
	// FallbackRoom gets reports from people in no coalition.
	FallbackRoom id.RoomID
	// Retention is how long reports and their audit are kept.
	Retention time.Duration
	// ModeratorLevel is the power level of a moderator.
	ModeratorLevel int
}

// Service runs incident reports.
type Service struct {
	db       *database.Database
	mx       Matrix
	rooms    *rooms.Authority
	tr       *translate.Translator
	l10n     *translations.Localizer
	engine   *forms.Engine
	settings Settings
	log      zerolog.Logger
	now      func() time.Time
	wake     chan struct{}
	mu       sync.Mutex
	retryAt  map[int64]retry // guarded by mu
	warned   map[int64]bool  // reporters told their report is delayed; guarded by mu
}

type retry struct {
	at   time.Time
	wait time.Duration
}

// New builds the service and registers the intake with the forms engine.
func New(deps service.Deps, mx Matrix, engine *forms.Engine, settings Settings) (*Service, error) {
	intake, err := Intake()
	if err != nil {
		return nil, fmt.Errorf("failed to load the incident intake: %w", err)
	}
	deps = deps.For("incidents")
	s := &Service{db: deps.DB, mx: mx, rooms: deps.Rooms, tr: deps.Translator, l10n: deps.L10n, engine: engine, settings: settings,
		log: deps.Log, now: deps.Now, wake: make(chan struct{}, 1),
		retryAt: make(map[int64]retry), warned: make(map[int64]bool)}
	engine.OnSubmit(Kind, s.submit, intake)
	engine.Source("coalitions", s.coalitionOptions)
	return s, nil
}

// coalitionsOf are the coalitions the person is in (joined in one of their
// rooms), in the order they were made.
func (s *Service) coalitionsOf(ctx context.Context, userID id.UserID) ([]string, error) {
	all, err := s.rooms.AllMemberships(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range all {
		if !slices.Contains(out, r.CoalitionID) && s.mx.IsJoined(ctx, r.RoomID, userID) {
			out = append(out, r.CoalitionID)
		}
	}
	return out, nil
}

// coalitionOptions lets a reporter in several coalitions choose whose
// responders receive the report: nobody is routed to one without asking.
func (s *Service) coalitionOptions(ctx context.Context, conv *database.Conversation) ([]forms.Option, error) {
	ids, err := s.coalitionsOf(ctx, conv.UserID)
	if err != nil {
		return nil, err
	}
	opts := make([]forms.Option, 0, len(ids))
	for _, cid := range ids {
		c, err := s.db.Coalition.Get(ctx, cid)
		if err != nil {
			return nil, err
		}
		if c != nil {
			opts = append(opts, forms.Option{ID: c.ID, Text: forms.Text{"": c.Name}, Verbatim: true})
		}
	}
	return opts, nil
}

// StartReport opens the intake for the person in a direct chat.
func (s *Service) StartReport(ctx context.Context, userID id.UserID) error {
	return s.engine.Start(ctx, userID, Kind, 0, TemplateID)
}

// ShortID is how people refer to an incident: i12.
func ShortID(incidentID int64) string { return shortid.Format('i', incidentID) }

// ParseShortID reads i12 or 12.
func ParseShortID(s string) (int64, bool) { return shortid.Parse(s, "i") }

// ErrNotHere is what anyone outside an incident's responder room learns
// about it: nothing, whether it exists or not.
var ErrNotHere = errors.New("no such incident here")

// submit stores the finished intake and answers the reporter. The report is
// committed before the reporter is told; relaying happens after, by Run.
func (s *Service) submit(ctx context.Context, conv *database.Conversation, _ *forms.Template) (string, error) {
	coalitionID, room, policy, err := s.responderFor(ctx, conv.UserID, conv.Answers["coalition"].Value)
	if err != nil {
		return "", err
	}
	inc := &database.Incident{CoalitionID: coalitionID, ResponderRoom: room, Reporter: conv.UserID, ReporterRoom: conv.RoomID,
		ReporterLang: conv.Lang, Anonymous: conv.Answers["anonymous"].Value == "yes", Severity: conv.Answers["severity"].Value,
		Answers: conv.Answers, State: database.IncidentOpen, CreatedAt: s.now()}
	inc.NextEscalation = firstEscalation(policy, inc.Severity, room, inc.CreatedAt)
	if err = s.db.Incident.Insert(ctx, inc); err != nil {
		return "", err
	}
	if err = s.audit(ctx, inc, s.actorReporter(inc), "created", inc.Severity); err != nil {
		return "", err
	}
	s.log.Info().Int64("incident_id", inc.ID).Msg("Incident report stored")
	s.poke()
	if room == "" {
		return s.l10n.Text(conv.Lang, msgNoResponders, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}), nil
	}
	return s.l10n.Text(conv.Lang, msgReceived, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))}), nil
}

// firstEscalation counts from when the report reaches responders, so one
// that waited for a responder room is not escalated as it arrives.
func firstEscalation(policy Policy, severity string, room id.RoomID, from time.Time) time.Time {
	if d, ok := policy[severity].delay(0); ok && room != "" {
		return from.Add(d)
	}
	return time.Time{}
}

// responderFor finds where the person's report goes: the coalition they
// chose (when they are in several), or the only one they are in, with its
// responder room ("" while it has none: the report waits for one). A person
// in no coalition reports to the configured fallback room.
func (s *Service) responderFor(ctx context.Context, userID id.UserID, chosen string) (string, id.RoomID, Policy, error) {
	mine, err := s.coalitionsOf(ctx, userID)
	if err != nil {
		return "", "", nil, err
	}
	var coalitionID string
	switch {
	case chosen != "" && slices.Contains(mine, chosen):
		coalitionID = chosen
	case len(mine) == 1:
		coalitionID = mine[0]
	case len(mine) == 0:
		return "", s.settings.FallbackRoom, DefaultPolicy(), nil
	default:
		// Several and no valid choice (they left the one they chose): wait
		// rather than guess.
		return "", "", DefaultPolicy(), nil
	}
	room, raw, err := s.db.Incident.ResponderRoom(ctx, coalitionID)
	if err != nil {
		return "", "", nil, err
	}
	return coalitionID, room, loadPolicy(raw), nil
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

// Run relays stored reports and sends due escalations until ctx ends.
func (s *Service) Run(ctx context.Context) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		safe.Run(&s.log, "incidents", func() {
			if err := s.Pass(ctx); err != nil && ctx.Err() == nil {
				s.log.Err(err).Msg("Incident pass failed")
			}
		})
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
		if !s.retryDue(inc.ID) {
			continue
		}
		if inc.ResponderRoom == "" {
			if err = s.assign(ctx, inc); err != nil || inc.ResponderRoom == "" {
				s.failed(inc.ID, err)
				continue
			}
		}
		err = s.relay(ctx, inc)
		s.failed(inc.ID, err)
		if err != nil {
			s.warnStuck(ctx, inc)
		}
	}
	additions, err := s.db.Addition.Pending(ctx)
	if err != nil {
		return err
	}
	for _, a := range additions {
		if s.retryDue(a.IncidentID) {
			s.failed(a.IncidentID, s.relayAddition(ctx, a))
		}
	}
	due, err := s.db.Incident.DueEscalations(ctx, s.now())
	if err != nil {
		return err
	}
	for _, inc := range due {
		if s.retryDue(inc.ID) {
			s.failed(inc.ID, s.escalate(ctx, inc))
		}
	}
	return nil
}

// assign looks again for responders for a report stored without any: a
// responder room may have been set since, in the coalition it is for.
func (s *Service) assign(ctx context.Context, inc *database.Incident) error {
	coalitionID, room, policy, err := s.responderFor(ctx, inc.Reporter, inc.CoalitionID)
	if err != nil || room == "" {
		return err
	}
	next := firstEscalation(policy, inc.Severity, room, s.now())
	if err = s.db.Incident.Assign(ctx, inc.ID, coalitionID, room, next); err != nil {
		return err
	}
	inc.CoalitionID, inc.ResponderRoom, inc.NextEscalation = coalitionID, room, next
	s.log.Info().Int64("incident_id", inc.ID).Msg("Incident report assigned to a responder room")
	return nil
}

// stuckAfter is how long a report may fail to reach the responders before
// the reporter is told, so nobody waits for help that is not coming.
const stuckAfter = 5 * time.Minute

const actionToldOfDelay = "reporter told of delay"

func (s *Service) warnStuck(ctx context.Context, inc *database.Incident) {
	if s.warned[inc.ID] || s.now().Sub(inc.CreatedAt) < stuckAfter {
		return
	}
	// Told before a restart: the audit trail remembers.
	trail, err := s.db.Incident.AuditTrail(ctx, inc.ID)
	if err != nil {
		s.log.Warn().Err(err).Int64("incident_id", inc.ID).Msg("Failed to read incident audit trail")
		return
	}
	for _, e := range trail {
		if e.Action == actionToldOfDelay {
			s.warned[inc.ID] = true
			return
		}
	}
	text := s.l10n.Text(inc.ReporterLang, msgStuck, map[string]any{"ID": format.SafeMarkdownCode(ShortID(inc.ID))})
	if err := s.toReporter(ctx, inc, text); err != nil {
		s.log.Warn().Err(err).Int64("incident_id", inc.ID).Msg("Failed to tell the reporter their report is delayed")
		return
	}
	s.warned[inc.ID] = true
	if err := s.audit(ctx, inc, "bot", actionToldOfDelay, ""); err != nil {
		s.log.Warn().Err(err).Int64("incident_id", inc.ID).Msg("Failed to audit a delay notice")
	}
}

// One report that cannot be posted (the bot was removed from its responder
// room, say) must not hold up the others; it is retried with back-off.
func (s *Service) retryDue(incidentID int64) bool {
	return !s.now().Before(s.retryAt[incidentID].at)
}

func (s *Service) failed(incidentID int64, err error) {
	if err == nil {
		delete(s.retryAt, incidentID)
		delete(s.warned, incidentID)
		return
	}
	r := s.retryAt[incidentID]
	r.wait = min(max(2*r.wait, 2*time.Second), 5*time.Minute)
	r.at = s.now().Add(r.wait)
	s.retryAt[incidentID] = r
	s.log.Warn().Err(err).Int64("incident_id", incidentID).Dur("retry_in", r.wait).Msg("Failed to post incident, will retry")
}

// Prune deletes reports older than the retention period, with their audit
// trail and posts, and duty covers that are over.
func (s *Service) Prune(ctx context.Context) error {
	// Covers that ended, and offers nobody took up, decide nothing more.
	if err := s.db.DutyCover.Prune(ctx, s.now(), s.now().Add(-offerTTL)); err != nil {
		return err
	}
	if s.settings.Retention <= 0 {
		return nil
	}
	cutoff := s.now().Add(-s.settings.Retention)
	n, err := s.db.Incident.Purge(ctx, cutoff)
	if n > 0 {
		s.log.Info().Int64("count", n).Msg("Deleted incident reports past retention")
	}
	if err != nil {
		return err
	}
	// An intake left half-way holds what someone began to tell: it goes
	// with the reports it would have become.
	abandoned, err := s.db.Conversation.Prune(ctx, Kind, cutoff)
	if abandoned > 0 {
		s.log.Info().Int64("count", abandoned).Msg("Deleted abandoned incident intakes past retention")
	}
	return err
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
