package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/rotation"
	"starling/rooms"
)

// lateGrace is how long after its time an occurrence still counts as on time.
const lateGrace = 2 * time.Minute

// checkinStep finishes an open occurrence (reminder, summary) and fires
// every occurrence that has come due, skipping those whose window passed
// while the bot was down.
func (s *Scheduler) checkinStep(ctx context.Context, e *entry) error {
	sc := e.sched
	log := zerolog.Ctx(ctx)
	now := s.clock.Now()
	if err := s.finishOpen(ctx, sc, now); err != nil {
		return err
	}
	for i := 0; i < 10_000; i++ {
		n := nextOccurrence(sc, e.rule)
		if n.IsZero() || n.After(now) {
			return nil
		}
		if now.Sub(n) >= sc.Window {
			log.Info().Time("occurrence", n).Msg("Skipping a check-in whose window passed while the bot was down")
			if _, err := s.db.Schedule.Advance(ctx, sc.ID, n, false); err != nil {
				return err
			}
			sc.LastOccurrence = n
			continue
		}
		occ, err := s.db.Occurrence.Ensure(ctx, sc.ID, n, sc.Occurrences+1, now.Sub(n) > lateGrace)
		if err != nil {
			return err
		}
		if !occ.Done(database.StepPosted) {
			if err = s.postPrompts(ctx, sc, occ); err != nil {
				return err
			}
			step := database.StepPosted
			if !now.Before(n.Add(sc.Window / 2)) {
				// Posted late, past halfway: the prompt is its own reminder.
				step |= database.StepReminded
			}
			if err = s.db.Occurrence.MarkStep(ctx, sc.ID, n, step); err != nil {
				return err
			}
		}
		if _, err = s.db.Schedule.Advance(ctx, sc.ID, n, true); err != nil {
			return err
		}
		sc.LastOccurrence, sc.Occurrences = n, sc.Occurrences+1
		if err = s.finishOpen(ctx, sc, now); err != nil {
			return err
		}
	}
	return nil
}

// finishOpen sends the reminder and the summary of the last occurrence when
// they are due.
func (s *Scheduler) finishOpen(ctx context.Context, sc *database.Schedule, now time.Time) error {
	if sc.LastOccurrence.IsZero() {
		return nil
	}
	occ, err := s.db.Occurrence.Get(ctx, sc.ID, sc.LastOccurrence)
	if err != nil || occ == nil || occ.Done(database.StepSummarised) {
		return err
	}
	end := occ.At.Add(sc.Window)
	if !occ.Done(database.StepReminded) && !now.Before(occ.At.Add(sc.Window/2)) && now.Before(end) {
		if err = s.remind(ctx, sc, occ); err != nil {
			return err
		}
		if err = s.db.Occurrence.MarkStep(ctx, sc.ID, occ.At, database.StepReminded); err != nil {
			return err
		}
	}
	if !now.Before(end) {
		if err = s.summarise(ctx, sc, occ); err != nil {
			return err
		}
		return s.db.Occurrence.MarkStep(ctx, sc.ID, occ.At, database.StepSummarised|database.StepReminded)
	}
	return nil
}

func (s *Scheduler) postPrompts(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	if sc.Kind == database.KindBrief {
		return s.postBrief(ctx, sc, occ)
	}
	rooms, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	for _, room := range rooms {
		lang, loc := s.roomSettings(ctx, room)
		prompt := s.translateFor(ctx, sc.Text, sc.Lang, lang)
		text := s.l10n.Text(lang, msgCheckinPrompt, map[string]any{
			"Prompt": format.EscapeMarkdown(prompt),
			"Until":  localTime(occ.At.Add(sc.Window), loc),
		})
		if who, ok := rotation.Rotation(sc.Rotation).Turn(occ.Seq-1, nil); ok {
			text += "\n\n" + s.l10n.Text(lang, msgCheckinFacilitator, map[string]any{"Person": format.SafeMarkdownCode(who.String())})
		}
		if occ.Late {
			text += "\n\n" + s.l10n.Text(lang, msgCheckinLate, map[string]any{"Time": localTime(occ.At, loc)})
		}
		if _, err = s.post(ctx, sc, occ.At, "prompt", room, text, origin(sc)); err != nil {
			return fmt.Errorf("failed to post check-in in %s: %w", room, err)
		}
	}
	return nil
}

func (s *Scheduler) remind(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	if sc.Kind == database.KindBrief {
		return s.chaseBrief(ctx, sc, occ)
	}
	rooms, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	reported, err := s.reportedRooms(ctx, sc, occ)
	if err != nil {
		return err
	}
	for _, room := range rooms {
		if reported[room] || s.everyoneAway(ctx, room) {
			continue
		}
		lang, loc := s.roomSettings(ctx, room)
		text := s.l10n.Text(lang, msgCheckinReminder, map[string]any{
			"Prompt": format.EscapeMarkdown(s.translateFor(ctx, sc.Text, sc.Lang, lang)),
			"Until":  localTime(occ.At.Add(sc.Window), loc),
		})
		if _, err = s.post(ctx, sc, occ.At, "remind", room, text, origin(sc)); err != nil {
			return fmt.Errorf("failed to remind %s: %w", room, err)
		}
	}
	return nil
}

// everyoneAway tells whether every person in the room said they are away
// today: a reminder would chase nobody who can answer.
func (s *Scheduler) everyoneAway(ctx context.Context, room id.RoomID) bool {
	away, people := s.awayIn(ctx, room)
	return people > 0 && away == people
}

// awayIn counts the people of the rooms (each once, the bot aside) and how
// many of them are away today; a room whose members cannot be read counts
// nobody.
func (s *Scheduler) awayIn(ctx context.Context, rooms ...id.RoomID) (away, people int) {
	seen := map[id.UserID]bool{}
	for _, room := range rooms {
		members, err := s.mx.JoinedMembers(ctx, room)
		if err != nil {
			continue
		}
		for _, m := range members {
			if m == s.mx.BotUserID() || seen[m] {
				continue
			}
			seen[m] = true
			people++
			if s.authority.Away(ctx, m, s.clock.Now()) {
				away++
			}
		}
	}
	return away, people
}

func (s *Scheduler) reportedRooms(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) (map[id.RoomID]bool, error) {
	reports, err := s.db.Report.List(ctx, sc.ID, occ.At)
	if err != nil {
		return nil, err
	}
	out := make(map[id.RoomID]bool, len(reports))
	for _, r := range reports {
		out[r.RoomID] = true
	}
	return out, nil
}

// summarise tells the coordinator room who reported what (translated, with
// the original) and who did not.
func (s *Scheduler) summarise(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	if sc.Kind == database.KindBrief {
		return s.summariseBrief(ctx, sc, occ)
	}
	targets, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	reports, err := s.db.Report.List(ctx, sc.ID, occ.At)
	if err != nil {
		return err
	}
	lang, _ := s.roomSettings(ctx, sc.RoomID)
	from := origin(sc)
	reported := map[id.RoomID]bool{}
	var lines []string
	for _, r := range reports {
		reported[r.RoomID] = true
		evt, err := s.mx.FetchEvent(ctx, r.RoomID, r.EventID)
		if err != nil {
			// The report still counts, and the coordinator can read it there.
			zerolog.Ctx(ctx).Warn().Err(err).Stringer("event_id", r.EventID).Msg("Failed to fetch a report for the summary")
			lines = append(lines, "- "+s.l10n.Text(lang, msgCheckinSummaryUnread, map[string]any{
				"Room":   "**" + format.EscapeMarkdown(s.mx.RoomName(ctx, r.RoomID)) + "**",
				"Sender": format.EscapeMarkdown(s.mx.DisplayName(ctx, r.RoomID, r.Sender)),
				"Link":   r.RoomID.EventURI(r.EventID).MatrixToURL(),
			}))
			continue
		}
		from = from.With(rooms.FromEvent(evt))
		content := evt.Content.AsMessage()
		mxtext.StripReplyFallback(content)
		roomLang, _ := s.roomSettings(ctx, r.RoomID)
		lines = append(lines, "- "+s.l10n.Text(lang, msgCheckinSummaryReport, map[string]any{
			"Room":     "**" + format.EscapeMarkdown(s.mx.RoomName(ctx, r.RoomID)) + "**",
			"Sender":   format.EscapeMarkdown(s.mx.DisplayName(ctx, r.RoomID, r.Sender)),
			"Text":     "“" + format.EscapeMarkdown(s.translateFor(ctx, content.Body, roomLang, lang)) + "”",
			"Original": "“" + format.EscapeMarkdown(content.Body) + "”",
		}))
	}
	var missing []string
	for _, room := range targets {
		if !reported[room] {
			missing = append(missing, "**"+format.EscapeMarkdown(s.mx.RoomName(ctx, room))+"**")
		}
	}
	text := s.l10n.Plural(lang, msgCheckinSummary, len(reported), map[string]any{
		"Prompt": format.EscapeMarkdown(s.translateFor(ctx, sc.Text, sc.Lang, lang)),
		"Total":  len(targets),
	})
	if len(lines) > 0 {
		text += "\n\n" + strings.Join(lines, "\n")
	}
	if len(missing) > 0 {
		text += "\n\n" + s.l10n.Text(lang, msgCheckinSummaryMissing, map[string]any{"Rooms": strings.Join(missing, ", ")})
	}
	if away, _ := s.awayIn(ctx, targets...); away > 0 {
		text += "\n\n" + s.l10n.Plural(lang, msgCheckinSummaryAway, away, nil)
	}
	_, err = s.post(ctx, sc, occ.At, "summary", sc.RoomID, text, from)
	return err
}

// OnMessage counts a reply (or thread message) to a check-in prompt or
// reminder as its room's report. It returns true when it was one.
func (s *Scheduler) OnMessage(ctx context.Context, evt *event.Event) (bool, error) {
	content := evt.Content.AsMessage()
	rel := content.RelatesTo
	if rel == nil {
		return false, nil
	}
	target := rel.GetReplyTo()
	if rel.Type == event.RelThread {
		target = rel.EventID
	}
	if target == "" {
		return false, nil
	}
	scheduleID, at, roomID, ok, err := s.db.Post.ByEvent(ctx, target)
	if err != nil || !ok || roomID != evt.RoomID {
		return false, err
	}
	sc, err := s.db.Schedule.Get(ctx, scheduleID)
	if err != nil || sc == nil || sc.Kind != database.KindCheckin {
		return false, err
	}
	occ, err := s.db.Occurrence.Get(ctx, scheduleID, at)
	if err != nil || occ == nil || occ.Done(database.StepSummarised) {
		return false, err
	}
	return true, s.db.Report.Put(ctx, scheduleID, at, &database.Report{RoomID: evt.RoomID, EventID: evt.ID, Sender: evt.Sender})
}

func localTime(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("15:04")
}
