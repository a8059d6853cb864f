package scheduler

import (
	"context"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/rotation"
)

// A listening circle is a vigil that turns: announced in every zone, with
// RSVPs by reaction and reminders a day and an hour before and at the
// start, a facilitator taking turns from a rotation, and, once it is over,
// a retro form (solidarity-retro unless another is named) opened to the
// people who came, whose answers reach every room grouped by question.

var (
	msgCircleAnnouncement = &i18n.Message{ID: "CircleAnnouncement",
		Description: "Title is the circle's topic; Times its time in every zone. React is what to do to say one comes.",
		Other:       "🫂 **Listening circle**: {{.Title}}\n\n🕐 {{.Times}}\n\nReact to this message if you will take part: afterwards you will be asked a few questions, in your language."}
	msgCircleDayBefore = &i18n.Message{ID: "CircleDayBefore", Description: "Title is the topic; Times its time in every zone.",
		Other: "🫂 Tomorrow, listening circle: {{.Title}}\n\n🕐 {{.Times}}"}
	msgCircleHourBefore = &i18n.Message{ID: "CircleHourBefore", Description: "Title is the topic; Times its time in every zone.",
		Other: "🫂 In an hour, listening circle: {{.Title}}\n\n🕐 {{.Times}}"}
	msgCircleStart       = &i18n.Message{ID: "CircleStart", Description: "Title is the topic.", Other: "🫂 The listening circle starts now: {{.Title}}"}
	msgCircleFacilitator = &i18n.Message{ID: "CircleFacilitator", Description: "Person is a user id in code.",
		Other: "Facilitating this time: {{.Person}}"}
)

// circleLength is how long a circle lasts: its retro opens then, and
// until retroLateWindow after, as the bot may have been down.
const (
	circleLength    = 2 * time.Hour
	retroLateWindow = 3 * 24 * time.Hour
)

// Retro opens a circle's retro form to its participants; the bot wires
// the forms engine in (see Settings.Retro).
type Retro func(ctx context.Context, sc *database.Schedule, at time.Time, participants []id.UserID) error

// announced tells whether a kind is announced ahead, with RSVPs: a vigil
// or a listening circle.
func announced(kind string) bool { return kind == database.KindVigil || kind == database.KindCircle }

// stepsOf are the notices of an announced occurrence at n, and for a
// circle its retro after it.
func stepsOf(sc *database.Schedule, n time.Time) []vigilStepAt {
	if sc.Kind != database.KindCircle {
		return vigilSteps(n)
	}
	return []vigilStepAt{
		{n.Add(-24 * time.Hour), database.StepVigilDay, "day", msgCircleDayBefore},
		{n.Add(-time.Hour), database.StepVigilHour, "hour", msgCircleHourBefore},
		{n, database.StepVigilStart, "start", msgCircleStart},
		{n.Add(circleLength), database.StepCircleRetro, "retro", nil},
	}
}

// facilitator is who facilitates occurrence seq (from 1) of the circle.
func (s *Scheduler) facilitator(ctx context.Context, sc *database.Schedule, seq int) (id.UserID, bool) {
	if len(sc.Rotation) == 0 {
		return "", false
	}
	now := s.clock.Now()
	return rotation.Rotation(sc.Rotation).Turn(seq-1, func(u id.UserID) bool { return s.authority.Away(ctx, u, now) })
}

// facilitatorLine is the line naming the occurrence's facilitator, in lang.
func (s *Scheduler) facilitatorLine(ctx context.Context, sc *database.Schedule, seq int, lang string) string {
	who, ok := s.facilitator(ctx, sc, seq)
	if !ok {
		return ""
	}
	return "\n\n" + s.l10n.Text(lang, msgCircleFacilitator, map[string]any{"Person": format.SafeMarkdownCode(who.String())})
}

// openRetro opens the circle's retro to who said they came, and the
// facilitator.
func (s *Scheduler) openRetro(ctx context.Context, sc *database.Schedule, occ *database.Occurrence) error {
	if s.settings.Retro == nil {
		return nil
	}
	people, err := s.db.RSVP.List(ctx, sc.ID, occ.At)
	if err != nil {
		return err
	}
	if who, ok := s.facilitator(ctx, sc, occ.Seq); ok && !containsUser(people, who) {
		people = append(people, who)
	}
	return s.settings.Retro(ctx, sc, occ.At, people)
}

func containsUser(list []id.UserID, u id.UserID) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}
