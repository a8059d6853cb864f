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
	"starling/scheduler"
)

var (
	msgCircleSummary    = &i18n.Message{ID: "CircleSummaryCmd", Other: "Listening circles and retros of the coalition."}
	msgCircleAddSummary = &i18n.Message{ID: "CircleAddSummary", Other: "A recurring listening circle in every room's time, with a rotating facilitator; afterwards its people answer a retro in their language (moderators)."}
	msgCircleAdded      = &i18n.Message{ID: "CircleAdded", Description: "ID is in code; When as typed in code; Next a date and time; Zone in code; Form a template name in code.",
		Other: "Listening circle {{.ID}} scheduled ({{.When}}), first on {{.Next}} ({{.Zone}}). Afterwards, the {{.Form}} form goes to who took part, and its answers to every room."}
	msgCircleBadForm = &i18n.Message{ID: "CircleBadForm", Description: "Form is what was typed, in code; Forms a list of template names.",
		Other: "There is no form {{.Form}}. Forms: {{.Forms}}."}
)

// defaultRetro is the form a circle opens when none is named.
const defaultRetro = "solidarity-retro"

// splitCircle reads "<when> | <topic> [rotate @a @b] [| form <template>]".
func splitCircle(raw string) (when, topic, form string, err error) {
	parts := strings.Split(raw, "|")
	form = defaultRetro
	if len(parts) == 3 {
		w := strings.Fields(parts[2])
		if len(w) != 2 || !strings.HasPrefix(strings.ToLower(w[0]), "form") {
			return "", "", "", errBadFormat
		}
		form = w[1]
		parts = parts[:2]
	}
	return strings.TrimSpace(parts[0]), strings.Join(parts[1:], "|"), form, nil
}

func runCircleAdd(cx *Ctx) error {
	when, rest, form, err := splitCircle(cx.RawArgs)
	var topic string
	var window time.Duration
	var rotation []id.UserID
	if err == nil {
		when, topic, window, rotation, err = splitSchedule(when + " | " + rest)
	}
	if errors.Is(err, errTextTooLong) {
		return whenError(cx, err)
	}
	if err != nil || window != 0 {
		return &UserError{Msg: msgScheduleBadFormat, Data: map[string]any{"Example": format.SafeMarkdownCode(cx.Prefix() +
			"circle add every 3 months first monday 18:00 | How do we share the load? rotate @ana:example.org @ben:example.org")}}
	}
	if _, ok := cx.router.Forms.Templates()[form]; !ok {
		var names []string
		for name := range cx.router.Forms.Templates() {
			names = append(names, format.SafeMarkdownCode(name))
		}
		slices.Sort(names)
		return &UserError{Msg: msgCircleBadForm, Data: map[string]any{"Form": Echo(form), "Forms": strings.Join(names, ", ")}}
	}
	sc, next, err := cx.router.Scheduler.Add(cx.Ctx, scheduler.NewSchedule{Kind: database.KindCircle, RoomID: cx.RoomID, By: cx.Sender,
		When: when, Text: topic, Rotation: rotation, Template: form, From: cx.Origin})
	if err != nil {
		return whenError(cx, err)
	}
	_, loc, ok := scheduler.LookupZone(cx.RoomTimezone())
	if !ok {
		loc = time.UTC
	}
	cx.Reply(msgCircleAdded, map[string]any{"ID": format.SafeMarkdownCode(scheduler.ShortID(sc)), "When": Echo(when),
		"Next": next.In(loc).Format("2006-01-02 15:04"), "Zone": format.SafeMarkdownCode(loc.String()), "Form": format.SafeMarkdownCode(form)})
	return nil
}
