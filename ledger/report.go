package ledger

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/rooms"
	"starling/translate"
)

var (
	msgToCoalition = &i18n.Message{ID: "LedgerToCoalition", Description: "The receiver of a contribution made to the coalition as a whole.",
		Other: "the whole coalition"}
	msgOriginalNote = &i18n.Message{ID: "LedgerOriginalNote", Description: "After a translated note. Lang is a language code, Text the note as written.",
		Other: "original ({{.Lang}}): {{.Text}}"}
	msgSummaryHeader = &i18n.Message{ID: "LedgerSummaryHeader", Description: "Name is the coalition's name in bold, Period like 2026-Q4.",
		One: "Reciprocity ledger of {{.Name}}, {{.Period}}: {{.Count}} contribution.", Other: "Reciprocity ledger of {{.Name}}, {{.Period}}: {{.Count}} contributions."}
	msgSummaryEmpty = &i18n.Message{ID: "LedgerSummaryEmpty", Description: "Period like 2026-Q4; Command is a code span.",
		Other: "Nothing was recorded in {{.Period}}. Record a contribution with {{.Command}}."}
	msgRoomLine = &i18n.Message{ID: "LedgerRoomLine",
		Description: "One room's quarter. Room is its name in bold; Given and Received are counts; GivenTotals and ReceivedTotals are lists like 'translation 2 (6 h) · funds 1 (50 EUR)', or 'nothing'.",
		Other:       "{{.Room}} — gave {{.Given}}: {{.GivenTotals}}; received {{.Received}}: {{.ReceivedTotals}}"}
	msgToAll = &i18n.Message{ID: "LedgerToAllLine", Description: "The line of what rooms gave the coalition as a whole; Totals is a list.",
		Other: "To the whole coalition: {{.Totals}}"}
	msgNothing    = &i18n.Message{ID: "LedgerNothing", Description: "A room gave or received nothing in the period.", Other: "nothing"}
	msgListHeader = &i18n.Message{ID: "LedgerListHeader", Description: "Period like 2026-Q4.",
		One: "{{.Count}} contribution in {{.Period}}:", Other: "{{.Count}} contributions in {{.Period}}:"}
	msgListMore = &i18n.Message{ID: "LedgerListMore", Description: "Before a list cut to the latest entries; Command is a code span.",
		One:   "{{.Count}} earlier contribution is not shown here: {{.Command}} has them all.",
		Other: "{{.Count}} earlier contributions are not shown here: {{.Command}} has them all."}
	msgAuditLine = &i18n.Message{ID: "LedgerAuditLine", Description: "One change to an entry. When is a date and time, Who a user id in code, Action a word such as 'edited'.",
		Other: "{{.When}} — {{.Who}}: {{.Action}}"}
	msgAuditBefore = &i18n.Message{ID: "LedgerAuditBefore", Description: "What an entry said before a change. Entry is the entry's line.",
		Other: "before: {{.Entry}}"}
	auditActions = map[string]*i18n.Message{
		database.LedgerAdded:     &i18n.Message{ID: "LedgerActionAdded", Other: "recorded"},
		database.LedgerEdited:    &i18n.Message{ID: "LedgerActionEdited", Other: "edited by its author"},
		database.LedgerCorrected: &i18n.Message{ID: "LedgerActionCorrected", Other: "corrected by a moderator of the giving room"},
		database.LedgerWithdrawn: &i18n.Message{ID: "LedgerActionWithdrawn", Other: "withdrawn"},
	}
)

// Tally is what one room gave or received in a period: how many
// contributions, and per kind how many and how much of each unit.
type Tally struct {
	Count int
	Kinds map[string]*KindTally
}

// KindTally is one kind's contributions: how many, and the sum per unit
// (hours, each currency apart, items).
type KindTally struct {
	Count int
	Sums  map[string]int64
}

func (t *Tally) add(e *database.LedgerEntry) {
	t.Count++
	if t.Kinds == nil {
		t.Kinds = map[string]*KindTally{}
	}
	k := t.Kinds[e.Kind]
	if k == nil {
		k = &KindTally{Sums: map[string]int64{}}
		t.Kinds[e.Kind] = k
	}
	k.Count++
	if e.Unit != "" {
		k.Sums[e.Unit] += e.Hundredths
	}
}

// RoomTally is one room's period.
type RoomTally struct {
	Room           id.RoomID
	Given, Receive Tally
}

// Totals are each room's tallies, in the order of rooms, and what rooms
// gave to the coalition as a whole.
func Totals(entries []*database.LedgerEntry, roomIDs []id.RoomID) ([]*RoomTally, Tally) {
	out := make([]*RoomTally, len(roomIDs))
	at := map[id.RoomID]*RoomTally{}
	for i, r := range roomIDs {
		out[i] = &RoomTally{Room: r}
		at[r] = out[i]
	}
	var toAll Tally
	for _, e := range entries {
		if t := at[e.FromRoom]; t != nil {
			t.Given.add(e)
		}
		if e.ToRoom == "" {
			toAll.add(e)
		} else if t := at[e.ToRoom]; t != nil {
			t.Receive.add(e)
		}
	}
	return out, toAll
}

// tallyText writes a tally as "translation 2 (6 h) · funds 1 (50 EUR, 20 USD)".
func (s *Service) tallyText(t Tally, lang string) string {
	if t.Count == 0 {
		return s.l10n.Text(lang, msgNothing, nil)
	}
	var parts []string
	for _, kind := range Kinds {
		k := t.Kinds[kind]
		if k == nil {
			continue
		}
		part := fmt.Sprintf("%s %d", s.l10n.Text(lang, KindName(kind), nil), k.Count)
		var sums []string
		for _, unit := range slices.Sorted(maps.Keys(k.Sums)) {
			if unit != UnitItems {
				sums = append(sums, Amount{Hundredths: k.Sums[unit], Unit: unit}.Format(lang))
			}
		}
		if len(sums) > 0 {
			part += " (" + strings.Join(sums, ", ") + ")"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " · ")
}

// originOf is where what is built from the entries came from: encrypted
// if any of them was.
func originOf(entries []*database.LedgerEntry) rooms.Origin {
	origin := rooms.Bot
	for _, e := range entries {
		origin = origin.With(entryOrigin(e))
	}
	return origin
}

// Summary is the period's totals per room of room's coalition, in lang;
// addCommand is how a reader records a contribution. Counts and amounts
// are built from what people wrote: they carry the entries' provenance.
func (s *Service) Summary(ctx context.Context, room id.RoomID, lang string, p Period, addCommand string) (string, rooms.Origin, error) {
	entries, pl, err := s.Entries(ctx, room, p)
	if err != nil {
		return "", rooms.Bot, err
	}
	if len(entries) == 0 {
		return s.l10n.Text(lang, msgSummaryEmpty, map[string]any{"Period": p.String(), "Command": format.SafeMarkdownCode(addCommand)}), rooms.Bot, nil
	}
	tallies, toAll := Totals(entries, pl.rooms)
	var b strings.Builder
	b.WriteString(s.l10n.Plural(lang, msgSummaryHeader, len(entries), map[string]any{"Name": bold(pl.coalition.Name), "Period": p.String()}))
	b.WriteString("\n\n")
	for i, t := range tallies {
		fmt.Fprintf(&b, "%d. %s\n", i+1, s.l10n.Text(lang, msgRoomLine, map[string]any{"Room": bold(s.mx.RoomName(ctx, t.Room)),
			"Given": t.Given.Count, "GivenTotals": s.tallyText(t.Given, lang),
			"Received": t.Receive.Count, "ReceivedTotals": s.tallyText(t.Receive, lang)}))
	}
	if toAll.Count > 0 {
		b.WriteString("\n" + s.l10n.Text(lang, msgToAll, map[string]any{"Totals": s.tallyText(toAll, lang)}) + "\n")
	}
	return b.String(), originOf(entries), nil
}

// maxListed bounds the entries one list shows, so the answer stays one
// message; the export has them all.
const maxListed = 40

// List is the period's standing entries, the latest maxListed, each in
// lang with its note translated and the original kept; moreCommand is
// where the rest are.
func (s *Service) List(ctx context.Context, room id.RoomID, lang string, p Period, moreCommand string) (string, rooms.Origin, error) {
	entries, _, err := s.Entries(ctx, room, p)
	if err != nil {
		return "", rooms.Bot, err
	}
	var b strings.Builder
	b.WriteString(s.l10n.Plural(lang, msgListHeader, len(entries), map[string]any{"Period": p.String()}))
	b.WriteString("\n\n")
	shown := entries[max(0, len(entries)-maxListed):]
	if len(shown) < len(entries) {
		b.WriteString(s.l10n.Plural(lang, msgListMore, len(entries)-len(shown), map[string]any{"Command": format.SafeMarkdownCode(moreCommand)}) + "\n\n")
	}
	for _, e := range shown {
		b.WriteString("- " + s.Line(ctx, e, lang) + "\n")
	}
	return b.String(), originOf(shown), nil
}

// Show is one entry and its audit trail, times in zone.
func (s *Service) Show(ctx context.Context, room id.RoomID, lang string, zone *time.Location, entryID int64) (string, rooms.Origin, error) {
	e, trail, err := s.Get(ctx, room, entryID)
	if err != nil {
		return "", rooms.Bot, err
	}
	var b strings.Builder
	b.WriteString(s.Line(ctx, e, lang))
	if e.Withdrawn {
		b.WriteString(" (" + s.l10n.Text(lang, auditActions[database.LedgerWithdrawn], nil) + ")")
	}
	b.WriteString("\n")
	origin := entryOrigin(e)
	for _, a := range trail {
		b.WriteString("\n- " + s.l10n.Text(lang, msgAuditLine, map[string]any{
			"When":   a.At.In(zone).Format("2006-01-02 15:04"),
			"Who":    format.SafeMarkdownCode(a.Actor.String()),
			"Action": s.l10n.Text(lang, auditActions[a.Action], nil),
		}))
		if a.Before != nil && a.Action != database.LedgerWithdrawn {
			b.WriteString("\n  " + s.l10n.Text(lang, msgAuditBefore, map[string]any{"Entry": s.Line(ctx, a.Before, lang)}))
			origin = origin.With(entryOrigin(a.Before))
		}
	}
	return b.String(), origin, nil
}

// entryOrigin is where an entry's note came from.
func entryOrigin(e *database.LedgerEntry) rooms.Origin {
	return rooms.Origin{Room: e.FromRoom, Encrypted: e.Encrypted}
}

// Line is one entry as a reader of lang sees it: "`l3` · Sala ES → Sala EN ·
// translation · 6 h — “the note, translated” (original (es): “…”)".
func (s *Service) Line(ctx context.Context, e *database.LedgerEntry, lang string) string {
	parts := []string{format.SafeMarkdownCode(ShortID(e)), bold(s.mx.RoomName(ctx, e.FromRoom)) + " → " + s.receiverName(ctx, e, lang),
		s.l10n.Text(lang, KindName(e.Kind), nil)}
	if a := (Amount{Hundredths: e.Hundredths, Unit: e.Unit}); !a.IsZero() {
		parts = append(parts, a.Format(lang))
	}
	line := strings.Join(parts, " · ")
	if e.Note == "" {
		return line
	}
	shown, translated := s.translateNote(ctx, e, lang)
	line += " — “" + format.EscapeMarkdown(shown) + "”"
	if translated {
		line += " (" + s.l10n.Text(lang, msgOriginalNote, map[string]any{"Lang": e.NoteLang, "Text": "“" + format.EscapeMarkdown(e.Note) + "”"}) + ")"
	}
	return line
}

func (s *Service) receiverName(ctx context.Context, e *database.LedgerEntry, lang string) string {
	if e.ToRoom == "" {
		return s.l10n.Text(lang, msgToCoalition, nil)
	}
	return bold(s.mx.RoomName(ctx, e.ToRoom))
}

// translateNote is the note in lang, only through engines its provenance
// allows; the original when it is in lang already or cannot be translated.
func (s *Service) translateNote(ctx context.Context, e *database.LedgerEntry, lang string) (string, bool) {
	if e.NoteLang == "" || baseOf(e.NoteLang) == baseOf(lang) {
		return e.Note, false
	}
	res, err := s.tr.Translate(ctx, translate.Request{Source: e.NoteLang, Target: lang, Texts: []string{e.Note}, Encrypted: e.Encrypted})
	if err != nil || len(res) == 0 || !res[0].Translated {
		return e.Note, false
	}
	return res[0].Text, true
}

func baseOf(lang string) string {
	base, _, _ := strings.Cut(lang, "-")
	return cmp.Or(base, lang)
}

// bold is a room or coalition name, escaped, in bold.
func bold(name string) string { return "**" + format.EscapeMarkdown(name) + "**" }
