package forms

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/internal/safe"
	"starling/internal/shortid"
	"starling/internal/txnid"
	"starling/rooms"
	"starling/translate"
)

var (
	msgInvitation = &i18n.Message{
		ID:          "FormInvitation",
		Description: "Posted in every room when a form starts. Title is the form's title, Fill a code span like `fill f3`.",
		Other:       "📝 **{{.Title}}** — send me {{.Fill}} in a direct chat, or react to this message, and I will ask you the questions in your language.",
	}
	msgDeadline    = &i18n.Message{ID: "FormDeadline", Description: "Until is a date and time with its zone.", Other: "Open until {{.Until}}."}
	msgResults     = &i18n.Message{ID: "FormResults", Description: "Heading of results. Title is bold-safe, Count a number.", One: "📊 **{{.Title}}** ({{.ID}}): {{.Count}} response.", Other: "📊 **{{.Title}}** ({{.ID}}): {{.Count}} responses."}
	msgResultsOrig = &i18n.Message{ID: "FormResultsOriginal", Description: "Text is a translated answer, Original the answer as written.", Other: "{{.Text}} (original: {{.Original}})"}
	msgAverage     = &i18n.Message{ID: "FormAverage", Other: "average {{.Avg}}, from {{.Min}} to {{.Max}}"}
	msgClosedNote  = &i18n.Message{ID: "FormClosedNote", Other: "The form is now closed."}
)

// ErrNoForm is a form id that names no form visible here.
var ErrNoForm = errors.New("no such form here")

// ShortID is how people refer to a form: f3.
func ShortID(f *database.Form) string { return shortid.Format('f', f.ID) }

// ParseShortID reads f3 or 3.
func ParseShortID(s string) (int64, bool) { return shortid.Parse(s, "f") }

// StartForm runs a template in the room's coalition (or the room alone):
// an invitation goes to every room.
func (e *Engine) StartForm(ctx context.Context, roomID id.RoomID, by id.UserID, templateID string, deadline time.Time) (*database.Form, error) {
	return e.startForm(ctx, &database.Form{Template: templateID, RoomID: roomID, CreatedBy: by, CreatedAt: e.now(), Deadline: deadline})
}

// StartRetro runs a template as a listening circle's retro, once per
// origin: asked only of its participants (no room gets an invitation
// anyone could take), its results, at its deadline, go to every room of the
// coalition in its language, the responder room aside.
func (e *Engine) StartRetro(ctx context.Context, roomID id.RoomID, by id.UserID, templateID string, deadline time.Time, origin string, participants []id.UserID) (*database.Form, error) {
	f, err := e.startForm(ctx, &database.Form{Template: templateID, RoomID: roomID, CreatedBy: by, CreatedAt: e.now(), Deadline: deadline,
		ResultsEverywhere: true, Origin: origin})
	if err != nil {
		return nil, err
	}
	return f, e.db.Form.AddParticipants(ctx, f.ID, participants)
}

func (e *Engine) startForm(ctx context.Context, f *database.Form) (*database.Form, error) {
	templateID, roomID, deadline := f.Template, f.RoomID, f.Deadline
	tmpl, ok := e.templates[templateID]
	if !ok || e.hidden[templateID] {
		return nil, fmt.Errorf("%w: %s", ErrNoTemplate, templateID)
	}
	targets, coalitionID, err := e.authority.Reach(ctx, roomID)
	if err != nil {
		return nil, err
	}
	f.CoalitionID = coalitionID
	// A form its origin already opened was interrupted: it is finished,
	// its invitation posted only where it is missing.
	var invited []id.RoomID
	if existing, err := e.formOf(ctx, f.Origin); err != nil {
		return nil, err
	} else if existing != nil {
		f = existing
		if invited, err = e.db.Form.InvitedRooms(ctx, f.ID); err != nil {
			return nil, err
		}
	} else if err = e.db.Form.Insert(ctx, f); err != nil {
		return nil, err
	}
	for _, room := range targets {
		// A form opened by invitation only is asked of its participants in
		// their direct chats; rooms get no invitation anyone could take.
		if f.Origin != "" || slices.Contains(invited, room) {
			continue
		}
		lang := e.authority.Language(ctx, room)
		text := e.l10n.Text(lang, msgInvitation, map[string]any{"Title": e.title(ctx, tmpl, lang), "Fill": format.SafeMarkdownCode("fill " + ShortID(f))})
		if !deadline.IsZero() {
			text += " " + e.l10n.Text(lang, msgDeadline, map[string]any{"Until": deadline.UTC().Format("2006-01-02 15:04 UTC")})
		}
		eventID, err := e.mx.SendMarkdown(ctx, room, text, rooms.Bot)
		if errors.Is(err, rooms.ErrCannotPost) {
			zerolog.Ctx(ctx).Warn().Err(err).Int64("form_id", f.ID).Stringer("target_room", room).Msg("Skipped a room the form's invitation cannot go to")
			continue
		} else if err != nil {
			return nil, fmt.Errorf("failed to post invitation in %s: %w", room, err)
		}
		if err = e.db.Form.PutInvitation(ctx, eventID, f.ID, room); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// formOf is the form origin opened, nil when it opened none (or origin is
// a person's "").
func (e *Engine) formOf(ctx context.Context, origin string) (*database.Form, error) {
	if origin == "" {
		return nil, nil
	}
	return e.db.Form.ByOrigin(ctx, origin)
}

// ErrNoTemplate is an unknown template name.
var ErrNoTemplate = errors.New("no such template")

// Fill starts (or resumes) the person's answers to an open form. Only
// people in the form's room or its coalition may fill it; to anyone else it
// does not exist.
func (e *Engine) Fill(ctx context.Context, userID id.UserID, formID int64) error {
	f, err := e.db.Form.Get(ctx, formID)
	if err != nil {
		return err
	}
	if f == nil || f.Closed {
		return ErrNoForm
	}
	if ok, err := e.mayFill(ctx, userID, f); err != nil {
		return err
	} else if !ok {
		return ErrNoForm
	}
	return e.Start(ctx, userID, KindForm, f.ID, f.Template)
}

// OpenFor lists the open forms the person may fill.
func (e *Engine) OpenFor(ctx context.Context, userID id.UserID) ([]*database.Form, error) {
	open, err := e.db.Form.Open(ctx)
	if err != nil {
		return nil, err
	}
	var mine []*database.Form
	for _, f := range open {
		if ok, err := e.mayFill(ctx, userID, f); err != nil {
			return nil, err
		} else if ok {
			mine = append(mine, f)
		}
	}
	return mine, nil
}

func (e *Engine) mayFill(ctx context.Context, userID id.UserID, f *database.Form) (bool, error) {
	if f.Origin != "" {
		if ok, err := e.db.Form.IsParticipant(ctx, f.ID, userID); err != nil || !ok {
			return false, err
		}
	}
	reach, err := e.authority.Scope(ctx, f.RoomID, f.CoalitionID, false)
	if err != nil {
		return false, err
	}
	for _, r := range reach {
		if e.mx.IsJoined(ctx, r, userID) {
			return true, nil
		}
	}
	return false, nil
}

// OnReaction starts the form whose invitation was reacted to.
func (e *Engine) OnReaction(ctx context.Context, evt *event.Event) (bool, error) {
	formID, err := e.db.Form.InvitationForm(ctx, evt.Content.AsReaction().RelatesTo.EventID)
	if err != nil || formID == 0 {
		return false, err
	}
	return true, e.Fill(ctx, evt.Sender, formID)
}

// Visible returns a form that the room can see: its own or its coalition's.
func (e *Engine) Visible(ctx context.Context, roomID id.RoomID, formID int64) (*database.Form, error) {
	f, err := e.db.Form.Get(ctx, formID)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, ErrNoForm
	}
	if f.RoomID == roomID {
		return f, nil
	}
	// Seen from the coalition's rooms while the room that started it is still one of them.
	reach, err := e.authority.Scope(ctx, f.RoomID, f.CoalitionID, false)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(reach, roomID) {
		return nil, ErrNoForm
	}
	return f, nil
}

// ErrNotOwner is a form another room of the coalition started: only that
// room's moderators close or export it.
var ErrNotOwner = errors.New("form belongs to another room")

// Owned returns a form the room started; one that another room of its
// coalition started is ErrNotOwner, anything else ErrNoForm.
func (e *Engine) Owned(ctx context.Context, roomID id.RoomID, formID int64) (*database.Form, error) {
	f, err := e.Visible(ctx, roomID, formID)
	if err != nil {
		return nil, err
	}
	if f.RoomID != roomID {
		return f, ErrNotOwner
	}
	return f, nil
}

// Results summarises the responses in lang: counts for closed questions,
// numbers' range and average, free text translated with the original.
func (e *Engine) Results(ctx context.Context, f *database.Form, lang string) (string, error) {
	tmpl, ok := e.templates[f.Template]
	if !ok {
		return "", ErrNoTemplate
	}
	responses, err := e.db.Form.Responses(ctx, f.ID)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(e.l10n.Plural(lang, msgResults, len(responses), map[string]any{"Title": e.title(ctx, tmpl, lang), "ID": ShortID(f)}))
	for i, q := range tmpl.Questions {
		fmt.Fprintf(&b, "\n\n**%d. %s**\n", i+1, format.EscapeMarkdown(e.text(ctx, q.Text, tmpl.Language, lang)))
		switch q.Type {
		case TypeChoice, TypeMulti, TypeYesNo:
			counts := map[string]int{}
			for _, r := range responses {
				if a, ok := r.Answers[q.ID]; ok {
					for _, v := range strings.Split(a.Value, ",") {
						counts[v]++
					}
				}
			}
			if q.Type == TypeYesNo {
				for _, v := range []string{"yes", "no"} {
					fmt.Fprintf(&b, "- %s: %d\n", v, counts[v])
				}
				continue
			}
			for _, o := range q.Options {
				fmt.Fprintf(&b, "- %s: %d\n", format.EscapeMarkdown(e.text(ctx, o.Text, tmpl.Language, lang)), counts[o.ID])
			}
		case TypeNumber, TypeScale:
			var vals []float64
			for _, r := range responses {
				if a, ok := r.Answers[q.ID]; ok {
					if v, err := strconv.ParseFloat(a.Value, 64); err == nil {
						vals = append(vals, v)
					}
				}
			}
			if len(vals) > 0 {
				sort.Float64s(vals)
				sum := 0.0
				for _, v := range vals {
					sum += v
				}
				b.WriteString("- " + e.l10n.Text(lang, msgAverage, map[string]any{
					"Avg": strconv.FormatFloat(sum/float64(len(vals)), 'f', 1, 64), "Min": num(vals[0]), "Max": num(vals[len(vals)-1])}) + "\n")
			}
		default:
			for _, r := range responses {
				a, ok := r.Answers[q.ID]
				if !ok {
					continue
				}
				line := format.EscapeMarkdown(a.Shown)
				if r.Lang != lang && e.tr != nil {
					if res, err := e.tr.Translate(ctx, translate.Request{Source: r.Lang, Target: lang, Texts: []string{a.Shown}, Encrypted: true}); err == nil && res[0].Translated {
						line = e.l10n.Text(lang, msgResultsOrig, map[string]any{
							"Text": "“" + format.EscapeMarkdown(res[0].Text) + "”", "Original": "“" + line + "”"})
					}
				}
				b.WriteString("- " + line + "\n")
			}
		}
	}
	return b.String(), nil
}

// ExportCSV writes one row per response: when, who, language, then each
// question's answer. Cells that a spreadsheet would run as a formula are
// neutralised with a leading apostrophe.
func (e *Engine) ExportCSV(ctx context.Context, f *database.Form) ([]byte, error) {
	tmpl, ok := e.templates[f.Template]
	if !ok {
		return nil, ErrNoTemplate
	}
	responses, err := e.db.Form.Responses(ctx, f.ID)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	header := []string{"submitted_at", "user", "language"}
	for _, q := range tmpl.Questions {
		header = append(header, q.ID)
	}
	_ = w.Write(header)
	for _, r := range responses {
		row := []string{r.SubmittedAt.UTC().Format(time.RFC3339), SafeCell(string(r.UserID)), r.Lang}
		for _, q := range tmpl.Questions {
			cell := ""
			if a, ok := r.Answers[q.ID]; ok {
				cell = a.Value
				if q.Type == TypeText {
					cell = a.Shown
				}
			}
			row = append(row, SafeCell(cell))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// SafeCell keeps spreadsheets from running a cell as a formula.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Close closes the form and posts its results to the coordinator room, or
// to every room of the coalition for a retro. It returns false if the form
// was closed already; results still owed then (a send failed, or the bot
// stopped, after it closed) are posted now, each room's once.
func (e *Engine) Close(ctx context.Context, f *database.Form) (bool, error) {
	closed, err := e.db.Form.Close(ctx, f.ID)
	if err != nil {
		return false, err
	}
	if !closed {
		if f, err = e.db.Form.Get(ctx, f.ID); err != nil || f == nil || f.ResultsPosted {
			return false, err
		}
	}
	return closed, e.postResults(ctx, f)
}

// postResults posts a closed form's results where they go, and records that
// they did.
func (e *Engine) postResults(ctx context.Context, f *database.Form) error {
	targets := []id.RoomID{f.RoomID}
	if f.ResultsEverywhere {
		// The coalition it was opened in, while its room is still there;
		// what people told the bot does not go to the responder room.
		var err error
		if targets, err = e.authority.Scope(ctx, f.RoomID, f.CoalitionID, true); err != nil {
			return err
		}
	}
	for _, room := range targets {
		lang := e.authority.Language(ctx, room)
		results, err := e.Results(ctx, f, lang)
		if err != nil {
			return err
		}
		// Results are built from answers given in encrypted direct chats: the
		// send guard keeps them out of an unencrypted room (and says so there).
		content := mxtext.Notice(results+"\n\n"+e.l10n.Text(lang, msgClosedNote, nil), nil)
		txn := txnid.Stable("form-results", strconv.FormatInt(f.ID, 10), string(room))
		_, err = e.mx.SendOnce(ctx, room, content, txn, rooms.Private)
		if err != nil && !errors.Is(err, rooms.ErrEncryptedToPlain) && !errors.Is(err, rooms.ErrCannotPost) {
			return err
		}
	}
	return e.db.Form.ResultsPosted(ctx, f.ID)
}

// CloseDue closes every form whose deadline has passed, and posts the
// results still owed; one form that fails holds up no other.
func (e *Engine) CloseDue(ctx context.Context) error {
	due, err := e.db.Form.Due(ctx, e.now())
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range due {
		if _, err = e.Close(ctx, f); err != nil {
			errs = append(errs, fmt.Errorf("failed to close form %d: %w", f.ID, err))
		}
	}
	return errors.Join(errs...)
}

// RunDeadlines closes forms whose deadline has passed, until ctx ends.
func (e *Engine) RunDeadlines(ctx context.Context) {
	ticker := time.NewTicker(30 * time.Second)
	defer ticker.Stop()
	for {
		safe.Run(&e.log, "forms", func() {
			if err := e.CloseDue(ctx); err != nil && ctx.Err() == nil {
				e.log.Err(err).Msg("Failed to close forms past their deadline")
			}
		})
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// abandonedAfter is how long a form conversation nobody answers is kept.
const abandonedAfter = 30 * 24 * time.Hour

// Prune deletes form conversations abandoned half-way. Incident intakes are
// the incidents service's, with its retention.
func (e *Engine) Prune(ctx context.Context) error {
	return e.db.Conversation.PruneAbandoned(ctx, e.now().Add(-abandonedAfter))
}
