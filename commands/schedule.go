package commands

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
	"starling/scheduler"
)

var (
	msgCheckinSummaryCmd   = &i18n.Message{ID: "CheckinCommandSummary", Other: "Show this room's check-ins and vigils."}
	msgCheckinAddSummary   = &i18n.Message{ID: "CheckinAddSummary", Other: "Add a recurring check-in for every room of the coalition (moderators)."}
	msgVigilAddSummary     = &i18n.Message{ID: "VigilAddSummary", Other: "Announce a vigil or action in every room, in each one's local time (moderators)."}
	msgScheduleSummary     = &i18n.Message{ID: "ScheduleSummary", Other: "List the check-ins and vigils of this room and its coalition."}
	msgScheduleListSum     = &i18n.Message{ID: "ScheduleListSummary", Other: "List the check-ins and vigils with their next time."}
	msgScheduleCancelSum   = &i18n.Message{ID: "ScheduleCancelSummary", Other: "Cancel a check-in or vigil (moderators)."}
	msgSchedulePauseSum    = &i18n.Message{ID: "SchedulePauseSummary", Other: "Pause a check-in or vigil (moderators)."}
	msgScheduleResumeSum   = &i18n.Message{ID: "ScheduleResumeSummary", Other: "Resume a paused check-in or vigil (moderators)."}
	msgScheduleBadFormat   = &i18n.Message{ID: "ScheduleBadFormat", Description: "Example is a code span.", Other: "Write the time, a |, then the text, for example {{.Example}}. Nothing was changed."}
	msgScheduleTextTooLong = &i18n.Message{ID: "ScheduleTextTooLong", Description: "Max is a number.",
		Other: "That text holds at most {{.Max}} characters (fewer when most of them are symbols), so that every room can read it with its original. Nothing was scheduled; shorten it."}
	msgScheduleBadWindow  = &i18n.Message{ID: "ScheduleBadWindow", Description: "Example is a code span.", Other: "The window is written like {{.Example}} (between 1m and 7 days). Nothing was changed."}
	msgCheckinAdded       = &i18n.Message{ID: "CheckinAdded", Description: "ID and When are code spans, Next a date and time, Zone a code span.", Other: "Check-in {{.ID}} added: {{.When}}. The first one is on {{.Next}} ({{.Zone}})."}
	msgVigilAdded         = &i18n.Message{ID: "VigilAdded", Description: "ID is a code span, Next a date and time, Zone a code span.", Other: "Vigil {{.ID}} added and announced. It starts on {{.Next}} ({{.Zone}})."}
	msgScheduleNone       = &i18n.Message{ID: "ScheduleNone", Description: "Command is a code span.", Other: "There are no check-ins or vigils here. A moderator can add one with {{.Command}}."}
	msgScheduleListHeader = &i18n.Message{ID: "ScheduleListHeader", One: "{{.Count}} check-in or vigil:", Other: "{{.Count}} check-ins and vigils:"}
	msgScheduleLine       = &i18n.Message{ID: "ScheduleLine", Description: "ID and When are code spans, Kind a word, Next a date, Text the prompt or title.", Other: "{{.ID}} {{.Kind}} — {{.When}} — next: {{.Next}} — {{.Text}}"}
	msgKindCheckin        = &i18n.Message{ID: "ScheduleKindCheckin", Other: "check-in"}
	msgKindVigil          = &i18n.Message{ID: "ScheduleKindVigil", Other: "vigil"}
	msgKindDigest         = &i18n.Message{ID: "ScheduleKindDigest", Other: "briefing digest"}
	msgKindCircle         = &i18n.Message{ID: "ScheduleKindCircle", Other: "listening circle"}
	msgSchedulePausedTag  = &i18n.Message{ID: "SchedulePausedTag", Other: "paused"}
	msgScheduleNoNext     = &i18n.Message{ID: "ScheduleNoNext", Other: "none"}
	msgScheduleRSVPs      = &i18n.Message{ID: "ScheduleRSVPs", One: "{{.Count}} coming", Other: "{{.Count}} coming"}
	msgScheduleNotFound   = &i18n.Message{ID: "ScheduleNotFound", Description: "ID is a code span, Command a code span.", Other: "There is no check-in or vigil {{.ID}} here. See {{.Command}}."}
	msgScheduleNotOwner   = &i18n.Message{ID: "ScheduleNotOwner", Description: "ID is a code span.", Other: "{{.ID}} was made in another room of the coalition: only that room's moderators can pause, resume or cancel it. Nothing was changed."}
	msgScheduleCancelled  = &i18n.Message{ID: "ScheduleCancelled", Other: "{{.ID}} is cancelled."}
	msgSchedulePaused     = &i18n.Message{ID: "SchedulePaused", Other: "{{.ID}} is paused; its times pass without a message until it is resumed."}
	msgScheduleResumed    = &i18n.Message{ID: "ScheduleResumed", Other: "{{.ID}} is running again."}
	msgWhenExamples       = &i18n.Message{
		ID:          "WhenExamples",
		Description: "Follows any error in a time. Keep the examples as they are, in the reader's language where it has them.",
		Other:       "Times are written like `every monday 18:00`, `every day 09:30 Europe/Madrid`, `every 2 weeks friday 17:00`, `first sunday of the month 12:00`, `2026-12-10 19:00 America/Santiago` or `cron 0 18 * * MON`.",
	}
	msgCalendarSummary = &i18n.Message{ID: "CalendarSummary", Other: "Get the coalition's coming check-ins and vigils as a calendar file."}
	msgCalendarEmpty   = &i18n.Message{ID: "CalendarEmpty", Other: "Nothing is scheduled in the next 90 days."}
	msgWhenUnknownWord = &i18n.Message{ID: "WhenUnknownWord", Description: "Word is a code span.", Other: "I don't understand {{.Word}} in that time."}
	msgWhenNoTime      = &i18n.Message{ID: "WhenNoTime", Other: "That needs a time of day, like 18:00."}
	msgWhenBadTime     = &i18n.Message{ID: "WhenBadTime", Description: "Word is a code span.", Other: "{{.Word}} is not a time of day."}
	msgWhenBadDate     = &i18n.Message{ID: "WhenBadDate", Description: "Word is a code span.", Other: "{{.Word}} is not a date; write it like 2026-12-10."}
	msgWhenBadZone     = &i18n.Message{ID: "WhenBadZone", Description: "Word and Suggestions are code spans.", Other: "{{.Word}} is not a time zone I know. Did you mean {{.Suggestions}}?"}
	msgWhenPast        = &i18n.Message{ID: "WhenPast", Other: "That date and time have already passed."}
	msgWhenBadCron     = &i18n.Message{ID: "WhenBadCron", Description: "Word is a code span.", Other: "{{.Word}} is not a cron expression that ever happens (five fields: minute hour day month weekday)."}
	msgWhenNoDay       = &i18n.Message{ID: "WhenNoDay", Other: "Say which day: a weekday, every day, every weekday, or the first sunday of the month."}
)

func whenError(cx *Ctx, err error) error {
	// A schedule's own bound is the one to name, also when the scheduler's
	// (an event's size) is what refused the text.
	if errors.Is(err, errTextTooLong) || errors.Is(err, scheduler.ErrTextTooLong) {
		return &UserError{Msg: msgScheduleTextTooLong, Data: map[string]any{"Max": maxScheduleRunes}}
	}
	var we *scheduler.WhenError
	if !errors.As(err, &we) {
		return err
	}
	msgs := map[scheduler.WhenErrorKind]*i18n.Message{
		scheduler.WhenUnknownWord: msgWhenUnknownWord, scheduler.WhenNoTime: msgWhenNoTime, scheduler.WhenBadTime: msgWhenBadTime,
		scheduler.WhenBadDate: msgWhenBadDate, scheduler.WhenBadZone: msgWhenBadZone, scheduler.WhenPast: msgWhenPast,
		scheduler.WhenBadCron: msgWhenBadCron, scheduler.WhenNoDay: msgWhenNoDay,
	}
	var sugg []string
	for _, s := range we.Suggestions {
		sugg = append(sugg, format.SafeMarkdownCode(s))
	}
	text := cx.T(msgs[we.Kind], map[string]any{"Word": Echo(we.Word), "Suggestions": strings.Join(sugg, ", ")})
	cx.ReplyMarkdown(text + " " + cx.T(msgWhenExamples, nil))
	return nil
}

// splitSchedule reads "<when> | <text> [| window 2h]" and a trailing
// "rotate @a @b" on the text.
func splitSchedule(raw string) (when, text string, window time.Duration, rotation []id.UserID, err error) {
	parts := strings.Split(raw, "|")
	if len(parts) < 2 || len(parts) > 3 {
		return "", "", 0, nil, errBadFormat
	}
	when, text = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	if when == "" || text == "" {
		return "", "", 0, nil, errBadFormat
	}
	if utf8.RuneCountInString(text) > maxScheduleRunes {
		return "", "", 0, nil, errTextTooLong
	}
	if i := strings.LastIndex(strings.ToLower(text), " rotate "); i >= 0 {
		for _, f := range strings.Fields(text[i+len(" rotate "):]) {
			u := id.UserID(strings.TrimRight(f, ","))
			if _, _, perr := u.Parse(); perr != nil {
				return "", "", 0, nil, errBadFormat
			}
			rotation = append(rotation, u)
		}
		text = strings.TrimSpace(text[:i])
	}
	if len(parts) == 3 {
		w := strings.Fields(parts[2])
		if len(w) != 2 || strings.ToLower(w[0]) != "window" {
			return "", "", 0, nil, errBadWindow
		}
		window, err = parseWindow(w[1])
		if err != nil {
			return "", "", 0, nil, errBadWindow
		}
	}
	return when, text, window, rotation, nil
}

var (
	errBadFormat   = errors.New("bad schedule format")
	errBadWindow   = errors.New("bad window")
	errTextTooLong = errors.New("schedule text too long")
)

// maxScheduleRunes bounds a check-in's, vigil's or circle's text.
const maxScheduleRunes = 1000

func parseWindow(s string) (time.Duration, error) {
	s = strings.ToLower(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err != nil {
			return 0, err
		}
		s = fmt.Sprintf("%dh", n*24)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute || d > 7*24*time.Hour {
		return 0, errBadWindow
	}
	return d, nil
}

func addSchedule(cx *Ctx, kind string) error {
	when, text, window, rotation, err := splitSchedule(cx.RawArgs)
	if kind == database.KindVigil && (window != 0 || len(rotation) > 0) {
		err = errBadFormat
	}
	switch {
	case errors.Is(err, errTextTooLong):
		return whenError(cx, err)
	case errors.Is(err, errBadWindow):
		return &UserError{Msg: msgScheduleBadWindow, Data: map[string]any{"Example": format.SafeMarkdownCode("| window 12h")}}
	case err != nil:
		example := "!checkin add every monday 18:00 | How is your group doing?"
		if kind == database.KindVigil {
			example = "!vigil add 2026-12-10 19:00 America/Santiago | Vigil for the detained"
		}
		return &UserError{Msg: msgScheduleBadFormat, Data: map[string]any{"Example": format.SafeMarkdownCode(example)}}
	}
	sc, next, err := cx.router.Scheduler.Add(cx.Ctx, scheduler.NewSchedule{Kind: kind, RoomID: cx.RoomID, By: cx.Sender,
		When: when, Text: text, Window: window, Rotation: rotation, From: cx.Origin})
	if err != nil {
		return whenError(cx, err)
	}
	_, loc, _ := scheduler.LookupZone(cx.RoomTimezone())
	if loc == nil {
		loc = time.UTC
	}
	data := map[string]any{
		"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)), "When": Echo(when),
		"Next": next.In(loc).Format("2006-01-02 15:04"), "Zone": format.SafeMarkdownCode(loc.String()),
	}
	if kind == database.KindVigil {
		cx.Reply(msgVigilAdded, data)
	} else {
		cx.Reply(msgCheckinAdded, data)
	}
	return nil
}

func runCheckinAdd(cx *Ctx) error { return addSchedule(cx, database.KindCheckin) }
func runVigilAdd(cx *Ctx) error   { return addSchedule(cx, database.KindVigil) }

func runScheduleList(cx *Ctx) error {
	infos, err := cx.router.Scheduler.Visible(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if len(infos) == 0 {
		cx.Reply(msgScheduleNone, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "checkin add every monday 18:00 | …")})
		return nil
	}
	mod, err := cx.IsModerator()
	if err != nil {
		return err
	}
	_, loc, ok := scheduler.LookupZone(cx.RoomTimezone())
	if !ok {
		loc = time.UTC
	}
	var b strings.Builder
	b.WriteString(cx.router.L10n.Plural(cx.Lang, msgScheduleListHeader, len(infos), nil) + "\n\n")
	from := rooms.Bot
	for _, info := range infos {
		sc := info.Schedule
		from = from.With(rooms.Origin{Room: sc.RoomID, Encrypted: sc.Encrypted})
		kind, next := cx.T(msgKindCheckin, nil), cx.T(msgScheduleNoNext, nil)
		switch sc.Kind {
		case database.KindVigil:
			kind = cx.T(msgKindVigil, nil)
		case database.KindDigest:
			kind = cx.T(msgKindDigest, nil)
		case database.KindCircle:
			kind = cx.T(msgKindCircle, nil)
		}
		if !info.Next.IsZero() {
			next = info.Next.In(loc).Format("2006-01-02 15:04")
		}
		line := cx.T(msgScheduleLine, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)), "Kind": kind,
			"When": Echo(sc.When), "Next": next, "Text": Echo(sc.Text)})
		if (sc.Kind == database.KindVigil || sc.Kind == database.KindCircle) && mod {
			line += " — " + cx.router.L10n.Plural(cx.Lang, msgScheduleRSVPs, info.RSVPs, nil)
		}
		if sc.Paused {
			line += " (" + cx.T(msgSchedulePausedTag, nil) + ")"
		}
		b.WriteString("- " + line + "\n")
	}
	cx.ReplyFrom(from, b.String())
	return nil
}

func scheduleAction(cx *Ctx, act func(id int64) (*database.Schedule, error), done *i18n.Message) error {
	n, ok := scheduler.ParseShortID(cx.Args[0])
	var sc *database.Schedule
	var err error
	if ok {
		sc, err = act(n)
	}
	switch {
	case !ok || errors.Is(err, scheduler.ErrNotFound):
		return &UserError{Msg: msgScheduleNotFound, Data: map[string]any{"ID": Echo(cx.Args[0]), "Command": format.SafeMarkdownCode(cx.Prefix() + "schedule list")}}
	case errors.Is(err, scheduler.ErrNotOwner):
		return &UserError{Msg: msgScheduleNotOwner, Data: map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc))}}
	case err != nil:
		return err
	}
	cx.Reply(done, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc))})
	return nil
}

func runScheduleCancel(cx *Ctx) error {
	return scheduleAction(cx, func(n int64) (*database.Schedule, error) { return cx.router.Scheduler.Cancel(cx.Ctx, cx.RoomID, n) }, msgScheduleCancelled)
}

func runSchedulePause(cx *Ctx) error {
	return scheduleAction(cx, func(n int64) (*database.Schedule, error) {
		return cx.router.Scheduler.SetPaused(cx.Ctx, cx.RoomID, n, true)
	}, msgSchedulePaused)
}

func runScheduleResume(cx *Ctx) error {
	return scheduleAction(cx, func(n int64) (*database.Schedule, error) {
		return cx.router.Scheduler.SetPaused(cx.Ctx, cx.RoomID, n, false)
	}, msgScheduleResumed)
}

func runCalendar(cx *Ctx) error {
	data, n, from, err := cx.router.Scheduler.Calendar(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if n == 0 {
		cx.Reply(msgCalendarEmpty, nil)
		return nil
	}
	if from.Encrypted && !cx.Room.Encrypted {
		cx.Reply(msgEncryptedNotHere, nil)
		return nil
	}
	return cx.router.mx.SendFile(cx.Ctx, cx.RoomID, cx.Event.ID, data, "starling.ics", "text/calendar", from)
}
