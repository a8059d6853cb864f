package commands

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/database"
	"starling/forms"
	"starling/rooms"
	"starling/scheduler"
)

var (
	msgFormSummary        = &i18n.Message{ID: "FormCommandSummary", Other: "List the form templates and this coalition's forms."}
	msgFormStartSummary   = &i18n.Message{ID: "FormStartSummary", Other: "Start a form in every room of the coalition, with an optional deadline (moderators)."}
	msgFormResultsSummary = &i18n.Message{ID: "FormResultsSummary", Other: "Show a form's results in this room's language (moderators)."}
	msgFormExportSummary  = &i18n.Message{ID: "FormExportSummary", Other: "Get a form's answers as a CSV file (moderators)."}
	msgFormCloseSummary   = &i18n.Message{ID: "FormCloseSummary", Other: "Close a form and post its results (moderators)."}
	msgFillSummary        = &i18n.Message{ID: "FillSummary", Other: "Answer a form, question by question, in a private chat with me."}
	msgFormTemplates      = &i18n.Message{ID: "FormTemplates", Other: "Templates:"}
	msgFormOpenForms      = &i18n.Message{ID: "FormOpenForms", Other: "Forms here:"}
	msgFormLine           = &i18n.Message{ID: "FormLine", Description: "ID and Template are code spans; Count is a number; Status open or closed.", Other: "{{.ID}} {{.Template}} — {{.Count}} answers — {{.Status}}"}
	msgFormOpen           = &i18n.Message{ID: "FormStatusOpen", Other: "open"}
	msgFormClosedStatus   = &i18n.Message{ID: "FormStatusClosed", Other: "closed"}
	msgFormStarted        = &i18n.Message{ID: "FormStarted", Description: "ID is a code span.", Other: "Form {{.ID}} started: the invitation is in every room of the coalition."}
	msgFormNoTemplate     = &i18n.Message{ID: "FormNoTemplate", Description: "Name is a code span, Names a list of code spans.", Other: "There is no template {{.Name}}. The templates are {{.Names}}."}
	msgFormBadDeadline    = &i18n.Message{ID: "FormBadDeadline", Description: "Examples are code spans.", Other: "The deadline is written like {{.Examples}}, and must be in the future. Nothing was changed."}
	msgFormNotFound       = &i18n.Message{ID: "FormNotFound", Description: "ID and Command are code spans.", Other: "There is no form {{.ID}} here. See {{.Command}}."}
	msgFormAlreadyClosed  = &i18n.Message{ID: "FormAlreadyClosed", Description: "ID is a code span.", Other: "Form {{.ID}} was already closed."}
	msgFillOpened         = &i18n.Message{ID: "FillOpened", Other: "I have written to you in a private chat."}
	msgFormNotOwner       = &i18n.Message{ID: "FormNotOwner", Description: "ID is a code span.", Other: "Form {{.ID}} was started in another room of the coalition: only that room's moderators can close or export it. Nothing was changed."}
	msgFormExportSent     = &i18n.Message{ID: "FormExportSent", Description: "ID is a code span.", Other: "I have sent you the answers to {{.ID}} in our private chat: they name who answered, so they are not posted here."}
	msgFillNone           = &i18n.Message{ID: "FillNone", Description: "Reply to a bare fill when the person may fill no open form.", Other: "There is no open form for you right now."}
	msgFillChoose         = &i18n.Message{ID: "FillChoose", Description: "Reply to a bare fill when several forms are open. List is a Markdown list of commands and titles.", Other: "Several forms are open for you. Send one of these:\n\n{{.List}}"}
)

func runFormList(cx *Ctx) error {
	engine := cx.router.Forms
	var b strings.Builder
	b.WriteString(cx.T(msgFormTemplates, nil) + "\n\n")
	ids := make([]string, 0, len(engine.Templates()))
	for id := range engine.Templates() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		title, _ := engine.Templates()[id].Title.In(cx.Lang, engine.Templates()[id].Language)
		b.WriteString("- " + format.SafeMarkdownCode(id) + " — " + format.EscapeMarkdown(title) + "\n")
	}
	coalitionID, err := cx.router.Rooms.CoalitionOf(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	list, err := cx.router.DB.Form.Visible(cx.Ctx, cx.RoomID, coalitionID)
	if err != nil {
		return err
	}
	if len(list) > 0 {
		b.WriteString("\n" + cx.T(msgFormOpenForms, nil) + "\n\n")
		for _, f := range list {
			responses, err := cx.router.DB.Form.Responses(cx.Ctx, f.ID)
			if err != nil {
				return err
			}
			status := cx.T(msgFormOpen, nil)
			if f.Closed {
				status = cx.T(msgFormClosedStatus, nil)
			}
			b.WriteString("- " + cx.T(msgFormLine, map[string]any{"ID": format.SafeMarkdownCode(forms.ShortID(f)),
				"Template": format.SafeMarkdownCode(f.Template), "Count": len(responses), "Status": status}) + "\n")
		}
	}
	cx.ReplyMarkdown(b.String())
	return nil
}

// parseDeadline reads "2026-12-10", "2026-12-10 18:00", "3d" or "12h".
func parseDeadline(args []string, loc *time.Location, now time.Time) (time.Time, bool) {
	s := strings.Join(args, " ")
	if s == "" {
		return time.Time{}, true
	}
	var t time.Time
	var err error
	switch {
	case strings.HasSuffix(s, "d") || strings.HasSuffix(s, "h"):
		n, perr := strconv.Atoi(s[:len(s)-1])
		if perr != nil || n <= 0 || n > 365*24 {
			return time.Time{}, false
		}
		unit := time.Hour
		if strings.HasSuffix(s, "d") {
			unit = 24 * time.Hour
		}
		t = now.Add(time.Duration(n) * unit)
	case len(args) == 1:
		t, err = time.ParseInLocation("2006-01-02 15:04", s+" 23:59", loc)
	default:
		t, err = time.ParseInLocation("2006-01-02 15:04", s, loc)
	}
	if err != nil || !t.After(now) {
		return time.Time{}, false
	}
	return t, true
}

func runFormStart(cx *Ctx) error {
	engine := cx.router.Forms
	name := strings.ToLower(cx.Args[0])
	if _, ok := engine.Templates()[name]; !ok {
		var names []string
		for id := range engine.Templates() {
			names = append(names, format.SafeMarkdownCode(id))
		}
		sort.Strings(names)
		return &UserError{Msg: msgFormNoTemplate, Data: map[string]any{"Name": Echo(cx.Args[0]), "Names": strings.Join(names, ", ")}}
	}
	_, loc, ok := scheduler.LookupZone(cx.RoomTimezone())
	if !ok {
		loc = time.UTC
	}
	deadline, ok := parseDeadline(cx.Args[1:], loc, time.Now())
	if !ok {
		return &UserError{Msg: msgFormBadDeadline, Data: map[string]any{"Examples": "`2026-12-10`, `2026-12-10 18:00`, `7d`, `12h`"}}
	}
	f, err := engine.StartForm(cx.Ctx, cx.RoomID, cx.Sender, name, deadline)
	if err != nil {
		return err
	}
	cx.Reply(msgFormStarted, map[string]any{"ID": format.SafeMarkdownCode(forms.ShortID(f))})
	return nil
}

// visibleForm finds the form named by the first argument, seen from here.
func visibleForm(cx *Ctx) (*database.Form, error) {
	n, ok := forms.ParseShortID(cx.Args[0])
	var f *database.Form
	var err error
	if ok {
		f, err = cx.router.Forms.Visible(cx.Ctx, cx.RoomID, n)
	}
	if !ok || errors.Is(err, forms.ErrNoForm) {
		return nil, &UserError{Msg: msgFormNotFound, Data: map[string]any{"ID": Echo(cx.Args[0]), "Command": format.SafeMarkdownCode(cx.Prefix() + "form list")}}
	}
	return f, err
}

// ownedForm finds the form named by the first argument among those this
// room started: another room's form is closed and exported only there.
func ownedForm(cx *Ctx) (*database.Form, error) {
	f, err := visibleForm(cx)
	if err != nil {
		return nil, err
	}
	if _, err = cx.router.Forms.Owned(cx.Ctx, cx.RoomID, f.ID); errors.Is(err, forms.ErrNotOwner) {
		return nil, &UserError{Msg: msgFormNotOwner, Data: map[string]any{"ID": format.SafeMarkdownCode(forms.ShortID(f))}}
	}
	return f, err
}

func runFormResults(cx *Ctx) error {
	f, err := visibleForm(cx)
	if err != nil {
		return err
	}
	text, err := cx.router.Forms.Results(cx.Ctx, f, cx.Lang)
	if err != nil {
		return err
	}
	// Built from answers given in encrypted direct chats.
	cx.ReplyFrom(rooms.Private, text)
	return nil
}

// runFormExport sends the CSV, which names every respondent, to the
// requesting moderator's direct chat, never into the shared room.
func runFormExport(cx *Ctx) error {
	f, err := ownedForm(cx)
	if err != nil {
		return err
	}
	data, err := cx.router.Forms.ExportCSV(cx.Ctx, f)
	if err != nil {
		return err
	}
	dm, err := cx.router.mx.OpenDM(cx.Ctx, cx.Sender)
	if err != nil {
		return err
	}
	if err = cx.router.mx.SendFile(cx.Ctx, dm, "", data, forms.ShortID(f)+"-"+f.Template+".csv", "text/csv", rooms.Private); err != nil {
		return err
	}
	if !cx.Direct {
		cx.Reply(msgFormExportSent, map[string]any{"ID": format.SafeMarkdownCode(forms.ShortID(f))})
	}
	return nil
}

func runFormClose(cx *Ctx) error {
	f, err := ownedForm(cx)
	if err != nil {
		return err
	}
	closed, err := cx.router.Forms.Close(cx.Ctx, f)
	if err != nil {
		return err
	}
	if !closed {
		cx.Reply(msgFormAlreadyClosed, map[string]any{"ID": format.SafeMarkdownCode(forms.ShortID(f))})
	}
	return nil
}

func runFill(cx *Ctx) error {
	if len(cx.Args) == 0 {
		return fillOnly(cx)
	}
	n, ok := forms.ParseShortID(cx.Args[0])
	if !ok {
		return &UserError{Msg: msgFormNotFound, Data: map[string]any{"ID": Echo(cx.Args[0]), "Command": format.SafeMarkdownCode(cx.Prefix() + "form list")}}
	}
	if err := cx.router.Forms.Fill(cx.Ctx, cx.Sender, n); errors.Is(err, forms.ErrNoForm) {
		return &UserError{Msg: msgFormNotFound, Data: map[string]any{"ID": Echo(cx.Args[0]), "Command": format.SafeMarkdownCode(cx.Prefix() + "form list")}}
	} else if err != nil {
		return err
	}
	if !cx.Direct {
		cx.Reply(msgFillOpened, nil)
	}
	return nil
}

// fillOnly answers a bare fill: the one open form the person may fill, or
// the choice between several.
func fillOnly(cx *Ctx) error {
	open, err := cx.router.Forms.OpenFor(cx.Ctx, cx.Sender)
	if err != nil {
		return err
	}
	switch len(open) {
	case 0:
		return &UserError{Msg: msgFillNone}
	case 1:
		cx.Args = []string{forms.ShortID(open[0])}
		return runFill(cx)
	}
	var list strings.Builder
	for _, f := range open {
		title := f.Template
		if tmpl, ok := cx.router.Forms.Templates()[f.Template]; ok {
			title, _ = tmpl.Title.In(cx.Lang, tmpl.Language)
		}
		list.WriteString("- " + format.SafeMarkdownCode(cx.Prefix()+"fill "+forms.ShortID(f)) + " — " + format.EscapeMarkdown(title) + "\n")
	}
	cx.ReplyMarkdown(cx.T(msgFillChoose, map[string]any{"List": list.String()}))
	return nil
}
