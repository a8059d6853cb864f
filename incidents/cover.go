package incidents

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/rooms"
	"starling/scheduler"
)

// Errors of covers and swaps, each explained to the person.
var (
	// ErrDutyNotOnRota: whose turns were named is not on the rota.
	ErrDutyNotOnRota = errors.New("that person is not on the duty rota")
	// ErrDutySame: a cover or swap takes two different people.
	ErrDutySame = errors.New("a cover or swap is between two different people")
	// ErrDutyNoTurn: one of the two has no turn coming to swap.
	ErrDutyNoTurn = errors.New("no duty turn to swap")
)

// offerTTL is how long an offer waits for consent: a turn proposed
// yesterday may be another's by now.
const offerTTL = 24 * time.Hour

var (
	msgCoverOffer = &i18n.Message{ID: "DutyCoverOffer",
		Description: "Asks Person (a mention) to agree that Who takes their duty turns. From and Until are dates and times in Zone.",
		Other:       "{{.Who}} offers to be on duty for {{.Person}} from {{.From}} to {{.Until}} ({{.Zone}}). {{.Person}}, react ✅ to this message to agree; until then nothing changes."}
	msgSwapOffer = &i18n.Message{ID: "DutySwapOffer",
		Description: "Asks Other (a mention) to agree to exchange duty turns with Who. WhoTurn and OtherTurn are time ranges in Zone.",
		Other:       "{{.Who}} offers {{.Other}} to swap duty turns: {{.Other}} takes {{.WhoTurn}} and {{.Who}} takes {{.OtherTurn}} ({{.Zone}}). {{.Other}}, react ✅ to this message to agree; until then nothing changes."}
	msgCoverAgreed = &i18n.Message{ID: "DutyCoverAgreed",
		Description: "A cover stands. Cover and Person are names, From and Until dates and times in Zone.",
		Other:       "Agreed: {{.Cover}} is on duty for {{.Person}} from {{.From}} to {{.Until}} ({{.Zone}})."}
)

// Cover has by take person's duty turns from the start of day from to the
// end of day until, in person's zone. A moderator's cover stands at once;
// anyone else's is offered to person, who agrees by a reaction: nobody
// takes another's pages without them knowing.
func (s *Service) Cover(ctx context.Context, roomID id.RoomID, by, person id.UserID, from, until string, moderator bool) (agreed bool, err error) {
	coalitionID, rota, err := s.rotaHere(ctx, roomID, by, person)
	if err != nil {
		return false, err
	}
	zone := s.rooms.PersonZone(ctx, person)
	start, errA := time.ParseInLocation(time.DateOnly, from, zone)
	end, errB := time.ParseInLocation(time.DateOnly, until, zone)
	if errA != nil || errB != nil {
		return false, ErrDutyBadWhen
	}
	cover := &database.DutyCover{CoalitionID: coalitionID, Person: person, Cover: by, CreatedBy: by, CreatedAt: s.now(),
		Start: scheduler.At(start.Year(), start.Month(), start.Day(), 0, 0, zone),
		Until: scheduler.At(end.Year(), end.Month(), end.Day()+1, 0, 0, zone)}
	if !slices.Contains(rota.People, person) {
		return false, ErrDutyNotOnRota
	}
	if moderator {
		if err = s.db.DutyCover.Insert(ctx, cover); err != nil {
			return false, err
		}
		s.log.Info().Str("coalition_id", coalitionID).Msg("Duty cover set")
		return true, s.announceCovers(ctx, roomID, []*database.DutyCover{cover})
	}
	text := s.l10n.Text(s.rooms.Language(ctx, roomID), msgCoverOffer, map[string]any{
		"Who": mxtext.Pill(by), "Person": mxtext.Pill(person), "From": localTime(cover.Start, zone), "Until": localTime(cover.Until, zone),
		"Zone": zone.String(),
	})
	return false, s.offer(ctx, roomID, person, text, cover)
}

// Swap offers that by and other each take the other's next turn; it
// stands once other agrees by a reaction.
func (s *Service) Swap(ctx context.Context, roomID id.RoomID, by, other id.UserID) error {
	coalitionID, rota, err := s.rotaHere(ctx, roomID, by, other)
	if err != nil {
		return err
	}
	if !slices.Contains(rota.People, by) || !slices.Contains(rota.People, other) {
		return ErrDutyNotOnRota
	}
	duty, err := s.duty(ctx, rota)
	if err != nil {
		return err
	}
	mine, okMine := duty.NextTurn(by, s.now())
	theirs, okTheirs := duty.NextTurn(other, s.now())
	if !okMine || !okTheirs {
		return ErrDutyNoTurn
	}
	covers := []*database.DutyCover{
		{CoalitionID: coalitionID, Person: by, Cover: other, Start: mine.Start, Until: mine.End, CreatedBy: by, CreatedAt: s.now()},
		{CoalitionID: coalitionID, Person: other, Cover: by, Start: theirs.Start, Until: theirs.End, CreatedBy: by, CreatedAt: s.now()},
	}
	zone := s.rooms.PersonZone(ctx, other)
	text := s.l10n.Text(s.rooms.Language(ctx, roomID), msgSwapOffer, map[string]any{
		"Who": mxtext.Pill(by), "Other": mxtext.Pill(other), "Zone": zone.String(),
		"WhoTurn": localTime(mine.Start, zone) + " – " + localTime(mine.End, zone), "OtherTurn": localTime(theirs.Start, zone) + " – " + localTime(theirs.End, zone),
	})
	return s.offer(ctx, roomID, other, text, covers...)
}

// DutyCovers are the covers agreed in the responder room's coalition that
// have not ended.
func (s *Service) DutyCovers(ctx context.Context, roomID id.RoomID) ([]*database.DutyCover, error) {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return nil, err
	}
	return s.db.DutyCover.Active(ctx, coalitionID, s.now())
}

// rotaHere is the rota of the responder room's coalition, for a cover or
// swap between by and other, both in the room.
func (s *Service) rotaHere(ctx context.Context, roomID id.RoomID, by, other id.UserID) (string, *database.DutyRota, error) {
	coalitionID, _, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return "", nil, err
	}
	if by == other {
		return "", nil, ErrDutySame
	}
	if other == s.mx.BotUserID() || !s.mx.IsJoined(ctx, roomID, other) || !s.mx.IsJoined(ctx, roomID, by) {
		return "", nil, ErrDutyNotMember
	}
	rota, err := s.db.DutyRota.Get(ctx, coalitionID)
	if err != nil {
		return "", nil, err
	}
	if rota == nil {
		return "", nil, ErrDutyNotOnRota
	}
	return coalitionID, rota, nil
}

// offer posts text, which pages the person whose consent it awaits, and
// keeps the covers it proposes until they agree.
func (s *Service) offer(ctx context.Context, roomID id.RoomID, awaiting id.UserID, text string, covers ...*database.DutyCover) error {
	eventID, err := s.mx.SendOnce(ctx, roomID, mxtext.Page(text, []id.UserID{awaiting}), txnid.Unique(), rooms.Bot)
	if err != nil {
		return err
	}
	for _, c := range covers {
		c.OfferEvent, c.Awaiting = eventID, awaiting
	}
	return s.db.DutyCover.Insert(ctx, covers...)
}

// consent takes a ✅ on an offer as its consent, when it is from the person
// it awaits, in the room it was made in, in time; anything else is nothing.
func (s *Service) consent(ctx context.Context, evt *event.Event, offer id.EventID) (bool, error) {
	covers, err := s.db.DutyCover.Offer(ctx, offer)
	if err != nil || len(covers) == 0 || covers[0].Awaiting != evt.Sender {
		return false, err
	}
	if coalitionID, _, err := s.responderCoalition(ctx, evt.RoomID); err != nil || coalitionID != covers[0].CoalitionID {
		return false, nil
	}
	agreed, err := s.db.DutyCover.Confirm(ctx, offer, evt.Sender, s.now().Add(-offerTTL))
	if err != nil || !agreed {
		return false, err
	}
	s.log.Info().Str("coalition_id", covers[0].CoalitionID).Int("covers", len(covers)).Msg("Duty cover agreed")
	return true, s.announceCovers(ctx, evt.RoomID, covers)
}

// announceCovers tells the responder room what now stands, in the zone of
// each covered person.
func (s *Service) announceCovers(ctx context.Context, roomID id.RoomID, covers []*database.DutyCover) error {
	lang := s.rooms.Language(ctx, roomID)
	lines := make([]string, len(covers))
	for i, c := range covers {
		zone := s.rooms.PersonZone(ctx, c.Person)
		lines[i] = s.l10n.Text(lang, msgCoverAgreed, map[string]any{
			"Cover": format.SafeMarkdownCode(c.Cover.String()), "Person": format.SafeMarkdownCode(c.Person.String()),
			"From": localTime(c.Start, zone), "Until": localTime(c.Until, zone), "Zone": zone.String(),
		})
	}
	_, err := s.mx.SendMarkdown(ctx, roomID, strings.Join(lines, "\n\n"), rooms.Bot)
	return err
}

// localTime is t as people in zone read it.
func localTime(t time.Time, zone *time.Location) string {
	return t.In(zone).Format("Mon 2006-01-02 15:04")
}
