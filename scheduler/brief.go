package scheduler

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/rooms"
)

// A briefing is a check-in that asks for nothing but reading: the watch
// circle's text, posted once in every room of the coalition (the
// responder room aside) in its language and pinned where the bot may; a
// reaction to a room's copy says the room read it; the rooms that have not
// are chased once, halfway through the window; at its end the watch room
// is told who read it. A digest gathers the briefings since its previous
// occurrence, on a schedule of its own.

var (
	msgBriefPost = &i18n.Message{ID: "BriefPost",
		Description: "A briefing as every room receives it. Room is the watch room's name in bold, ID the briefing's id in code, Text the briefing (translated), Original the text as written (empty when the same).",
		Other:       "📣 **Briefing** {{.ID}} from {{.Room}}\n\n{{.Text}}{{.Original}}\n\nReact to this message when your room has read it."}
	msgBriefOriginal = &i18n.Message{ID: "BriefOriginal", Description: "After a translated briefing. Lang is a language code, Text the original in quotes.",
		Other: "\n\n_original ({{.Lang}}): {{.Text}}_"}
	msgBriefChase = &i18n.Message{ID: "BriefChase", Description: "Sent once to a room that has not reacted to a briefing. ID is in code, Room the watch room in bold.",
		Other: "Has this room read briefing {{.ID}} from {{.Room}}? React to it, above, once it has."}
	msgBriefSummary = &i18n.Message{ID: "BriefSummary", Description: "To the watch room when a briefing's window ends. ID is in code, Read and Total numbers.",
		One: "Briefing {{.ID}}: {{.Read}} of {{.Total}} room read it.", Other: "Briefing {{.ID}}: {{.Read}} of {{.Total}} rooms read it."}
	msgBriefUnread  = &i18n.Message{ID: "BriefUnread", Description: "Rooms is a list of room names.", Other: "Not read: {{.Rooms}}."}
	msgBriefAllRead = &i18n.Message{ID: "BriefAllRead", Other: "Every room has read it."}
	msgDigestHeader = &i18n.Message{ID: "DigestHeader", Description: "Room is the watch room in bold; Count a number of briefings.",
		One: "🗞️ This week's briefing from {{.Room}}:", Other: "🗞️ This week's {{.Count}} briefings from {{.Room}}:"}
	msgDigestEmpty = &i18n.Message{ID: "DigestEmpty", Description: "Room is the watch room in bold.", Other: "🗞️ No briefing from {{.Room}} this week."}
)

// Errors of briefings a person is told about.
var (
	ErrNotWatchRoom = errors.New("briefings are posted from the coalition's watch room")
	ErrNoBriefing   = errors.New("no such briefing here")
	// ErrNeedWatchModerator: the watch circle moves only on the word of a
	// moderator of the room that has it (unless the bot is no longer there).
	ErrNeedWatchModerator = errors.New("only a moderator of the current watch room can move the role")
	ErrWatchChanged       = errors.New("the watch room changed meanwhile")
	ErrNotLinked          = errors.New("the room is in no coalition")
	ErrResponderRoom      = errors.New("the responder room cannot be the watch circle")
)

const (
	// maxDigestBriefs and maxDigestRunes bound a digest: the latest
	// briefings, each cut short; !brief status and the pins have them whole.
	maxDigestBriefs = 20
	maxDigestRunes  = 280
)

var msgWatchMoved = &i18n.Message{ID: "WatchMoved", Description: "Room is the new watch room in bold; Who a user id in code.",
	Other: "{{.Who}} made {{.Room}} the coalition's watch circle: briefings come from there now."}

// SetWatchRoom makes room its coalition's watch circle. Taking the role
// from another room needs a moderator of that room (level or more), by its
// current power levels, unless the bot is no longer there; that room is
// told.
func (s *Scheduler) SetWatchRoom(ctx context.Context, room id.RoomID, by id.UserID, level int) error {
	r, err := s.authority.Get(ctx, room)
	if err != nil {
		return err
	}
	switch {
	case r.Coalition == "":
		return ErrNotLinked
	case r.Responder:
		return ErrResponderRoom
	case r.Watch:
		return nil
	}
	current, err := s.authority.WatchRoom(ctx, r.Coalition)
	if err != nil {
		return err
	}
	if current != "" {
		members, err := s.mx.JoinedMembers(ctx, current)
		if err != nil {
			return err
		}
		if slices.Contains(members, s.mx.BotUserID()) {
			have, err := s.mx.PowerLevel(ctx, current, by)
			if err != nil {
				return err
			}
			if have < level {
				return ErrNeedWatchModerator
			}
		}
	}
	if moved, err := s.authority.MoveWatchRoom(ctx, r.Coalition, current, room); err != nil {
		return err
	} else if !moved {
		return ErrWatchChanged
	}
	if current != "" {
		lang, _ := s.roomSettings(ctx, current)
		text := s.l10n.Text(lang, msgWatchMoved, map[string]any{"Room": bold(s.mx.RoomName(ctx, room)), "Who": format.SafeMarkdownCode(by.String())})
		if _, err = s.mx.SendMarkdown(ctx, current, text, rooms.Bot); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Msg("Failed to tell the old watch room that the role moved")
		}
	}
	return nil
}

// briefWindow is how long a briefing collects its reads: a day.
const briefWindow = 24 * time.Hour

// Brief posts a briefing from the watch room now. It returns the briefing.
func (s *Scheduler) Brief(ctx context.Context, room id.RoomID, by id.UserID, text string, from rooms.Origin) (*database.Schedule, error) {
	r, err := s.authority.Get(ctx, room)
	if err != nil {
		return nil, err
	}
	if !r.Watch {
		return nil, ErrNotWatchRoom
	}
	if r.Responder {
		return nil, ErrResponderRoom
	}
	if !TextFits(text) {
		return nil, ErrTextTooLong
	}
	now := s.clock.Now()
	_, loc := s.roomSettings(ctx, room)
	sc := &database.Schedule{Kind: database.KindBrief, RoomID: room, CoalitionID: r.Coalition, CreatedBy: by, CreatedAt: now,
		Zone: loc.String(), Text: text, Lang: r.Language, Window: briefWindow, Encrypted: from.Encrypted}
	if err = s.db.Schedule.Insert(ctx, sc); err != nil {
		return nil, err
	}
	s.mu.Lock()
	err = s.addLocked(sc)
	s.mu.Unlock()
	s.poke()
	return sc, err
}

// briefOccurrence is a briefing's one occurrence: when it was made.
func briefOccurrence(sc *database.Schedule, loc *time.Location) Rule {
	return &Once{Time: sc.CreatedAt.Add(time.Millisecond).In(loc)}
}

// windowed tells whether a kind of schedule collects answers over a window
// (reports to a check-in, reads of a briefing).
func windowed(kind string) bool { return kind == database.KindCheckin || kind == database.KindBrief }

// briefText is briefing sc as room reads it.
func (s *Scheduler) briefText(ctx context.Context, sc *database.Schedule, room id.RoomID) string {
	lang, _ := s.roomSettings(ctx, room)
	text := s.translateFor(ctx, sc.Text, sc.Lang, lang)
	original := ""
	if text != sc.Text {
		original = s.l10n.Text(lang, msgBriefOriginal, map[string]any{"Lang": sc.Lang, "Text": "“" + format.EscapeMarkdown(sc.Text) + "”"})
	}
	return s.l10n.Text(lang, msgBriefPost, map[string]any{
		"ID": format.SafeMarkdownCode(ShortID(sc)), "Room": bold(s.mx.RoomName(ctx, sc.RoomID)),
		"Text": format.EscapeMarkdown(text), "Original": original,
	})
}

// postBrief posts the briefing in every room and pins it where it can.
func (s *Scheduler) postBrief(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	targets, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	for _, room := range targets {
		eventID, err := s.post(ctx, sc, occ.At, "brief", room, s.briefText(ctx, sc, room), origin(sc))
		if err != nil {
			return fmt.Errorf("failed to post briefing in %s: %w", room, err)
		}
		if eventID != "" {
			if err = s.mx.Pin(ctx, room, eventID); err != nil {
				zerolog.Ctx(ctx).Debug().Err(err).Stringer("target_room", room).Msg("Did not pin a briefing")
			}
		}
	}
	return nil
}

// chaseBrief asks, once, the rooms that have not read the briefing.
func (s *Scheduler) chaseBrief(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	targets, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	read, err := s.reportedRooms(ctx, sc, occ)
	if err != nil {
		return err
	}
	for _, room := range targets {
		if read[room] || room == sc.RoomID || s.everyoneAway(ctx, room) {
			continue
		}
		lang, _ := s.roomSettings(ctx, room)
		text := s.l10n.Text(lang, msgBriefChase, map[string]any{"ID": format.SafeMarkdownCode(ShortID(sc)), "Room": bold(s.mx.RoomName(ctx, sc.RoomID))})
		if _, err = s.post(ctx, sc, occ.At, "remind", room, text, rooms.Bot); err != nil {
			return fmt.Errorf("failed to chase %s: %w", room, err)
		}
	}
	return nil
}

// BriefStatus says, in lang, which rooms have read briefing sc and which
// have not.
func (s *Scheduler) BriefStatus(ctx context.Context, sc *database.Schedule, lang string) (string, error) {
	targets, err := s.rooms(ctx, sc)
	if err != nil {
		return "", err
	}
	occ, err := s.db.Occurrence.Get(ctx, sc.ID, sc.LastOccurrence)
	if err != nil {
		return "", err
	}
	read := map[id.RoomID]bool{}
	if occ != nil {
		if read, err = s.reportedRooms(ctx, sc, occ); err != nil {
			return "", err
		}
	}
	var unread []string
	n := 0
	for _, room := range targets {
		switch {
		case room == sc.RoomID:
		case read[room]:
			n++
		default:
			unread = append(unread, bold(s.mx.RoomName(ctx, room)))
		}
	}
	total := n + len(unread)
	text := s.l10n.Plural(lang, msgBriefSummary, total, map[string]any{"ID": format.SafeMarkdownCode(ShortID(sc)), "Read": n, "Total": total})
	if len(unread) > 0 {
		return text + " " + s.l10n.Text(lang, msgBriefUnread, map[string]any{"Rooms": strings.Join(unread, ", ")}), nil
	}
	return text + " " + s.l10n.Text(lang, msgBriefAllRead, nil), nil
}

// summariseBrief tells the watch room, at the end of the window, who read it.
func (s *Scheduler) summariseBrief(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	lang, _ := s.roomSettings(ctx, sc.RoomID)
	text, err := s.BriefStatus(ctx, sc, lang)
	if err != nil {
		return err
	}
	_, err = s.post(ctx, sc, occ.At, "summary", sc.RoomID, text, rooms.Bot)
	return err
}

// LatestBrief is the briefing the watch room means: the one named, else
// the latest of its coalition.
func (s *Scheduler) LatestBrief(ctx context.Context, room id.RoomID, named int64) (*database.Schedule, error) {
	coalitionID, err := s.authority.CoalitionOf(ctx, room)
	if err != nil {
		return nil, err
	}
	scheds, err := s.db.Schedule.Visible(ctx, room, coalitionID)
	if err != nil {
		return nil, err
	}
	var latest *database.Schedule
	for _, sc := range scheds {
		if sc.Kind == database.KindBrief && sc.CoalitionID == coalitionID && (named == 0 || sc.ID == named) {
			latest = sc
		}
	}
	if latest == nil {
		return nil, ErrNoBriefing
	}
	return latest, nil
}

// AddDigest schedules a digest of the watch room's briefings, posted in
// every room at each occurrence of when.
func (s *Scheduler) AddDigest(ctx context.Context, room id.RoomID, by id.UserID, when string, from rooms.Origin) (*database.Schedule, time.Time, error) {
	r, err := s.authority.Get(ctx, room)
	if err != nil {
		return nil, time.Time{}, err
	}
	if !r.Watch {
		return nil, time.Time{}, ErrNotWatchRoom
	}
	if r.Responder {
		return nil, time.Time{}, ErrResponderRoom
	}
	return s.Add(ctx, NewSchedule{Kind: database.KindDigest, RoomID: room, By: by, When: when, Window: vigilLateWindow, From: from})
}

// digestStep posts what is due of a digest: each occurrence once, in every
// room, a missed one only within its window.
func (s *Scheduler) digestStep(ctx context.Context, e *entry) error {
	sc := e.sched
	now := s.clock.Now()
	for i := 0; i < 10_000; i++ {
		n := nextOccurrence(sc, e.rule)
		if n.IsZero() || n.After(now) {
			return nil
		}
		since := sc.LastOccurrence
		if since.IsZero() {
			since = n.AddDate(0, 0, -7)
		}
		if now.Sub(n) < sc.Window {
			if err := s.postDigest(ctx, sc, n, since); err != nil {
				return err
			}
		}
		if _, err := s.db.Schedule.Advance(ctx, sc.ID, n, true); err != nil {
			return err
		}
		sc.LastOccurrence, sc.Occurrences = n, sc.Occurrences+1
	}
	return nil
}

// postDigest posts the briefings made between since and at, each room in
// its language.
func (s *Scheduler) postDigest(ctx context.Context, sc *database.Schedule, at, since time.Time) error {
	// A room taken out of the coalition takes none of its briefings along.
	if coalitionID, err := s.authority.CoalitionOf(ctx, sc.RoomID); err != nil || coalitionID != sc.CoalitionID {
		return err
	}
	scheds, err := s.db.Schedule.Visible(ctx, sc.RoomID, sc.CoalitionID)
	if err != nil {
		return err
	}
	var briefs []*database.Schedule
	from := rooms.Bot
	for _, b := range scheds {
		if b.Kind == database.KindBrief && b.CoalitionID == sc.CoalitionID && !b.CreatedAt.Before(since) && b.CreatedAt.Before(at) {
			briefs = append(briefs, b)
			from = from.With(origin(b))
		}
	}
	targets, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	for _, room := range targets {
		lang, loc := s.roomSettings(ctx, room)
		watch := bold(s.mx.RoomName(ctx, sc.RoomID))
		text := s.l10n.Text(lang, msgDigestEmpty, map[string]any{"Room": watch})
		if len(briefs) > 0 {
			text = s.l10n.Plural(lang, msgDigestHeader, len(briefs), map[string]any{"Room": watch})
			for _, b := range briefs[max(len(briefs)-maxDigestBriefs, 0):] {
				text += fmt.Sprintf("\n- %s %s — %s", format.SafeMarkdownCode(ShortID(b)), b.CreatedAt.In(loc).Format("Mon 02 15:04"),
					format.EscapeMarkdown(mxtext.Clip(s.translateFor(ctx, b.Text, b.Lang, lang), maxDigestRunes)))
			}
			if len(briefs) > maxDigestBriefs {
				text += "\n- …"
			}
		}
		if _, err = s.post(ctx, sc, at, "digest", room, text, from); err != nil {
			return fmt.Errorf("failed to post a digest in %s: %w", room, err)
		}
	}
	return nil
}

// Prune forgets the briefings made longer ago than the retention: what the
// watch circle saw coming is not kept beyond its use.
func (s *Scheduler) Prune(ctx context.Context) error {
	if s.settings.BriefRetention <= 0 {
		return nil
	}
	cutoff := s.clock.Now().Add(-max(s.settings.BriefRetention, briefWindow))
	if err := s.db.Schedule.PruneKind(ctx, database.KindBrief, cutoff); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for scheduleID, e := range s.entries {
		if e.sched.Kind == database.KindBrief && e.sched.CreatedAt.Before(cutoff) {
			s.dropLocked(scheduleID)
		}
	}
	return nil
}

// bold is a room's name, escaped, in bold.
func bold(name string) string { return "**" + format.EscapeMarkdown(name) + "**" }
