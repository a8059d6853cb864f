package commands

import (
	"cmp"
	"regexp"
	"strings"
	"time"

	"starling/scheduler"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

var (
	msgAwaySummary  = &i18n.Message{ID: "AwaySummary", Other: "Say when you are away: the duty rota passes you over, and check-ins do not chase a room for you alone."}
	msgQuietSummary = &i18n.Message{ID: "QuietSummary", Other: "Set your quiet hours: pages below critical wait until they end."}
	msgAwaySet      = &i18n.Message{ID: "AwaySet", Description: "From and Until are dates, Zone the person's time zone.",
		Other: "You are away from {{.From}} to {{.Until}}, both days included ({{.Zone}}): the duty rota passes you over."}
	msgAwayNone = &i18n.Message{ID: "AwayNone", Description: "Command is a code span.", Other: "You are not away. Say when you will be with {{.Command}}."}
	msgAwayOff  = &i18n.Message{ID: "AwayOff", Other: "You are back: the duty rota counts on you again."}
	msgAwayBad  = &i18n.Message{ID: "AwayBad", Description: "Examples are code spans.",
		Other: "Write the days you are away like {{.Examples}} (at most a year, not ending in the past). Nothing was changed."}
	msgQuietSet = &i18n.Message{ID: "QuietSet", Description: "From and Until are times of day, Zone the person's time zone.",
		Other: "Your quiet hours are {{.From}}–{{.Until}} ({{.Zone}}): pages below critical wait until they end; critical ones still reach you."}
	msgQuietNone = &i18n.Message{ID: "QuietNone", Description: "Command is a code span.", Other: "You have no quiet hours. Set them with {{.Command}}."}
	msgQuietOff  = &i18n.Message{ID: "QuietOff", Other: "Your quiet hours are removed: every page reaches you at once."}
	msgQuietBad  = &i18n.Message{ID: "QuietBad", Description: "Examples are code spans.",
		Other: "Write your quiet hours like {{.Examples}} (at most 12 hours). Nothing was changed."}
)

// isOff tells a word that switches something off, in the UI languages.
func isOff(word string) bool {
	switch strings.ToLower(word) {
	case "off", "no", "non", "não", "nein", "aus", "لا", "desactivar", "désactiver", "desativar", "desactiva":
		return true
	}
	return false
}

func (cx *Ctx) personZone() string {
	return cmp.Or(cx.person.Timezone, cx.router.Rooms.Defaults().DefaultTimezone)
}

func runAway(cx *Ctx) error {
	zone := cx.personZone()
	switch {
	case len(cx.Args) == 0 && cx.person.AwayFrom == "":
		cx.Reply(msgAwayNone, map[string]any{"Command": "`" + cx.Prefix() + "away 2026-12-20..2027-01-06`"})
	case len(cx.Args) == 0:
		cx.Reply(msgAwaySet, map[string]any{"From": cx.person.AwayFrom, "Until": cx.person.AwayUntil, "Zone": zone})
	case len(cx.Args) == 1 && isOff(cx.Args[0]):
		if err := cx.router.DB.Person.SetAway(cx.Ctx, cx.Sender, "", ""); err != nil {
			return err
		}
		cx.Reply(msgAwayOff, nil)
	default:
		from, until, ok := ParseDays(strings.Join(cx.Args, " "), time.Now().In(zoneOrUTC(zone)))
		if !ok {
			return &UserError{Msg: msgAwayBad, Data: map[string]any{"Examples": "`2026-12-20..2027-01-06`, `2026-12-24`"}}
		}
		if err := cx.router.DB.Person.SetAway(cx.Ctx, cx.Sender, from, until); err != nil {
			return err
		}
		cx.Reply(msgAwaySet, map[string]any{"From": from, "Until": until, "Zone": zone})
	}
	return nil
}

func runQuiet(cx *Ctx) error {
	zone := cx.personZone()
	switch {
	case len(cx.Args) == 0 && cx.person.QuietStart < 0:
		cx.Reply(msgQuietNone, map[string]any{"Command": "`" + cx.Prefix() + "quiet 23:00-07:00`"})
	case len(cx.Args) == 0:
		cx.Reply(msgQuietSet, map[string]any{"From": clock(cx.person.QuietStart), "Until": clock(cx.person.QuietEnd), "Zone": zone})
	case len(cx.Args) == 1 && isOff(cx.Args[0]):
		if err := cx.router.DB.Person.SetQuiet(cx.Ctx, cx.Sender, -1, -1); err != nil {
			return err
		}
		cx.Reply(msgQuietOff, nil)
	default:
		start, end, ok := ParseHours(strings.Join(cx.Args, " "))
		if !ok {
			return &UserError{Msg: msgQuietBad, Data: map[string]any{"Examples": "`23:00-07:00`, `22h-6h30`"}}
		}
		if err := cx.router.DB.Person.SetQuiet(cx.Ctx, cx.Sender, start, end); err != nil {
			return err
		}
		cx.Reply(msgQuietSet, map[string]any{"From": clock(start), "Until": clock(end), "Zone": zone})
	}
	return nil
}

// ParseDays reads the days someone is away: "2026-12-20..2027-01-06", the
// same with a dash, a word ("to", "al") or a space between, or one day. The range is at
// most a year and does not end before today.
func ParseDays(s string, today time.Time) (from, until string, ok bool) {
	if len(s) > 60 {
		return "", "", false
	}
	dates := dateRE.FindAllString(s, -1)
	if rest := strings.TrimSpace(dateRE.ReplaceAllString(s, "")); len(dates) == 0 || len(dates) > 2 || strings.Trim(rest, ".-–— ") != "" && !oneWord(rest) {
		return "", "", false
	}
	if len(dates) == 1 {
		dates = append(dates, dates[0])
	}
	a, errA := time.Parse(time.DateOnly, dates[0])
	b, errB := time.Parse(time.DateOnly, dates[1])
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if errA != nil || errB != nil || b.Before(a) || b.Before(day) || b.Sub(a) > 366*24*time.Hour {
		return "", "", false
	}
	return a.Format(time.DateOnly), b.Format(time.DateOnly), true
}

var dateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// oneWord is what may stand between two dates: "to", "al", "bis", "à"…
func oneWord(s string) bool { return len(strings.Fields(s)) == 1 && len(s) <= 5 }

// ParseHours reads quiet hours: "23:00-07:00", "22h-6h30", "22:00 07:00",
// as minutes after midnight; they may run past midnight, and are never
// empty nor longer than 12 hours.
func ParseHours(s string) (start, end int, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) > 30 {
		return 0, 0, false
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '–' || r == ' ' })
	if len(fields) != 2 {
		return 0, 0, false
	}
	var mins [2]int
	for i, f := range fields {
		c, err := scheduler.ParseClock(f)
		if err != nil {
			return 0, 0, false
		}
		mins[i] = c.Hour*60 + c.Minute
	}
	span := (mins[1] - mins[0] + 24*60) % (24 * 60)
	return mins[0], mins[1], span > 0 && span <= maxQuiet
}

// maxQuiet bounds quiet hours, in minutes: longer ones would hold pages
// for most of the day.
const maxQuiet = 12 * 60

func clock(minute int) string {
	return time.Date(2000, 1, 1, minute/60, minute%60, 0, 0, time.UTC).Format("15:04")
}

func zoneOrUTC(zone string) *time.Location {
	if _, loc, ok := scheduler.LookupZone(zone); ok {
		return loc
	}
	return time.UTC
}
