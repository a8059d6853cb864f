package scheduler

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/monitor"
)

type vigilStepAt struct {
	at   time.Time
	step int
	kind string
	msg  *i18n.Message
}

func vigilSteps(n time.Time) []vigilStepAt {
	return []vigilStepAt{
		{n.Add(-24 * time.Hour), database.StepVigilDay, "day", msgVigilDayBefore},
		{n.Add(-time.Hour), database.StepVigilHour, "hour", msgVigilHourBefore},
		{n, database.StepVigilStart, "start", msgVigilStart},
	}
}

// vigilStep sends the reminders that are due for the next vigil. A reminder
// overtaken by a later one (the bot was down) is skipped, and a start notice
// more than an hour late is skipped and logged.
func (s *Scheduler) vigilStep(ctx context.Context, e *entry) error {
	sc := e.sched
	now := s.clock.Now()
	for i := 0; i < 10_000; i++ {
		n := nextOccurrence(sc, e.rule)
		if n.IsZero() || n.Add(-24*time.Hour).After(now) {
			return nil
		}
		occ, err := s.db.Occurrence.Ensure(ctx, sc.ID, n, sc.Occurrences+1, false)
		if err != nil {
			return err
		}
		steps := stepsOf(sc, n)
		for k, st := range steps {
			if occ.Done(st.step) || now.Before(st.at) {
				continue
			}
			if st.step == database.StepCircleRetro {
				// A retro opened days late finds nobody who remembers.
				if now.Sub(st.at) < retroLateWindow {
					if err = s.openRetro(ctx, sc, occ); err != nil {
						return err
					}
				}
				if err = s.db.Occurrence.MarkStep(ctx, sc.ID, n, st.step); err != nil {
					return err
				}
				continue
			}
			overtaken := k+1 < len(steps) && !now.Before(steps[k+1].at) && steps[k+1].msg != nil
			tooLate := st.step == database.StepVigilStart && now.Sub(n) > vigilLateWindow
			if tooLate {
				zerolog.Ctx(ctx).Info().Time("occurrence", n).Msg("Skipping a vigil notice missed while the bot was down")
			}
			if !overtaken && !tooLate {
				var lateFrom time.Time
				if now.Sub(st.at) > lateGrace {
					lateFrom = st.at
				}
				if err = s.postVigil(ctx, sc, n, occ.Seq, st.kind, st.msg, lateFrom); err != nil {
					return err
				}
			}
			if err = s.db.Occurrence.MarkStep(ctx, sc.ID, n, st.step); err != nil {
				return err
			}
		}
		if now.Before(steps[len(steps)-1].at) {
			return nil
		}
		if _, err = s.db.Schedule.Advance(ctx, sc.ID, n, true); err != nil {
			return err
		}
		sc.LastOccurrence, sc.Occurrences = n, sc.Occurrences+1
	}
	return nil
}

// postVigil posts a vigil notice in every room; a notice sent after the bot
// was down (lateFrom set) says when it was due.
func (s *Scheduler) postVigil(ctx context.Context, sc *database.Schedule, n time.Time, seq int, step string, msg *i18n.Message, lateFrom time.Time) error {
	rooms, err := s.rooms(ctx, sc)
	if err != nil {
		return err
	}
	times, err := s.vigilTimes(ctx, rooms, n, sc)
	if err != nil {
		return err
	}
	for _, room := range rooms {
		lang, loc := s.roomSettings(ctx, room)
		text := s.l10n.Text(lang, msg, map[string]any{
			"Title": format.EscapeMarkdown(s.translateFor(ctx, sc.Text, sc.Lang, lang)),
			"Times": times,
		}) + s.facilitatorLine(ctx, sc, seq, lang)
		if !lateFrom.IsZero() {
			text += "\n\n" + s.l10n.Text(lang, msgCheckinLate, map[string]any{"Time": localTime(lateFrom, loc)})
		}
		if _, err = s.post(ctx, sc, n, step, room, text, origin(sc)); err != nil {
			return fmt.Errorf("failed to post vigil in %s: %w", room, err)
		}
	}
	return nil
}

// vigilTimes shows the vigil's time in every zone that matters: each room's
// and each member's own, e.g. "19:00 Santiago · 23:00 Madrid · 07:00 (+1) Manila".
// Days are counted from the date where the vigil was planned.
func (s *Scheduler) vigilTimes(ctx context.Context, rooms []id.RoomID, n time.Time, sc *database.Schedule) (string, error) {
	zones := map[string]bool{}
	for _, room := range rooms {
		_, loc := s.roomSettings(ctx, room)
		zones[loc.String()] = true
		members, err := s.mx.JoinedMembers(ctx, room)
		if err != nil {
			return "", err
		}
		for _, m := range members {
			if m == s.mx.BotUserID() {
				continue
			}
			p, err := s.db.Person.Get(ctx, m)
			if err != nil {
				return "", err
			}
			if p.Timezone != "" {
				zones[p.Timezone] = true
			}
		}
	}
	return FormatZones(n, sc.Zone, zones), nil
}

// FormatZones lists the instant in each zone, earliest offset first, with the
// day difference from the home zone's date.
func FormatZones(n time.Time, home string, zones map[string]bool) string {
	_, homeLoc, ok := LookupZone(home)
	if !ok {
		homeLoc = time.UTC
	}
	homeDate := dateOf(n.In(homeLoc))
	type shown struct {
		offset int
		text   string
	}
	var list []shown
	for z := range zones {
		_, loc, ok := LookupZone(z)
		if !ok {
			continue
		}
		local := n.In(loc)
		_, offset := local.Zone()
		text := local.Format("15:04")
		if days := int(dateOf(local).Sub(homeDate).Hours() / 24); days != 0 {
			text += fmt.Sprintf(" (%+d)", days)
		}
		text += " " + cityOf(z)
		list = append(list, shown{offset, text})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].offset != list[j].offset {
			return list[i].offset < list[j].offset
		}
		return list[i].text < list[j].text
	})
	parts := make([]string, len(list))
	for i, l := range list {
		parts[i] = l.text
	}
	return strings.Join(parts, " · ")
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func cityOf(zone string) string {
	return strings.ReplaceAll(zone[strings.LastIndex(zone, "/")+1:], "_", " ")
}

// OnReaction records an RSVP (a reaction to a vigil's announcement or
// reminder) or a room's read of a briefing (a reaction to its copy there
// or to the chase). It returns true when it was one.
func (s *Scheduler) OnReaction(ctx context.Context, evt *event.Event) (bool, error) {
	target := evt.Content.AsReaction().RelatesTo.EventID
	scheduleID, at, room, ok, err := s.db.Post.ByEvent(ctx, target)
	// A reaction counts only in the room of the post it answers: anyone can
	// name a post of another room in one.
	if err != nil || !ok || room != evt.RoomID {
		return false, err
	}
	sc, err := s.db.Schedule.Get(ctx, scheduleID)
	if err != nil || sc == nil {
		return false, err
	}
	switch {
	case announced(sc.Kind):
		return true, s.db.RSVP.Put(ctx, scheduleID, at, evt.Sender, evt.ID)
	case sc.Kind == database.KindBrief:
		monitor.BriefingRead()
		return true, s.db.Report.Put(ctx, scheduleID, at, &database.Report{RoomID: evt.RoomID, EventID: evt.ID, Sender: evt.Sender})
	}
	return false, nil
}

// OnRedaction withdraws the RSVP made by a reaction that was removed.
func (s *Scheduler) OnRedaction(ctx context.Context, evt *event.Event) error {
	redacts := evt.Redacts
	if redacts == "" {
		redacts = evt.Content.AsRedaction().Redacts
	}
	return s.db.RSVP.Withdraw(ctx, redacts)
}
