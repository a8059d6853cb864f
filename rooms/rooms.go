// Package rooms is the one authority on what a room is: its role (direct
// chat, member room, responder room), its coalition, its language and zone
// with the configured defaults, its encryption, and which rooms content from
// it may reach. Domain packages ask it; none decides these things itself.
//
// It reads Starling's tables and the bot's view of room state through the
// small Matrix interface; it must not import the bot, mautrix's client or
// any domain package.
package rooms

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/translate"
)

// Matrix is what the authority needs from the bot's view of room state.
type Matrix interface {
	BotUserID() id.UserID
	IsEncrypted(ctx context.Context, roomID id.RoomID) (bool, error)
	// Members lists who is joined and who is invited, as the bot last synced.
	Members(ctx context.Context, roomID id.RoomID) (joined, invited []id.UserID, err error)
	// JoinRule is the room's join rule ("" when unknown).
	JoinRule(ctx context.Context, roomID id.RoomID) event.JoinRule
	// IsJoined tells whether the user is in the room now.
	IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool
}

// Settings are the configured defaults for rooms that chose none.
type Settings struct {
	DefaultLanguage string
	DefaultTimezone string
}

// Authority answers what a room is.
type Authority struct {
	db       *database.Database
	mx       Matrix
	settings Settings
}

// New builds the authority over the bot's tables and room state.
func New(db *database.Database, mx Matrix, settings Settings) *Authority {
	return &Authority{db: db, mx: mx, settings: settings}
}

// Room is what one room is now.
type Room struct {
	ID id.RoomID
	// Language and Timezone are the room's, or the configured defaults.
	Language string
	Timezone string
	// Mixed rooms speak several languages: each message's is detected
	// (MessageLanguage), and Language is the one the bot answers in.
	Mixed bool
	// Encrypted is the room's current state: it decides where content may
	// go, never whether content that arrived was encrypted (see Origin).
	Encrypted bool
	// Coalition is the id of the room's coalition, "" when it has none.
	Coalition string
	// Paused rooms send nothing to their coalition.
	Paused bool
	// Responder is set for the coalition's responder room.
	Responder bool
	// Watch is set for the coalition's watch circle: its briefings reach
	// every room.
	Watch bool
}

// Get describes the room.
func (a *Authority) Get(ctx context.Context, roomID id.RoomID) (*Room, error) {
	row, err := a.db.Room.Get(ctx, roomID)
	if err != nil {
		return nil, err
	}
	r := &Room{ID: roomID, Language: cmp.Or(row.Language, a.settings.DefaultLanguage), Timezone: cmp.Or(row.Timezone, a.settings.DefaultTimezone),
		Mixed: row.Mixed}
	if r.Encrypted, err = a.mx.IsEncrypted(ctx, roomID); err != nil {
		return nil, err
	}
	member, err := a.db.CoalitionRoom.Get(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if member != nil {
		r.Coalition, r.Paused = member.CoalitionID, member.Paused
		responder, _, err := a.db.Incident.ResponderRoom(ctx, member.CoalitionID)
		if err != nil {
			return nil, err
		}
		r.Responder = responder == roomID
		watch, err := a.db.WatchRoom.Get(ctx, member.CoalitionID)
		if err != nil {
			return nil, err
		}
		r.Watch = watch == roomID
	}
	return r, nil
}

// IsEncrypted tells whether the room is encrypted now, which decides where
// content may go.
func (a *Authority) IsEncrypted(ctx context.Context, roomID id.RoomID) (bool, error) {
	return a.mx.IsEncrypted(ctx, roomID)
}

// Language is the room's language or the default.
func (a *Authority) Language(ctx context.Context, roomID id.RoomID) string {
	lang, _ := a.Place(ctx, roomID)
	return lang
}

// MessageLanguage is the language a message of the room is written in: the
// room's, or in a mixed room the one detected in text (the room's when
// detection is unsure). detected tells which.
func (a *Authority) MessageLanguage(ctx context.Context, roomID id.RoomID, text string) (lang string, detected bool) {
	row, err := a.db.Room.Get(ctx, roomID)
	if err == nil && row.Mixed {
		if lang, sure := translate.Detect(text); sure {
			return lang, true
		}
	}
	return a.Language(ctx, roomID), false
}

// Place is the room's language and zone, each the default where the room
// chose none (or cannot be read now).
func (a *Authority) Place(ctx context.Context, roomID id.RoomID) (lang, zone string) {
	lang, zone = a.settings.DefaultLanguage, a.settings.DefaultTimezone
	row, err := a.db.Room.Get(ctx, roomID)
	if err != nil {
		return lang, zone
	}
	if row.Language != "" {
		lang = row.Language
	}
	if row.Timezone != "" {
		zone = row.Timezone
	}
	return lang, zone
}

// PersonLanguage is the language the person chose, else the default: what
// the bot says in their direct chat is in it.
func (a *Authority) PersonLanguage(ctx context.Context, userID id.UserID) string {
	if p, err := a.db.Person.Get(ctx, userID); err == nil && p.Language != "" {
		return p.Language
	}
	return a.settings.DefaultLanguage
}

// Defaults are the configured language and zone of rooms and people that
// chose none.
// Away tells whether the person said they are away on the day at falls on
// in their zone.
func (a *Authority) Away(ctx context.Context, userID id.UserID, at time.Time) bool {
	p, err := a.db.Person.Get(ctx, userID)
	if err != nil || p.AwayFrom == "" {
		return false
	}
	day := at.In(a.PersonZone(ctx, userID)).Format(time.DateOnly)
	return p.AwayFrom <= day && day <= p.AwayUntil
}

// Quiet tells whether at falls in the person's quiet hours, and when they
// end.
func (a *Authority) Quiet(ctx context.Context, userID id.UserID, at time.Time) (bool, time.Time) {
	p, err := a.db.Person.Get(ctx, userID)
	if err != nil || p.QuietStart < 0 || p.QuietEnd < 0 || p.QuietStart == p.QuietEnd {
		return false, time.Time{}
	}
	local := at.In(a.PersonZone(ctx, userID))
	minute := local.Hour()*60 + local.Minute()
	end := func(dayOffset int) time.Time {
		return time.Date(local.Year(), local.Month(), local.Day()+dayOffset, p.QuietEnd/60, p.QuietEnd%60, 0, 0, local.Location())
	}
	switch {
	case p.QuietStart < p.QuietEnd && minute >= p.QuietStart && minute < p.QuietEnd:
		return true, end(0)
	case p.QuietStart > p.QuietEnd && minute >= p.QuietStart:
		return true, end(1) // past midnight: they end tomorrow
	case p.QuietStart > p.QuietEnd && minute < p.QuietEnd:
		return true, end(0)
	}
	return false, time.Time{}
}

// PersonZone is the person's own zone, else the default zone.
func (a *Authority) PersonZone(ctx context.Context, userID id.UserID) *time.Location {
	zone := a.settings.DefaultTimezone
	if p, err := a.db.Person.Get(ctx, userID); err == nil && p.Timezone != "" {
		zone = p.Timezone
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		return loc
	}
	return time.UTC
}

func (a *Authority) Defaults() Settings { return a.settings }

// DirectChat returns the person the room is a direct chat with, or "" when
// it is not one. A direct chat was meant as one (the bot made it, or its
// invite said is_direct) and it is one now: encrypted, closed to people who
// were not invited, with exactly the bot (joined) and one person, joined or
// invited to a room the bot made for them. The state is checked each time:
// a claim of is_direct proves nothing, and a room stops being a direct chat
// the moment a third person is invited or joins. A room someone set up with
// only the bot in it so far is a shared room, not a direct chat.
func (a *Authority) DirectChat(ctx context.Context, roomID id.RoomID) (id.UserID, error) {
	row, err := a.db.Room.Get(ctx, roomID)
	if err != nil || !row.Direct {
		return "", err // not meant as one: no need to look further
	}
	encrypted, err := a.mx.IsEncrypted(ctx, roomID)
	if err != nil || !encrypted {
		return "", err
	}
	joined, invited, err := a.mx.Members(ctx, roomID)
	if err != nil {
		return "", fmt.Errorf("failed to get members of %s: %w", roomID, err)
	}
	return directPerson(Membership{
		Bot: a.mx.BotUserID(), Claimed: row.Direct, Joined: joined, Invited: invited,
		MadeFor: row.DirectFor, Encrypted: encrypted, JoinRule: a.mx.JoinRule(ctx, roomID),
	}), nil
}

// IsDirectChatWith tells whether the room is a direct chat with the user.
func (a *Authority) IsDirectChatWith(ctx context.Context, roomID id.RoomID, userID id.UserID) (bool, error) {
	person, err := a.DirectChat(ctx, roomID)
	return person != "" && person == userID, err
}

// Membership is the state a direct chat is judged by.
type Membership struct {
	Bot id.UserID
	// Claimed: the bot made the room as a direct chat, or was invited to it as one.
	Claimed         bool
	Joined, Invited []id.UserID
	// MadeFor is the person the bot created the room for ("" otherwise).
	MadeFor   id.UserID
	Encrypted bool
	JoinRule  event.JoinRule
}

// directPerson is the rule of a direct chat, on state alone.
func directPerson(m Membership) id.UserID {
	if !m.Claimed || !m.Encrypted || m.Bot == "" {
		return ""
	}
	switch m.JoinRule {
	case "", event.JoinRuleInvite, event.JoinRuleKnock, event.JoinRulePrivate:
	default:
		return "" // public or restricted: anyone may walk in
	}
	botJoined := false
	var others []id.UserID
	seen := map[id.UserID]bool{}
	for _, u := range m.Joined {
		if u == m.Bot {
			botJoined = true
		} else if !seen[u] {
			seen[u] = true
			others = append(others, u)
		}
	}
	person, personJoined := id.UserID(""), false
	if len(others) == 1 {
		person, personJoined = others[0], true
	}
	for _, u := range m.Invited {
		if u == m.Bot || seen[u] {
			continue
		}
		seen[u] = true
		if person != "" {
			return "" // a third person may walk in at any moment
		}
		person = u
	}
	if !botJoined || len(seen) != 1 || person == "" {
		return ""
	}
	if !personJoined && person != m.MadeFor {
		return ""
	}
	return person
}
