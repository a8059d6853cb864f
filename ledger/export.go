package ledger

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/id"

	"starling/forms"
	"starling/rooms"
)

var msgExportSent = &i18n.Message{ID: "LedgerExportSent",
	Description: "Sent in the requester's private chat with the ledger export files. Name is the coalition's name in bold, Period like 2026-Q4.",
	Other:       "The reciprocity ledger of {{.Name}} for {{.Period}}: every contribution as CSV (opens in any spreadsheet), and a summary in two languages."}

// Export is the period's ledger as files for the person who asked: a CSV
// of every entry (notes as written and in lang, cells safe from formulas)
// and a Markdown summary in lang and in second. Both go to their direct
// chat.
type Export struct {
	CSV, Markdown []byte
	Name          string
	Origin        rooms.Origin
}

// Export builds the period's files, in lang and second.
func (s *Service) Export(ctx context.Context, room id.RoomID, lang, second string, p Period, addCommand string) (*Export, error) {
	entries, pl, err := s.Entries(ctx, room, p)
	if err != nil {
		return nil, err
	}
	out := &Export{Name: fmt.Sprintf("ledger-%s-%s", slug(pl.coalition.Name), p), Origin: originOf(entries)}
	var table bytes.Buffer
	w := csv.NewWriter(&table)
	_ = w.Write([]string{"id", "recorded_at", "from_room", "to_room", "kind", "amount", "unit", "note", "note_lang", "note_" + lang, "author"})
	for _, e := range entries {
		to := "coalition"
		if e.ToRoom != "" {
			to = s.mx.RoomName(ctx, e.ToRoom)
		}
		amount := ""
		if e.Unit != "" {
			amount = strconv.FormatFloat(float64(e.Hundredths)/100, 'f', -1, 64)
		}
		translated, _ := s.translateNote(ctx, e, lang)
		row := []string{ShortID(e), e.CreatedAt.UTC().Format(time.RFC3339), s.mx.RoomName(ctx, e.FromRoom), to, e.Kind, amount, e.Unit,
			e.Note, e.NoteLang, translated, e.Author.String()}
		for i := range row {
			row[i] = forms.SafeCell(row[i])
		}
		_ = w.Write(row)
	}
	w.Flush()
	if err = w.Error(); err != nil {
		return nil, fmt.Errorf("failed to write ledger CSV: %w", err)
	}
	out.CSV = table.Bytes()
	var md strings.Builder
	for i, l := range []string{lang, second} {
		if i > 0 {
			md.WriteString("\n---\n\n")
		}
		summary, _, err := s.Summary(ctx, room, l, p, addCommand)
		if err != nil {
			return nil, err
		}
		md.WriteString(summary + "\n")
		for _, e := range entries {
			md.WriteString("- " + s.Line(ctx, e, l) + "\n")
		}
	}
	out.Markdown = []byte(md.String())
	return out, nil
}

// SendExport sends the files to the person's direct chat, with a word of
// what they are.
func (s *Service) SendExport(ctx context.Context, to id.UserID, lang string, coalition string, p Period, x *Export) error {
	dm, err := s.mx.SendToPerson(ctx, to, "", s.l10n.Text(lang, msgExportSent, map[string]any{"Name": bold(coalition), "Period": p.String()}))
	if err != nil {
		return err
	}
	// The direct chat is encrypted, so the entries' notes may go there.
	if err = s.mx.SendFile(ctx, dm, "", x.CSV, x.Name+".csv", "text/csv", x.Origin); err != nil {
		return err
	}
	return s.mx.SendFile(ctx, dm, "", x.Markdown, x.Name+".md", "text/markdown", x.Origin)
}

// CoalitionName is the name of room's coalition.
func (s *Service) CoalitionName(ctx context.Context, room id.RoomID) (string, error) {
	pl, err := s.place(ctx, room)
	if err != nil {
		return "", err
	}
	return pl.coalition.Name, nil
}

// slug is a name fit for a file name.
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
