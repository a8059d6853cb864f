// Package ledger is a coalition's reciprocity ledger: the contributions
// its groups (rooms) make to each other or to the coalition — funds, time,
// translation, hosting, legal help, materials, emotional labour — recorded
// by any member in their own language and shown to every room in the
// reader's language, originals kept; totals per room and kind each quarter,
// money per currency and never summed across currencies; a CSV and a
// bilingual summary to export; a chart; and an audit line for every change.
// Entries belong to the room that gave: their author edits or withdraws
// them, a moderator of that room corrects them.
//
// It must not import the bot or mautrix's client: the bot gives it the
// small Matrix interface it consumes. A 🤝 on a message starts the same
// record as a conversation, through the forms engine.
package ledger

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/forms"
	"starling/internal/shortid"
	"starling/monitor"
	"starling/rooms"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// Matrix is what the ledger needs from the bot.
type Matrix interface {
	RoomName(ctx context.Context, roomID id.RoomID) string
	// SendToPerson sends to the user in their direct chat (opened if needed).
	SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error)
	// SendFile sends a file into a room (encrypted in encrypted rooms).
	SendFile(ctx context.Context, roomID id.RoomID, replyTo id.EventID, data []byte, fileName, mimeType string, from rooms.Origin) error
	OpenDM(ctx context.Context, userID id.UserID) (id.RoomID, error)
	// IsJoined tells whether the user is in the room now.
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
}

// Service keeps the ledgers.
type Service struct {
	db    *database.Database
	rooms *rooms.Authority
	tr    *translate.Translator
	l10n  *translations.Localizer
	mx    Matrix
	forms *forms.Engine
	log   zerolog.Logger
	now   func() time.Time
	// retention is how long an entry is kept after its last change.
	retention time.Duration
}

// Settings are the ledger's configured values.
type Settings struct {
	// Retention is how long an entry is kept after its last change; 0
	// keeps entries for as long as their coalition lasts.
	Retention time.Duration
}

// Errors a person is told about.
var (
	ErrNotLinked = errors.New("the room is in no coalition")
	// ErrResponderRoom: what responders say stays in their room, so the
	// responder room keeps no ledger and sees none.
	ErrResponderRoom = errors.New("the responder room keeps no ledger")
	ErrToSelf        = errors.New("a room cannot give to itself")
	ErrNoSuchEntry   = errors.New("no such ledger entry in this coalition")
	ErrNotAuthor     = errors.New("only the entry's author may change it")
	ErrNotGiverRoom  = errors.New("an entry is changed in the room that gave")
	ErrChanged       = errors.New("the entry changed meanwhile")
)

// New builds the ledger service and registers its conversation (a 🤝 on a
// message) with the forms engine.
func New(deps service.Deps, mx Matrix, engine *forms.Engine, settings Settings) (*Service, error) {
	deps = deps.For("ledger")
	s := &Service{db: deps.DB, rooms: deps.Rooms, tr: deps.Translator, l10n: deps.L10n, mx: mx, forms: engine, log: deps.Log,
		now: deps.Now, retention: settings.Retention}
	if err := s.registerConversation(engine); err != nil {
		return nil, err
	}
	return s, nil
}

// ShortID is how people name an entry: "l12".
func ShortID(e *database.LedgerEntry) string { return shortid.Format('l', e.ID) }

// ParseShortID reads "l12" (or "12").
func ParseShortID(s string) (int64, bool) { return shortid.Parse(s, "l") }

// Record is a contribution to store: typed in Room by Author, in Lang.
type Record struct {
	Room   id.RoomID
	Author id.UserID
	Draft  Draft
	// To is the receiving room, resolved from Draft.To ("" for the
	// coalition); Link a message in Room the entry is about.
	To   id.RoomID
	Lang string
	Link id.EventID
	// Origin is the event's that carried the record.
	Origin rooms.Origin
}

// Add stores a contribution from the room it was typed in.
func (s *Service) Add(ctx context.Context, r Record) (*database.LedgerEntry, error) {
	pl, err := s.place(ctx, r.Room)
	if err != nil {
		return nil, err
	}
	if err = pl.receiverOK(r.Room, r.To); err != nil {
		return nil, err
	}
	e := &database.LedgerEntry{CoalitionID: pl.coalition.ID, FromRoom: r.Room, Author: r.Author, CreatedAt: s.now(), LinkEvent: r.Link}
	fill(e, r)
	if err = s.db.Ledger.Insert(ctx, e); err != nil {
		return nil, err
	}
	monitor.LedgerChanged(database.LedgerAdded)
	s.log.Info().Int64("entry_id", e.ID).Stringer("room_id", r.Room).Str("kind", e.Kind).Msg("Ledger entry recorded")
	return e, nil
}

// fill copies what a record says into an entry.
func fill(e *database.LedgerEntry, r Record) {
	e.ToRoom, e.Kind, e.Hundredths, e.Unit = r.To, r.Draft.Kind, r.Draft.Amount.Hundredths, r.Draft.Amount.Unit
	e.Note, e.NoteLang, e.Encrypted = r.Draft.Note, r.Lang, r.Origin.Encrypted
}

// place is a room's place in the ledger: its coalition, the coalition's
// rooms that keep a ledger (all but the responder room), in the order of
// !link list, and whether the room may show what came from encrypted
// events.
type place struct {
	coalition *database.Coalition
	rooms     []id.RoomID
	encrypted bool
}

// place is where room stands; a room in no coalition, or the responder
// room, has no ledger.
func (s *Service) place(ctx context.Context, room id.RoomID) (*place, error) {
	r, err := s.rooms.Get(ctx, room)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Coalition == "":
		return nil, ErrNotLinked
	case r.Responder:
		return nil, ErrResponderRoom
	}
	coalition, err := s.db.Coalition.Get(ctx, r.Coalition)
	if err != nil {
		return nil, err
	} else if coalition == nil {
		return nil, ErrNotLinked
	}
	roomIDs, err := s.rooms.Scope(ctx, room, r.Coalition, true)
	if err != nil {
		return nil, err
	}
	return &place{coalition: coalition, rooms: roomIDs, encrypted: r.Encrypted}, nil
}

// receiverOK: the receiver is another room of the ledger, or the
// coalition itself.
func (p *place) receiverOK(from, to id.RoomID) error {
	switch {
	case to == "":
		return nil
	case to == from:
		return ErrToSelf
	case !slices.Contains(p.rooms, to):
		return ErrNoSuchEntry
	}
	return nil
}

// visible tells whether an entry may be shown in the room: one of its
// coalition's, and written in the clear unless the room is encrypted.
func (p *place) visible(e *database.LedgerEntry) bool {
	return e.CoalitionID == p.coalition.ID && (p.encrypted || !e.Encrypted)
}

// entryIn is the entry as seen from room, and standing unless withdrawn
// ones are wanted too.
func (s *Service) entryIn(ctx context.Context, room id.RoomID, entryID int64, withdrawn bool) (*database.LedgerEntry, *place, error) {
	pl, err := s.place(ctx, room)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.db.Ledger.Get(ctx, entryID)
	if err != nil {
		return nil, nil, err
	}
	// Another coalition's entry is as unknown as one that never was.
	if e == nil || !pl.visible(e) || e.Withdrawn && !withdrawn {
		return nil, nil, ErrNoSuchEntry
	}
	return e, pl, nil
}

// Change rewrites an entry, in the room that gave it: by its author
// (edit), or by one of that room's moderators (correct; the command gate
// checks the power level there).
func (s *Service) Change(ctx context.Context, entryID int64, r Record, correction bool) (*database.LedgerEntry, error) {
	before, pl, err := s.entryIn(ctx, r.Room, entryID, false)
	if err != nil {
		return nil, err
	}
	action := database.LedgerEdited
	switch {
	case before.FromRoom != r.Room:
		return nil, ErrNotGiverRoom
	case correction:
		action = database.LedgerCorrected
	case before.Author != r.Author:
		return nil, ErrNotAuthor
	}
	if err = pl.receiverOK(before.FromRoom, r.To); err != nil {
		return nil, err
	}
	changed := *before
	fill(&changed, r)
	if ok, err := s.db.Ledger.Update(ctx, before, &changed, r.Author, action, s.now()); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrChanged
	}
	monitor.LedgerChanged(action)
	return &changed, nil
}

// Withdraw takes an entry back, in the room that gave it: by its author,
// or by one of that room's moderators.
func (s *Service) Withdraw(ctx context.Context, room id.RoomID, by id.UserID, entryID int64, moderator bool) (*database.LedgerEntry, error) {
	e, _, err := s.entryIn(ctx, room, entryID, false)
	if err != nil {
		return nil, err
	}
	switch {
	case e.FromRoom != room:
		return nil, ErrNotGiverRoom
	case e.Author != by && !moderator:
		return nil, ErrNotAuthor
	}
	if ok, err := s.db.Ledger.Withdraw(ctx, e, by, s.now()); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrChanged
	}
	monitor.LedgerChanged(database.LedgerWithdrawn)
	return e, nil
}

// Get is an entry of room's coalition, withdrawn or not, with its audit
// trail.
func (s *Service) Get(ctx context.Context, room id.RoomID, entryID int64) (*database.LedgerEntry, []*database.LedgerAudit, error) {
	e, _, err := s.entryIn(ctx, room, entryID, true)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.db.LedgerAudit.List(ctx, e.ID)
	return e, trail, err
}

// Entries are the standing entries made in the period that room may see,
// and its place.
func (s *Service) Entries(ctx context.Context, room id.RoomID, p Period) ([]*database.LedgerEntry, *place, error) {
	pl, err := s.place(ctx, room)
	if err != nil {
		return nil, nil, err
	}
	from, until := p.Bounds()
	all, err := s.db.Ledger.Period(ctx, pl.coalition.ID, from, until)
	if err != nil {
		return nil, nil, err
	}
	shown := all[:0]
	for _, e := range all {
		if pl.visible(e) {
			shown = append(shown, e)
		}
	}
	return shown, pl, nil
}

// Prune forgets entries unchanged for longer than the retention.
func (s *Service) Prune(ctx context.Context) error {
	if s.retention <= 0 {
		return nil
	}
	return s.db.Ledger.Prune(ctx, s.now().Add(-s.retention))
}
