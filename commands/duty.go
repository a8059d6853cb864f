package commands

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/incidents"
	"starling/scheduler"
)

var (
	msgDutySummary    = &i18n.Message{ID: "DutySummary", Other: "Show who is on duty for incidents now, and who is next, in your time zone (in the responder room)."}
	msgDutyAddSummary = &i18n.Message{ID: "DutyAddSummary", Other: "Set the duty rota: people take turns, handing over at a time in each one's own zone (moderators of the responder room)."}
	msgDutyOffSummary = &i18n.Message{ID: "DutyOffSummary", Other: "Remove the duty rota: pages go to the whole responder room again (moderators of the responder room)."}
	msgDutyShow       = &i18n.Message{
		ID:          "DutyShow",
		Description: "Who is on duty. Now and Next are people, Until a date and time in the reader's zone, Zone its name.",
		Other:       "On duty now: {{.Now}}, until {{.Until}} ({{.Zone}}). Then: {{.Next}}.",
	}
	msgDutyNone = &i18n.Message{
		ID:          "DutyNone",
		Description: "The coalition has no duty rota. Command is a code span.",
		Other:       "There is no duty rota: an incident nobody takes pages the whole responder room. A moderator there can set one with {{.Command}}.",
	}
	msgDutySet = &i18n.Message{
		ID:          "DutySet",
		Description: "The rota was set. People are the people in turn order, Now the one on duty now.",
		Other:       "Duty rota set: {{.People}}, each handing over at that time in their own zone. On duty now: {{.Now}}. An incident nobody takes pages them first, then the next one, then the whole room.",
	}
	msgDutyAway = &i18n.Message{ID: "DutyAway", Description: "People on the rota who are away, passed over. People are code spans.",
		Other: "Away, passed over: {{.People}}."}
	msgDutyOff       = &i18n.Message{ID: "DutyOff", Other: "The duty rota is removed: an incident nobody takes pages the whole responder room."}
	msgDutyNotMember = &i18n.Message{ID: "DutyNotMember",
		Other: "Everyone on the duty rota must be in this room, or they would never see a page; name people by their Matrix id, like @ana:example.org. Nothing was changed."}
	msgDutyBadWhen = &i18n.Message{ID: "DutyBadWhen", Description: "Examples are code spans.",
		Other: "A hand-over is one weekday or every day, at a time, like {{.Examples}}. Nothing was changed."}
	msgDutyCoverSummary = &i18n.Message{ID: "DutyCoverSummary",
		Other: "Be on duty for someone on the rota for some days (in their zone); they agree with a reaction, unless a moderator asks (in the responder room)."}
	msgDutySwapSummary = &i18n.Message{ID: "DutySwapSummary",
		Other: "Swap your next duty turn with someone else's; they agree with a reaction (in the responder room)."}
	msgDutyCoverBad = &i18n.Message{ID: "DutyCoverBad", Description: "Example is a code span.",
		Other: "Name the person and the days you take for them, in their zone, like {{.Example}}. Nothing was changed."}
	msgDutySwapBad = &i18n.Message{ID: "DutySwapBad", Description: "Example is a code span.",
		Other: "A swap is between you and one other person on the rota, like {{.Example}}. Nothing was changed."}
	msgDutyNotOnRota = &i18n.Message{ID: "DutyNotOnRota",
		Other: "Only turns of people on the duty rota can be covered or swapped: see who is on it with `!duty`. Nothing was changed."}
	msgDutyNoTurn = &i18n.Message{ID: "DutyNoTurn",
		Other: "One of you has no duty turn coming (away, or not on the rota), so there is nothing to swap. Nothing was changed."}
	msgDutyCovers    = &i18n.Message{ID: "DutyCovers", Description: "Heading of a list of covers agreed.", Other: "Covers agreed:"}
	msgDutyCoverLine = &i18n.Message{ID: "DutyCoverLine", Description: "One cover. Cover and Person are code spans, From and Until dates and times in the reader's zone.",
		Other: "{{.Cover}} for {{.Person}}, {{.From}} – {{.Until}}"}
)

func runDutyShow(cx *Ctx) error {
	cur, next, ok, err := cx.router.Incidents.Duty(cx.Ctx, cx.RoomID)
	if err != nil {
		return dutyError(cx, err)
	}
	if !ok {
		cx.Reply(msgDutyNone, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "duty add @a:example.org @b:example.org every monday 09:00")})
		return nil
	}
	loc := cx.readerZone()
	text := cx.T(msgDutyShow, map[string]any{
		"Now": format.SafeMarkdownCode(cur.Person.String()), "Next": format.SafeMarkdownCode(next.Person.String()),
		"Until": cur.End.In(loc).Format("Mon 2006-01-02 15:04"), "Zone": loc.String(),
	})
	away, err := cx.router.Incidents.DutyAway(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if len(away) > 0 {
		names := make([]string, len(away))
		for i, p := range away {
			names[i] = format.SafeMarkdownCode(p.String())
		}
		text += "\n\n" + cx.T(msgDutyAway, map[string]any{"People": strings.Join(names, ", ")})
	}
	covers, err := cx.router.Incidents.DutyCovers(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if len(covers) > 0 {
		slices.SortStableFunc(covers, func(a, b *database.DutyCover) int { return a.Start.Compare(b.Start) })
		text += "\n\n" + cx.T(msgDutyCovers, nil)
		for i, c := range covers {
			if i == maxCoversShown {
				text += "\n- …"
				break
			}
			text += "\n- " + cx.T(msgDutyCoverLine, map[string]any{
				"Cover": format.SafeMarkdownCode(c.Cover.String()), "Person": format.SafeMarkdownCode(c.Person.String()),
				"From": c.Start.In(loc).Format("Mon 2006-01-02 15:04"), "Until": c.Until.In(loc).Format("Mon 2006-01-02 15:04"),
			})
		}
	}
	cx.ReplyMarkdown(text)
	return nil
}

// maxCoversShown keeps !duty short; the nearest covers come first.
const maxCoversShown = 10

// runDutyCover has the sender take another's turns for some days; a
// moderator's cover stands at once, anyone else's waits for consent.
func runDutyCover(cx *Ctx) error {
	people, rest := splitPeople(cx.Args)
	example := map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() + "duty cover @ana:example.org 2026-12-10..2026-12-12")}
	if len(people) != 1 || people[0] == cx.Sender {
		return &UserError{Msg: msgDutyCoverBad, Data: example}
	}
	zone := cx.router.Rooms.PersonZone(cx.Ctx, people[0])
	from, until, ok := ParseDays(strings.Join(rest, " "), time.Now().In(zone))
	if !ok {
		return &UserError{Msg: msgDutyCoverBad, Data: example}
	}
	moderator, err := cx.IsModerator()
	if err != nil {
		return err
	}
	if _, err = cx.router.Incidents.Cover(cx.Ctx, cx.RoomID, cx.Sender, people[0], from, until, moderator); err != nil {
		return dutyError(cx, err)
	}
	// The offer, or the cover agreed, is the answer: it is posted here.
	return nil
}

// runDutySwap offers the sender's next turn for another's: "swap @b", or
// "swap @a @b" naming the sender too.
func runDutySwap(cx *Ctx) error {
	people, rest := splitPeople(cx.Args)
	people = slices.DeleteFunc(people, func(u id.UserID) bool { return u == cx.Sender })
	if len(people) != 1 || len(rest) > 0 || len(cx.Args) > 2 {
		return &UserError{Msg: msgDutySwapBad, Data: map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() + "duty swap @ana:example.org")}}
	}
	if err := cx.router.Incidents.Swap(cx.Ctx, cx.RoomID, cx.Sender, people[0]); err != nil {
		return dutyError(cx, err)
	}
	return nil
}

func runDutyAdd(cx *Ctx) error {
	people, when := splitPeople(cx.Args)
	rule, err := scheduler.ParseWhen(strings.Join(when, " "), time.UTC, time.Now())
	if err != nil {
		return whenError(cx, err)
	}
	rota, err := cx.router.Incidents.SetDuty(cx.Ctx, cx.RoomID, cx.Sender, people, rule)
	if err != nil {
		return dutyError(cx, err)
	}
	cur, _, _, err := cx.router.Incidents.Duty(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	names := make([]string, len(rota.People))
	for i, p := range rota.People {
		names[i] = format.SafeMarkdownCode(p.String())
	}
	cx.Reply(msgDutySet, map[string]any{"People": strings.Join(names, " → "), "Now": format.SafeMarkdownCode(cur.Person.String())})
	return nil
}

func runDutyOff(cx *Ctx) error {
	if err := cx.router.Incidents.RemoveDuty(cx.Ctx, cx.RoomID); err != nil {
		return dutyError(cx, err)
	}
	cx.Reply(msgDutyOff, nil)
	return nil
}

// splitPeople takes the Matrix ids off the front of the arguments, in
// order and each once; the rest is the hand-over time.
func splitPeople(args []string) (people []id.UserID, rest []string) {
	for i, a := range args {
		u := id.UserID(strings.TrimRight(a, ","))
		if _, _, err := u.Parse(); err != nil || !strings.HasPrefix(a, "@") {
			return people, args[i:]
		}
		if !slices.Contains(people, u) {
			people = append(people, u)
		}
	}
	return people, nil
}

func dutyError(cx *Ctx, err error) error {
	switch {
	case errors.Is(err, incidents.ErrDutyNotMember):
		return &UserError{Msg: msgDutyNotMember}
	case errors.Is(err, incidents.ErrDutyNotOnRota):
		return &UserError{Msg: msgDutyNotOnRota}
	case errors.Is(err, incidents.ErrDutyNoTurn):
		return &UserError{Msg: msgDutyNoTurn}
	case errors.Is(err, incidents.ErrDutySame):
		return &UserError{Msg: msgDutySwapBad, Data: map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() + "duty swap @ana:example.org")}}
	case errors.Is(err, incidents.ErrDutyBadWhen):
		return &UserError{Msg: msgDutyBadWhen, Data: map[string]any{"Examples": "`every monday 09:00`, `every day 08:00`"}}
	}
	return incidentError(cx, err)
}
