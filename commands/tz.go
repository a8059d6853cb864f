package commands

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/scheduler"
)

var (
	msgTzSummary     = &i18n.Message{ID: "TzSummary", Other: "Show this room's time zone and yours."}
	msgTzRoomSummary = &i18n.Message{ID: "TzRoomSummary", Other: "Set this room's time zone (moderators)."}
	msgTzMeSummary   = &i18n.Message{ID: "TzMeSummary", Other: "Set your own time zone, so times are shown to you in it."}
	msgTzShow        = &i18n.Message{
		ID:          "TzShow",
		Description: "Answer to !tz. Room and Mine are a zone name with its current time.",
		Other:       "This room's time zone: {{.Room}}\n\nYour time zone: {{.Mine}}",
	}
	msgTzNotSet = &i18n.Message{
		ID:          "TzNotSet",
		Description: "Shown instead of a personal time zone that was never chosen. Command is a code span.",
		Other:       "not chosen (choose with {{.Command}})",
	}
	msgTzRoomSet = &i18n.Message{
		ID:          "TzRoomSet",
		Description: "Confirmation. Zone is the zone name with its current time.",
		Other:       "This room's time zone is now {{.Zone}}.",
	}
	msgTzMeSet = &i18n.Message{
		ID:          "TzMeSet",
		Description: "Confirmation. Zone is the zone name with its current time.",
		Other:       "Your time zone is now {{.Zone}}. Vigil times will also be shown to you in it.",
	}
	msgTzBadZone = &i18n.Message{
		ID:          "TzBadZone",
		Description: "Refusal of an unknown time zone. Zone is a code span, Suggestions a list of code spans, Example a code span.",
		Other:       "{{.Zone}} is not a time zone I know. Did you mean {{.Suggestions}}? Time zones are written like {{.Example}}. Nothing was changed.",
	}
)

// describeZone is "`Europe/Madrid` (14:05, UTC+01:00)" at the given instant.
func describeZone(zone string, now time.Time) string {
	_, loc, ok := scheduler.LookupZone(zone)
	if !ok {
		return format.SafeMarkdownCode(zone)
	}
	local := now.In(loc)
	_, offset := local.Zone()
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	return fmt.Sprintf("%s (%s, UTC%s%02d:%02d)", format.SafeMarkdownCode(zone), local.Format("15:04"),
		sign, offset/3600, offset%3600/60)
}

// zoneArg reads a zone typed after the subcommand; "Buenos Aires" may hold spaces.
func zoneArg(cx *Ctx) (string, error) {
	typed := strings.Join(cx.Args, " ")
	zone, _, ok := scheduler.LookupZone(typed)
	if !ok {
		var sugg []string
		for _, s := range scheduler.SuggestZones(typed, 3) {
			sugg = append(sugg, format.SafeMarkdownCode(s))
		}
		return "", &UserError{Msg: msgTzBadZone, Data: map[string]any{
			"Zone":        Echo(typed),
			"Suggestions": strings.Join(sugg, ", "),
			"Example":     format.SafeMarkdownCode("Europe/Madrid"),
		}}
	}
	return zone, nil
}

func runTzShow(cx *Ctx) error {
	now := time.Now()
	mine := cx.T(msgTzNotSet, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "tz me America/Santiago")})
	if cx.person.Timezone != "" {
		mine = describeZone(cx.person.Timezone, now)
	}
	cx.Reply(msgTzShow, map[string]any{"Room": describeZone(cx.RoomTimezone(), now), "Mine": mine})
	return nil
}

func runTzRoom(cx *Ctx) error {
	zone, err := zoneArg(cx)
	if err != nil {
		return err
	}
	if err = cx.router.DB.Room.SetTimezone(cx.Ctx, cx.RoomID, zone); err != nil {
		return err
	}
	cx.Reply(msgTzRoomSet, map[string]any{"Zone": describeZone(zone, time.Now())})
	return nil
}

func runTzMe(cx *Ctx) error {
	zone, err := zoneArg(cx)
	if err != nil {
		return err
	}
	if err = cx.router.DB.Person.SetTimezone(cx.Ctx, cx.Sender, zone); err != nil {
		return err
	}
	cx.Reply(msgTzMeSet, map[string]any{"Zone": describeZone(zone, time.Now())})
	return nil
}

// readerZone is the zone the reader's times are told in: their own, else
// the room's.
func (cx *Ctx) readerZone() *time.Location {
	if _, loc, ok := scheduler.LookupZone(cmp.Or(cx.person.Timezone, cx.RoomTimezone())); ok {
		return loc
	}
	return time.UTC
}
