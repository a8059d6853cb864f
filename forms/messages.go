package forms

import "github.com/nicksnyder/go-i18n/v2/i18n"

var (
	msgQuestion = &i18n.Message{
		ID:          "FormQuestion",
		Description: "One question of a form. N and Total are numbers, Title the form's title, Text the question.",
		Other:       "**{{.Title}}** — {{.N}}/{{.Total}}\n\n{{.Text}}",
	}
	msgOptional      = &i18n.Message{ID: "FormOptional", Description: "Skip is a code span.", Other: "(Optional: send {{.Skip}} to leave it out.)"}
	msgChooseOne     = &i18n.Message{ID: "FormChooseOne", Other: "Answer with the number or the name of one option."}
	msgChooseSeveral = &i18n.Message{ID: "FormChooseSeveral", Other: "Answer with the numbers or names of one or more options, separated by commas."}
	msgYesNoHint     = &i18n.Message{ID: "FormYesNoHint", Other: "Answer yes or no."}
	msgDateHint      = &i18n.Message{ID: "FormDateHint", Other: "Answer with a date like 2026-12-10."}
	msgRangeHint     = &i18n.Message{ID: "FormRangeHint", Other: "Answer with a number from {{.Min}} to {{.Max}}."}
	msgControls      = &i18n.Message{
		ID:          "FormControls",
		Description: "How to move in a form. Every value is a code span.",
		Other:       "You can also send {{.Back}}, {{.Review}} or {{.Cancel}}.",
	}
	msgBadEmpty   = &i18n.Message{ID: "FormBadEmpty", Other: "This question needs an answer."}
	msgBadTooLong = &i18n.Message{ID: "FormBadTooLong", Other: "That answer is too long (at most {{.Max}} characters)."}
	msgBadOption  = &i18n.Message{ID: "FormBadOption", Other: "That is not one of the options (1 to {{.Max}})."}
	msgBadNumber  = &i18n.Message{ID: "FormBadNumber", Other: "That is not a number."}
	msgBadRange   = &i18n.Message{ID: "FormBadRange", Other: "The answer must be a whole number from {{.Min}} to {{.Max}}."}
	msgBadYesNo   = &i18n.Message{ID: "FormBadYesNo", Other: "Please answer yes or no."}
	msgBadDate    = &i18n.Message{ID: "FormBadDate", Other: "That is not a date I can read; write it like 2026-12-10."}
	msgCannotSkip = &i18n.Message{ID: "FormCannotSkip", Other: "This question cannot be skipped."}
	msgReview     = &i18n.Message{ID: "FormReview", Description: "Title is the form's title.", Other: "Your answers to **{{.Title}}**:"}
	msgNoAnswer   = &i18n.Message{ID: "FormNoAnswer", Other: "(no answer)"}
	msgReviewHint = &i18n.Message{ID: "FormReviewHint", Description: "Submit, Back and Cancel are code spans.", Other: "Send {{.Submit}} to send them, a question's number to change it, {{.Back}} to go back, or {{.Cancel}} to drop them."}
	msgMissing    = &i18n.Message{ID: "FormMissing", Other: "Some questions still need an answer."}
	msgSubmitted  = &i18n.Message{ID: "FormSubmitted", Description: "Title is the form's title.", Other: "Thank you! Your answers to **{{.Title}}** were sent."}
	msgCancelled  = &i18n.Message{ID: "FormCancelled", Other: "Stopped. Nothing was sent."}
	msgBusy       = &i18n.Message{ID: "FormBusy", Description: "Title is the form already open, Cancel a code span.", Other: "You are still answering **{{.Title}}**. Answer the last question, or send {{.Cancel}} to stop it first."}
	msgFormClosed = &i18n.Message{ID: "FormClosed", Other: "This form is closed and no longer takes answers."}
	msgStarting   = &i18n.Message{ID: "FormStarting", Description: "Title is the form's title, Description its description.", Other: "Let's fill in **{{.Title}}**. {{.Description}}"}
)
