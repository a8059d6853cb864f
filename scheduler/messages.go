package scheduler

import "github.com/nicksnyder/go-i18n/v2/i18n"

var (
	msgCheckinPrompt = &i18n.Message{
		ID:          "CheckinPrompt",
		Description: "A check-in posted in a room. Prompt is the question (already translated), Until a local time like 18:00.",
		Other:       "📋 **Check-in:** {{.Prompt}}\n\nReply to this message (or in its thread) to report for this room, before {{.Until}}.",
	}
	msgCheckinLate = &i18n.Message{
		ID:          "CheckinLate",
		Description: "Added to a check-in posted after its time because the bot was down. Time is the planned local time.",
		Other:       "(Posted late: it was due at {{.Time}}.)",
	}
	msgCheckinFacilitator = &i18n.Message{
		ID:          "CheckinFacilitator",
		Description: "Names whose turn it is to facilitate. Person is a name.",
		Other:       "This time {{.Person}} facilitates.",
	}
	msgCheckinReminder = &i18n.Message{
		ID:          "CheckinReminder",
		Description: "Reminder to a room that has not reported. Prompt is the question, Until a local time.",
		Other:       "⏰ This room has not reported yet for the check-in “{{.Prompt}}”. Reply to this message before {{.Until}}.",
	}
	msgCheckinSummaryAway = &i18n.Message{
		ID:          "CheckinSummaryAway",
		Description: "Under a check-in summary: how many people of the rooms said they are away (Count).",
		One:         "Away: {{.Count}} person.",
		Other:       "Away: {{.Count}} people.",
	}
	msgCheckinSummary = &i18n.Message{
		ID:          "CheckinSummary",
		Description: "Heading of a check-in summary. Prompt is the question; Count how many rooms reported; Total how many rooms there are.",
		One:         "📊 **Check-in summary:** “{{.Prompt}}” — {{.Count}} of {{.Total}} rooms reported.",
		Other:       "📊 **Check-in summary:** “{{.Prompt}}” — {{.Count}} of {{.Total}} rooms reported.",
	}
	msgCheckinSummaryUnread = &i18n.Message{
		ID:          "CheckinSummaryUnread",
		Description: "A report in a summary that the bot could not read (not decryptable yet). Room and Sender are bold names, Link a link to the message.",
		Other:       "{{.Room}}, {{.Sender}}: reported, but I could not read the message; [open it in the room]({{.Link}}).",
	}
	msgCheckinSummaryReport = &i18n.Message{
		ID:          "CheckinSummaryReport",
		Description: "One report in a summary. Room and Sender are bold names, Text the translated report, Original the report as written.",
		Other:       "{{.Room}}, {{.Sender}}: {{.Text}} (original: {{.Original}})",
	}
	msgCheckinSummaryMissing = &i18n.Message{
		ID:          "CheckinSummaryMissing",
		Description: "Lists the rooms that did not report. Rooms is a list of names.",
		Other:       "Not reported: {{.Rooms}}",
	}
	msgVigilAnnouncement = &i18n.Message{
		ID:          "VigilAnnouncement",
		Description: "A vigil announced in a room. Title is its title (translated), Times the time in several zones.",
		Other:       "🕯️ **Vigil:** {{.Title}}\n\n{{.Times}}\n\nReact to this message to say you will be there.",
	}
	msgVigilDayBefore = &i18n.Message{
		ID:          "VigilDayBefore",
		Description: "Reminder a day before a vigil.",
		Other:       "🕯️ Tomorrow: **{{.Title}}** — {{.Times}}. React to this message to say you will be there.",
	}
	msgVigilHourBefore = &i18n.Message{
		ID:          "VigilHourBefore",
		Description: "Reminder an hour before a vigil.",
		Other:       "🕯️ In one hour: **{{.Title}}** — {{.Times}}.",
	}
	msgVigilStart = &i18n.Message{
		ID:          "VigilStart",
		Description: "Said when a vigil starts.",
		Other:       "🕯️ **{{.Title}}** starts now.",
	}
)
