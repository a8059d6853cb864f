package commands

import (
	"errors"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"

	"starling/ledger"
	"starling/relay"
	"starling/rooms"
)

var (
	msgLedgerSummary         = &i18n.Message{ID: "LedgerSummary", Other: "What each group gave and received this quarter (or a quarter such as 2026-Q3)."}
	msgLedgerAddSummary      = &i18n.Message{ID: "LedgerAddSummary", Other: "Record a contribution your group made to another group or to the whole coalition."}
	msgLedgerListSummary     = &i18n.Message{ID: "LedgerListSummary", Other: "Every contribution of the quarter, each in your language with its original."}
	msgLedgerShowSummary     = &i18n.Message{ID: "LedgerShowSummary", Other: "One contribution and every change made to it."}
	msgLedgerEditSummary     = &i18n.Message{ID: "LedgerEditSummary", Other: "Change a contribution you recorded."}
	msgLedgerWithdrawSummary = &i18n.Message{ID: "LedgerWithdrawSummary", Other: "Withdraw a contribution you recorded (moderators: any of this room's)."}
	msgLedgerCorrectSummary  = &i18n.Message{ID: "LedgerCorrectSummary", Other: "Correct a contribution this room made (moderators)."}
	msgLedgerExportSummary   = &i18n.Message{ID: "LedgerExportSummary", Other: "Get the quarter's ledger as a spreadsheet (CSV) and a summary in two languages, in your private chat."}
	msgLedgerChartSummary    = &i18n.Message{ID: "LedgerChartSummary", Other: "A chart of what each group gave and received this quarter."}

	msgLedgerWithdrawn = &i18n.Message{ID: "LedgerWithdrawn", Description: "ID is the entry's id in code.",
		Other: "{{.ID}} is withdrawn: it counts no more. Its audit trail keeps what it said."}
	msgLedgerChanged = &i18n.Message{ID: "LedgerChangedTo", Description: "Entry is the entry's line as it reads now.",
		Other: "Changed; it now reads: {{.Entry}}"}
	msgLedgerExportSent = &i18n.Message{ID: "LedgerExportSentHere", Other: "I sent you the ledger in our private chat."}
	msgLedgerBadDraft   = &i18n.Message{ID: "LedgerBadDraft", Description: "Example is a code span; Kinds a list of kind names.",
		Other: "Write the amount (if any), the kind, whom it was for, and a note after a colon, for example {{.Example}}. Kinds: {{.Kinds}}."}
	msgLedgerNoReceiver = &i18n.Message{ID: "LedgerNoReceiver", Description: "Room is what was typed, in code; Command is a code span.",
		Other: "No room of the coalition is called {{.Room}}. Name it as {{.Command}} lists it (or its number), or say the coalition."}
	msgLedgerToSelf   = &i18n.Message{ID: "LedgerToSelf", Other: "A group cannot give to itself: name another room, or the whole coalition."}
	msgLedgerNoEntry  = &i18n.Message{ID: "LedgerNoEntry", Description: "ID is what was typed, in code.", Other: "There is no contribution {{.ID}} in this coalition."}
	msgLedgerNotOwner = &i18n.Message{ID: "LedgerNotAuthor",
		Other: "Only the person who recorded a contribution can change or withdraw it; a moderator of the room that gave can correct it there."}
	msgLedgerNotGiver  = &i18n.Message{ID: "LedgerNotGiverRoom", Other: "A contribution is changed in the room that gave it: by who recorded it, or corrected by one of its moderators."}
	msgLedgerResponder = &i18n.Message{ID: "LedgerResponderRoom", Other: "The responder room keeps no ledger: what responders say stays here, and the coalition's ledger is read in its other rooms."}
	msgLedgerRace      = &i18n.Message{ID: "LedgerChangedMeanwhile", Other: "Someone changed that contribution at the same moment. Look at it again and send yours again if it is still needed."}
	msgLedgerTooLong   = &i18n.Message{ID: "LedgerNoteTooLong", Description: "Max is a number.", Other: "The note is too long: at most {{.Max}} characters."}
	msgLedgerBadPeriod = &i18n.Message{ID: "LedgerBadPeriod", Description: "Word is what was typed, in code; Example a code span.",
		Other: "I cannot read {{.Word}} as a quarter: write it as {{.Example}}."}
)

// ledgerPeriod is the quarter named in the arguments, or this one, in the
// room's zone.
func ledgerPeriod(cx *Ctx, args []string) (ledger.Period, error) {
	loc, err := time.LoadLocation(cx.RoomTimezone())
	if err != nil {
		loc = time.UTC
	}
	now := cx.router.Now()
	if len(args) == 0 {
		return ledger.QuarterOf(now, loc), nil
	}
	p, ok := ledger.ParsePeriod(args[0], now, loc)
	if !ok {
		return ledger.Period{}, &UserError{Msg: msgLedgerBadPeriod, Data: map[string]any{"Word": Echo(args[0]),
			"Example": format.SafeMarkdownCode(ledger.QuarterOf(now, loc).String())}}
	}
	return p, nil
}

func ledgerAddExample(cx *Ctx) string {
	return cx.Prefix() + "ledger add 6h translation for Sala EN: subtitled the video"
}

func runLedgerSummary(cx *Ctx) error {
	p, err := ledgerPeriod(cx, cx.Args)
	if err != nil {
		return err
	}
	text, origin, err := cx.router.Ledger.Summary(cx.Ctx, cx.RoomID, cx.Lang, p, cx.Prefix()+"ledger add")
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(origin, text)
	return nil
}

func runLedgerList(cx *Ctx) error {
	p, err := ledgerPeriod(cx, cx.Args)
	if err != nil {
		return err
	}
	text, origin, err := cx.router.Ledger.List(cx.Ctx, cx.RoomID, cx.Lang, p, cx.Prefix()+"ledger export")
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(origin, text)
	return nil
}

// ledgerRecord reads a typed contribution: its words, and whom it was for
// resolved among the coalition's rooms.
func ledgerRecord(cx *Ctx, raw string) (ledger.Record, error) {
	draft, err := ledger.ParseDraft(raw, cx.Lang)
	if err != nil {
		return ledger.Record{}, ledgerError(cx, err)
	}
	r := ledger.Record{Room: cx.RoomID, Author: cx.Sender, Draft: draft, Lang: cx.RoomLanguage(), Origin: cx.Origin}
	if draft.To != "" {
		to, err := cx.router.Relay.Coalitions().FindRoom(cx.Ctx, cx.RoomID, draft.To)
		if errors.Is(err, relay.ErrNoSuchRoom) {
			return ledger.Record{}, &UserError{Msg: msgLedgerNoReceiver, Data: map[string]any{"Room": Echo(draft.To),
				"Command": format.SafeMarkdownCode(cx.Prefix() + "link list")}}
		} else if err != nil {
			return ledger.Record{}, ledgerError(cx, err)
		}
		r.To = to
	}
	// A note is in the language of the room it was written in; in a mixed
	// room, the language its words show.
	if draft.Note != "" {
		r.Lang, _ = cx.router.Rooms.MessageLanguage(cx.Ctx, cx.RoomID, draft.Note)
	}
	return r, nil
}

func runLedgerAdd(cx *Ctx) error {
	r, err := ledgerRecord(cx, cx.RawArgs)
	if err != nil {
		return err
	}
	e, err := cx.router.Ledger.Add(cx.Ctx, r)
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(cx.Origin, cx.router.Ledger.Line(cx.Ctx, e, cx.Lang))
	return nil
}

// ledgerEntryArg is the entry named by the first argument, and the rest.
func ledgerEntryArg(cx *Ctx) (int64, string, error) {
	n, ok := ledger.ParseShortID(cx.Args[0])
	if !ok {
		return 0, "", &UserError{Msg: msgLedgerNoEntry, Data: map[string]any{"ID": Echo(cx.Args[0])}}
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cx.RawArgs), cx.Args[0]))
	return n, rest, nil
}

func runLedgerEdit(cx *Ctx) error    { return changeLedger(cx, false) }
func runLedgerCorrect(cx *Ctx) error { return changeLedger(cx, true) }
func changeLedger(cx *Ctx, correction bool) error {
	n, rest, err := ledgerEntryArg(cx)
	if err != nil {
		return err
	}
	r, err := ledgerRecord(cx, rest)
	if err != nil {
		return err
	}
	e, err := cx.router.Ledger.Change(cx.Ctx, n, r, correction)
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(cx.Origin.With(rooms.Origin{Room: e.FromRoom, Encrypted: e.Encrypted}), cx.T(msgLedgerChanged, map[string]any{"Entry": cx.router.Ledger.Line(cx.Ctx, e, cx.Lang)}))
	return nil
}

func runLedgerWithdraw(cx *Ctx) error {
	n, _, err := ledgerEntryArg(cx)
	if err != nil {
		return err
	}
	mod, err := cx.IsModerator()
	if err != nil {
		return err
	}
	e, err := cx.router.Ledger.Withdraw(cx.Ctx, cx.RoomID, cx.Sender, n, mod)
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.Reply(msgLedgerWithdrawn, map[string]any{"ID": format.SafeMarkdownCode(ledger.ShortID(e))})
	return nil
}

func runLedgerShow(cx *Ctx) error {
	n, _, err := ledgerEntryArg(cx)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(cx.RoomTimezone())
	if err != nil {
		loc = time.UTC
	}
	text, origin, err := cx.router.Ledger.Show(cx.Ctx, cx.RoomID, cx.Lang, loc, n)
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(origin, text)
	return nil
}

func runLedgerExport(cx *Ctx) error {
	p, err := ledgerPeriod(cx, cx.Args)
	if err != nil {
		return err
	}
	lang := cx.personLanguage()
	second := cx.RoomLanguage()
	if second == lang {
		second = map[bool]string{true: "es", false: "en"}[lang == "en"]
	}
	x, err := cx.router.Ledger.Export(cx.Ctx, cx.RoomID, lang, second, p, cx.Prefix()+"ledger add")
	if err != nil {
		return ledgerError(cx, err)
	}
	name, err := cx.router.Ledger.CoalitionName(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	if err = cx.router.Ledger.SendExport(cx.Ctx, cx.Sender, lang, name, p, x); err != nil {
		return err
	}
	cx.Reply(msgLedgerExportSent, nil)
	return nil
}

func runLedgerChart(cx *Ctx) error {
	p, err := ledgerPeriod(cx, cx.Args)
	if err != nil {
		return err
	}
	data, legend, origin, err := cx.router.Ledger.Chart(cx.Ctx, cx.RoomID, cx.Lang, p)
	if err != nil {
		return ledgerError(cx, err)
	}
	cx.ReplyFrom(origin, legend)
	return cx.router.Ledger.SendChart(cx.Ctx, cx.RoomID, cx.Event.ID, p, data, origin)
}

// ledgerError turns the ledger's refusals into what the person is told.
func ledgerError(cx *Ctx, err error) error {
	var de *ledger.DraftError
	if errors.As(err, &de) {
		switch de.Kind {
		case ledger.DraftBadAmount:
			return &UserError{Text: cx.router.Ledger.AmountProblem(cx.Lang, de.Amount)}
		case ledger.DraftNoteTooLong:
			return &UserError{Msg: msgLedgerTooLong, Data: map[string]any{"Max": 500}}
		}
		var kinds []string
		for _, k := range ledger.Kinds {
			kinds = append(kinds, cx.T(ledger.KindName(k), nil))
		}
		return &UserError{Msg: msgLedgerBadDraft, Data: map[string]any{"Example": format.SafeMarkdownCode(ledgerAddExample(cx)), "Kinds": strings.Join(kinds, ", ")}}
	}
	switch {
	case errors.Is(err, ledger.ErrNotLinked):
		return relayError(cx, relay.ErrNotLinked)
	case errors.Is(err, ledger.ErrResponderRoom):
		return &UserError{Msg: msgLedgerResponder}
	case errors.Is(err, ledger.ErrToSelf):
		return &UserError{Msg: msgLedgerToSelf}
	case errors.Is(err, ledger.ErrNoSuchEntry):
		return &UserError{Msg: msgLedgerNoEntry, Data: map[string]any{"ID": Echo(firstArg(cx))}}
	case errors.Is(err, ledger.ErrNotAuthor):
		return &UserError{Msg: msgLedgerNotOwner}
	case errors.Is(err, ledger.ErrNotGiverRoom):
		return &UserError{Msg: msgLedgerNotGiver}
	case errors.Is(err, ledger.ErrChanged):
		return &UserError{Msg: msgLedgerRace}
	}
	return relayError(cx, err)
}

func firstArg(cx *Ctx) string {
	if len(cx.Args) > 0 {
		return cx.Args[0]
	}
	return ""
}
