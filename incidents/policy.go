package incidents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/rooms"
)

// Step is how one severity escalates while nobody acknowledges.
type Step struct {
	// First is the wait before the first escalation; zero means never.
	First time.Duration `json:"first"`
	// Every is the wait between later escalations.
	Every time.Duration `json:"every"`
	// Times is how many escalations there are at most.
	Times int `json:"times"`
	// Mention these users (on call) as well as the responder room's members.
	OnCall []id.UserID `json:"on_call,omitempty"`
	// Also post to this room.
	Room id.RoomID `json:"room,omitempty"`
	// AckTimeout is how long a taken incident may stay unresolved: then
	// its taker is paged again and it escalates again. Zero: for ever.
	AckTimeout time.Duration `json:"ack_timeout,omitempty"`
	// Pages names whom each escalation pages while there is a duty rota:
	// "duty" (the person on duty), "backup" (also the next one) or "room";
	// unset, DefaultPages. The last escalation always pages the room.
	Pages []string `json:"pages,omitempty"`
}

// DefaultPages: the person on duty, then also the backup, then the room.
var DefaultPages = []string{PageDuty, PageBackup}

// Whom an escalation pages while there is a duty rota.
const (
	PageDuty   = "duty"
	PageBackup = "backup"
	PageRoom   = "room"
)

// pages is whom escalation n pages while there is a rota.
func (s Step) pages(n int) string {
	targets := s.Pages
	if targets == nil {
		targets = DefaultPages
	}
	if n+1 >= max(s.Times, 1) || n >= len(targets) {
		return PageRoom
	}
	return targets[n]
}

// Policy maps a severity to its escalation.
type Policy map[string]Step

// Severities from least to most serious.
var Severities = []string{"low", "medium", "high", "critical"}

// DefaultPolicy is SPEC.md's: critical after 5 min then every 15 min, 3
// times; high after 15 min; medium after 60 min; low never. A critical
// incident taken and not resolved within an hour (high: four) comes back.
func DefaultPolicy() Policy {
	return Policy{
		"critical": {First: 5 * time.Minute, Every: 15 * time.Minute, Times: 3, AckTimeout: time.Hour},
		"high":     {First: 15 * time.Minute, Times: 1, AckTimeout: 4 * time.Hour},
		"medium":   {First: time.Hour, Times: 1},
		"low":      {},
	}
}

// loadPolicy reads a stored policy over the defaults.
func loadPolicy(raw string) Policy {
	p := DefaultPolicy()
	if raw == "" {
		return p
	}
	var stored Policy
	if err := json.Unmarshal([]byte(raw), &stored); err == nil {
		for k, v := range stored {
			p[k] = v
		}
	}
	return p
}

// delay is the wait before escalation number n (0-based), or false when
// there is none.
func (s Step) delay(n int) (time.Duration, bool) {
	if s.First <= 0 || n >= max(s.Times, 1) {
		return 0, false
	}
	if n == 0 {
		return s.First, true
	}
	every := s.Every
	if every <= 0 {
		every = s.First
	}
	return every, true
}

// ParseStep reads "never" or "<first> [every <interval>] [x<times>]
// [oncall @a @b] [room !id:server] [ack <timeout>] [pages duty,backup,room]",
// e.g. "5m every 15m x3 ack 1h".
func ParseStep(args []string) (Step, error) {
	if len(args) == 1 && strings.EqualFold(args[0], "never") {
		return Step{}, nil
	}
	var s Step
	s.Times = 1
	for i := 0; i < len(args); i++ {
		a := strings.ToLower(args[i])
		switch {
		case i == 0:
			d, err := parseDelay(a)
			if err != nil {
				return Step{}, err
			}
			s.First = d
		case a == "every" && i+1 < len(args):
			d, err := parseDelay(args[i+1])
			if err != nil {
				return Step{}, err
			}
			s.Every = d
			i++
		case strings.HasPrefix(a, "x"):
			n, err := strconv.Atoi(a[1:])
			if err != nil || n < 1 || n > 20 {
				return Step{}, fmt.Errorf("bad repeat count %q", args[i])
			}
			s.Times = n
		case a == "oncall":
			for i+1 < len(args) && strings.HasPrefix(args[i+1], "@") {
				u := id.UserID(args[i+1])
				if _, _, err := u.Parse(); err != nil {
					return Step{}, fmt.Errorf("bad user %q", args[i+1])
				}
				s.OnCall = append(s.OnCall, u)
				i++
			}
		case a == "ack" && i+1 < len(args):
			d, err := parseDelay(args[i+1])
			if err != nil {
				return Step{}, err
			}
			s.AckTimeout = d
			i++
		case a == "pages" && i+1 < len(args):
			s.Pages = nil
			if strings.Count(args[i+1], ",") >= 20 {
				return Step{}, fmt.Errorf("too many page targets")
			}
			for _, p := range strings.Split(strings.ToLower(args[i+1]), ",") {
				if p != PageDuty && p != PageBackup && p != PageRoom {
					return Step{}, fmt.Errorf("bad page target %q", p)
				}
				s.Pages = append(s.Pages, p)
			}
			i++
		case a == "room" && i+1 < len(args) && strings.HasPrefix(args[i+1], "!"):
			s.Room = id.RoomID(args[i+1])
			i++
		default:
			return Step{}, fmt.Errorf("unexpected %q", args[i])
		}
	}
	if s.Times > 1 && s.Every == 0 {
		s.Every = s.First
	}
	return s, nil
}

func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.ToLower(s))
	if err != nil || d < time.Second || d > 7*24*time.Hour {
		return 0, fmt.Errorf("bad delay %q", s)
	}
	return d, nil
}

// String shows a step as it is typed.
func (s Step) String() string {
	if s.First <= 0 {
		return "never"
	}
	out := s.First.String()
	if s.Times > 1 {
		out += fmt.Sprintf(" every %s x%d", s.Every, s.Times)
	}
	for i, u := range s.OnCall {
		if i == 0 {
			out += " oncall"
		}
		out += " " + u.String()
	}
	if s.Room != "" {
		out += " room " + s.Room.String()
	}
	if s.AckTimeout > 0 {
		out += " ack " + s.AckTimeout.String()
	}
	if s.Pages != nil {
		out += " pages " + strings.Join(s.Pages, ",")
	}
	return out
}

// ErrResponderChanged: the responder role, or the room's place in the
// coalition, changed while the move was being decided (someone else moved
// it, or the room was taken out); nothing was moved.
var ErrResponderChanged = errors.New("the responder role changed meanwhile")

// ErrWatchRoom: the coalition's watch circle cannot be its responder room.
var ErrWatchRoom = errors.New("the watch circle cannot be the responder room")

// ErrNeedResponderModerator: the responder role moves only on the word of
// a moderator of the room that has it (unless the bot is no longer there).
var ErrNeedResponderModerator = errors.New("only a moderator of the current responder room can move the responder role")

// SetResponderRoom makes the room its coalition's responder room. Taking
// the role from another room needs a moderator of that room, by its current
// power levels; both rooms are told.
func (s *Service) SetResponderRoom(ctx context.Context, roomID id.RoomID, by id.UserID) error {
	member, err := s.rooms.Membership(ctx, roomID)
	if err != nil {
		return err
	}
	if member == nil {
		return ErrNoCoalition
	}
	if err = s.checkEncrypted(ctx, roomID); err != nil {
		return err
	}
	// Briefings go from the watch circle to every room: what responders
	// say there would too.
	if watch, err := s.rooms.WatchRoom(ctx, member.CoalitionID); err != nil {
		return err
	} else if watch == roomID {
		return ErrWatchRoom
	}
	current, _, err := s.db.Incident.ResponderRoom(ctx, member.CoalitionID)
	if err != nil {
		return err
	}
	if current == roomID {
		return nil
	}
	// Whose word moves the role: the responder room's, or, while it is
	// vacant because others took that room out, the former one's.
	holder := current
	if holder == "" {
		if holder, err = s.db.Incident.FormerResponder(ctx, member.CoalitionID); err != nil {
			return err
		}
	}
	if holder != "" && holder != roomID && s.mx.IsJoined(ctx, holder, s.mx.BotUserID()) {
		level, err := s.mx.PowerLevel(ctx, holder, by)
		if err != nil {
			return err
		}
		if level < s.settings.ModeratorLevel {
			return ErrNeedResponderModerator
		}
	}
	if moved, err := s.db.Incident.MoveResponderRoom(ctx, member.CoalitionID, current, roomID); err != nil {
		return err
	} else if !moved {
		return ErrResponderChanged
	}
	s.log.Info().Stringer("room_id", roomID).Stringer("by", by).Msg("Responder room set")
	if holder != "" && holder != roomID && s.mx.IsJoined(ctx, holder, s.mx.BotUserID()) {
		text := s.l10n.Text(s.rooms.Language(ctx, holder), msgResponderMoved, map[string]any{
			"Room": "**" + format.EscapeMarkdown(s.mx.RoomName(ctx, roomID)) + "**", "Who": format.SafeMarkdownCode(by.String())})
		if _, err := s.mx.SendMarkdown(ctx, holder, text, rooms.Bot); err != nil {
			s.log.Warn().Err(err).Msg("Failed to tell the old responder room that the role moved")
		}
	}
	// Reports still waiting for the old room (gone, or unencrypted) go here.
	if err = s.db.Incident.Reassign(ctx, member.CoalitionID, roomID); err != nil {
		return err
	}
	s.poke() // reports waiting for responders can go now
	return nil
}

// ErrNotEncrypted means a room is not end-to-end encrypted, so reports may
// not be posted there.
var ErrNotEncrypted = errors.New("responder room is not encrypted")

func (s *Service) checkEncrypted(ctx context.Context, roomID id.RoomID) error {
	encrypted, err := s.rooms.IsEncrypted(ctx, roomID)
	if err != nil {
		return err
	}
	if !encrypted {
		return fmt.Errorf("%w: %s", ErrNotEncrypted, roomID)
	}
	return nil
}

// ErrNoCoalition means the room is in no coalition.
var ErrNoCoalition = errors.New("room is in no coalition")

// ErrNotResponderRoom: the escalation policy belongs to the responder room.
var ErrNotResponderRoom = errors.New("not the coalition's responder room")

// ErrBadEscalationRoom: escalations may also go to a room only when it is
// encrypted, is no direct chat, and both the bot and the person setting it
// are in it.
var ErrBadEscalationRoom = errors.New("escalations cannot go to that room")

// responderCoalition returns the coalition whose responder room this is.
func (s *Service) responderCoalition(ctx context.Context, roomID id.RoomID) (string, string, error) {
	member, err := s.rooms.Membership(ctx, roomID)
	if err != nil {
		return "", "", err
	}
	if member == nil {
		return "", "", ErrNoCoalition
	}
	room, raw, err := s.db.Incident.ResponderRoom(ctx, member.CoalitionID)
	if err != nil {
		return "", "", err
	}
	if room != roomID {
		return "", "", ErrNotResponderRoom
	}
	return member.CoalitionID, raw, nil
}

// SetPolicy sets one severity's escalation, from the responder room only:
// it names who is paged and where.
func (s *Service) SetPolicy(ctx context.Context, roomID id.RoomID, by id.UserID, severity string, step Step) (Policy, error) {
	coalitionID, raw, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return nil, err
	}
	if step.Room != "" {
		if err = s.checkEscalationRoom(ctx, step.Room, by); err != nil {
			return nil, err
		}
	}
	p := loadPolicy(raw)
	p[severity] = step
	data, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return p, s.db.Incident.SetPolicy(ctx, coalitionID, string(data))
}

func (s *Service) checkEscalationRoom(ctx context.Context, roomID id.RoomID, by id.UserID) error {
	if !s.mx.IsJoined(ctx, roomID, s.mx.BotUserID()) || !s.mx.IsJoined(ctx, roomID, by) {
		return ErrBadEscalationRoom
	}
	if encrypted, err := s.rooms.IsEncrypted(ctx, roomID); err != nil {
		return err
	} else if !encrypted {
		return ErrBadEscalationRoom
	}
	if person, err := s.mx.DirectChat(ctx, roomID); err != nil {
		return err
	} else if person != "" {
		return ErrBadEscalationRoom
	}
	return nil
}

// PolicyOf returns the coalition's policy, to its responder room only.
func (s *Service) PolicyOf(ctx context.Context, roomID id.RoomID) (Policy, error) {
	_, raw, err := s.responderCoalition(ctx, roomID)
	if err != nil {
		return nil, err
	}
	return loadPolicy(raw), nil
}
