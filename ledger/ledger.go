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
	ErrNotLinked    = errors.New("the room is in no coalition")
	ErrToSelf       = errors.New("a room cannot give to itself")
	ErrNoSuchEntry  = errors.New("no such ledger entry in this coalition")
	ErrNotAuthor    = errors.New("only the entry's author may change it")
	ErrNotGiverRoom = errors.New("an entry is corrected in the room that gave")
	ErrChanged      = errors.New("the entry changed meanwhile")
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
	coalitionID, err := s.rooms.CoalitionOf(ctx, r.Room)
	if err != nil {
		return nil, err
	} else if coalitionID == "" {
		return nil, ErrNotLinked
	}
	if err = s.receiverOK(ctx, coalitionID, r.Room, r.To); err != nil {
		return nil, err
	}
	e := &database.LedgerEntry{CoalitionID: coalitionID, FromRoom: r.Room, Author: r.Author, CreatedAt: s.now(), LinkEvent: r.Link}
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

// receiverOK: the receiver is another room of the coalition, or the
// coalition itself.
func (s *Service) receiverOK(ctx context.Context, coalitionID string, from, to id.RoomID) error {
	if to == "" {
		return nil
	}
	if to == from {
		return ErrToSelf
	}
	if theirs, err := s.rooms.CoalitionOf(ctx, to); err != nil {
		return err
	} else if theirs != coalitionID {
		return ErrNoSuchEntry
	}
	return nil
}

// entryIn is the entry as seen from room: one of its coalition's, and
// standing unless withdrawn ones are wanted too.
func (s *Service) entryIn(ctx context.Context, room id.RoomID, entryID int64, withdrawn bool) (*database.LedgerEntry, error) {
	coalitionID, err := s.rooms.CoalitionOf(ctx, room)
	if err != nil {
		return nil, err
	} else if coalitionID == "" {
		return nil, ErrNotLinked
	}
	e, err := s.db.Ledger.Get(ctx, entryID)
	if err != nil {
		return nil, err
	}
	// Another coalition's entry is as unknown as one that never was.
	if e == nil || e.CoalitionID != coalitionID || e.Withdrawn && !withdrawn {
		return nil, ErrNoSuchEntry
	}
	return e, nil
}

// Change rewrites an entry: by its author (edit) or, from the room that
// gave, by one of its moderators (correct; the command gate checks the
// power level in this room).
func (s *Service) Change(ctx context.Context, entryID int64, r Record, correction bool) (*database.LedgerEntry, error) {
	before, err := s.entryIn(ctx, r.Room, entryID, false)
	if err != nil {
		return nil, err
	}
	action := database.LedgerEdited
	switch {
	case correction && before.FromRoom != r.Room:
		return nil, ErrNotGiverRoom
	case correction:
		action = database.LedgerCorrected
	case before.Author != r.Author:
		return nil, ErrNotAuthor
	}
	if err = s.receiverOK(ctx, before.CoalitionID, before.FromRoom, r.To); err != nil {
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

// Withdraw takes an entry back: by its author, or by a moderator of the
// room that gave, there.
func (s *Service) Withdraw(ctx context.Context, room id.RoomID, by id.UserID, entryID int64, moderator bool) (*database.LedgerEntry, error) {
	e, err := s.entryIn(ctx, room, entryID, false)
	if err != nil {
		return nil, err
	}
	if e.Author != by && !(moderator && e.FromRoom == room) {
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
	e, err := s.entryIn(ctx, room, entryID, true)
	if err != nil {
		return nil, nil, err
	}
	trail, err := s.db.LedgerAudit.List(ctx, e.ID)
	return e, trail, err
}

// Entries are the standing entries of room's coalition made in the period.
func (s *Service) Entries(ctx context.Context, room id.RoomID, p Period) ([]*database.LedgerEntry, error) {
	coalitionID, err := s.rooms.CoalitionOf(ctx, room)
	if err != nil {
		return nil, err
	} else if coalitionID == "" {
		return nil, ErrNotLinked
	}
	from, until := p.Bounds()
	return s.db.Ledger.Period(ctx, coalitionID, from, until)
}

// Prune forgets entries unchanged for longer than the retention.
func (s *Service) Prune(ctx context.Context) error {
	if s.retention <= 0 {
		return nil
	}
	return s.db.Ledger.Prune(ctx, s.now().Add(-s.retention))
}
