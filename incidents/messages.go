package incidents

import "github.com/nicksnyder/go-i18n/v2/i18n"

var (
	msgResponderMoved = &i18n.Message{
		ID:          "IncidentResponderMoved",
		Description: "Told in the old responder room when the role moves. Room is bold, Who a user id as a code span.",
		Other:       "{{.Who}} made {{.Room}} the coalition's responder room: new incident reports go there from now on, not here.",
	}
	msgMovedHere = &i18n.Message{
		ID:          "IncidentMovedHere",
		Description: "First message in a new private chat, after the old one got another member. ID is a code span.",
		Other:       "We continue here: our old chat is no longer private. Your report {{.ID}} is still open; anything you write here is added to it, and the responders' answers come here.",
	}
	msgReceived = &i18n.Message{
		ID:          "IncidentReceived",
		Description: "Told to the reporter once the report is stored. ID is a code span like `i12`.",
		Other:       "Your report {{.ID}} is saved and is being sent to the responders. You will hear from me when someone takes it. Anything you write here now is added to it.",
	}
	msgStuck = &i18n.Message{
		ID:          "IncidentStuck",
		Description: "Told once to a reporter whose report could not be posted to the responders for several minutes. ID is a code span.",
		Other:       "Your report {{.ID}} is saved, but I have not been able to pass it on to the responders yet. I keep trying. If you are in danger, do not wait for them: contact the people you trust directly.",
	}
	msgNoResponders = &i18n.Message{
		ID:    "IncidentNoResponders",
		Other: "Your report {{.ID}} is saved, but no responder room is set up for you yet. A moderator of your coalition can set one with `!incident room`.",
	}
	msgReport = &i18n.Message{
		ID:          "IncidentReport",
		Description: "A report as posted to responders. ID and Severity are code spans, Category a word, Reporter a name or 'anonymous', the rest answers.",
		Other:       "🚨 **Incident {{.ID}}** — {{.Severity}} — {{.Category}}\n\n- When: {{.When}}\n- Where: {{.Where}}\n- What happened: {{.What}}\n- Safe now: {{.Safe}}\n- May be contacted: {{.Contact}}\n- Reported by: {{.Reporter}}\n\nReact with ✅ or send {{.Ack}} to take it.",
	}
	msgAnonymous  = &i18n.Message{ID: "IncidentAnonymous", Other: "anonymous"}
	msgYes        = &i18n.Message{ID: "IncidentYes", Other: "yes"}
	msgNo         = &i18n.Message{ID: "IncidentNo", Other: "no"}
	msgNotGiven   = &i18n.Message{ID: "IncidentNotGiven", Other: "not given"}
	msgWithOrig   = &i18n.Message{ID: "IncidentWithOriginal", Description: "Text is translated, Original as written.", Other: "{{.Text}} (original: {{.Original}})"}
	msgEscalation = &i18n.Message{ID: "IncidentEscalation", Description: "A page: it notifies the people it names. ID and Severity are code spans, Minutes a number, People the mentioned names.", Other: "⚠️ Incident {{.ID}} ({{.Severity}}) has waited {{.Minutes}} minutes without anyone taking it. React ✅ to this message or to the report to take it. {{.People}}"}
	msgAckLapsed  = &i18n.Message{ID: "IncidentAckLapsed", Description: "A page to whoever took an incident and has not resolved it. ID is a code span, Who a name, Minutes a number.",
		Other: "⏰ {{.Who}} took incident {{.ID}} {{.Minutes}} minutes ago and it is not resolved: it goes back to everyone and escalates again. React ✅ to the report to take it again, or resolve it."}
	msgPageLate     = &i18n.Message{ID: "IncidentPageLate", Description: "Under a page sent late. Due is a date and time in Zone.", Other: "(Sent late: it was due at {{.Due}} ({{.Zone}}), while I could not send.)"}
	msgAcked        = &i18n.Message{ID: "IncidentAcked", Description: "Told to the reporter. ID is a code span.", Other: "A responder has taken your report {{.ID}}."}
	msgAckedRoom    = &i18n.Message{ID: "IncidentAckedRoom", Description: "ID is a code span, Who a name.", Other: "{{.Who}} took incident {{.ID}}."}
	msgResolved     = &i18n.Message{ID: "IncidentResolved", Description: "Told to the reporter. ID is a code span, Note a note or nothing.", Other: "Your report {{.ID}} is resolved. {{.Note}}"}
	msgFromReporter = &i18n.Message{ID: "IncidentFromReporter", Description: "A message from the reporter relayed to responders. ID is a code span, Who a name or 'the reporter'.", Other: "💬 {{.Who}} adds to {{.ID}}: {{.Text}}"}
	msgTheReporter  = &i18n.Message{ID: "IncidentTheReporter", Other: "the anonymous reporter"}
	msgToReporter   = &i18n.Message{ID: "IncidentToReporter", Description: "A responder's answer relayed to the reporter. ID is a code span.", Other: "💬 The responders answer about {{.ID}}: {{.Text}}"}
	msgAdded        = &i18n.Message{ID: "IncidentAdded", Description: "Told to the reporter after a message was added. ID is a code span.", Other: "Added to your report {{.ID}} and passed on to the responders."}
)
