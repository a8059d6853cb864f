package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/relay"
)

var (
	msgLinkSummary       = &i18n.Message{ID: "LinkSummary", Other: "Show the rooms of this room's coalition."}
	msgLinkNewSummary    = &i18n.Message{ID: "LinkNewSummary", Other: "Start a coalition with this room (moderators)."}
	msgLinkCodeSummary   = &i18n.Message{ID: "LinkCodeSummary", Other: "Get a new one-time join code for another room (moderators)."}
	msgLinkJoinSummary   = &i18n.Message{ID: "LinkJoinSummary", Other: "Add this room to a coalition with a join code (moderators)."}
	msgLinkListSummary   = &i18n.Message{ID: "LinkListSummary", Other: "List the coalition's rooms with their language and time zone."}
	msgLinkLeaveSummary  = &i18n.Message{ID: "LinkLeaveSummary", Other: "Take this room out of its coalition (moderators)."}
	msgLinkPauseSummary  = &i18n.Message{ID: "LinkPauseSummary", Other: "Stop relaying messages from this room (moderators)."}
	msgLinkResumeSummary = &i18n.Message{ID: "LinkResumeSummary", Other: "Relay messages from this room again (moderators)."}
	msgLinkRemoveSummary = &i18n.Message{ID: "LinkRemoveSummary", Other: "Take another room out of the coalition, by its number in the list or its name (moderators)."}
	msgLinkCreated       = &i18n.Message{
		ID:          "LinkCreated",
		Description: "A coalition was started. Name is bold.",
		Other:       "Coalition {{.Name}} started with this room. I have sent you a join code for the next room in our private chat: give it only to a moderator of that room.",
	}
	msgLinkCodeSent = &i18n.Message{
		ID:          "LinkCodeSent",
		Description: "Reply in the room to !link code.",
		Other:       "I have sent you a new join code in our private chat: give it only to a moderator of the room that should join.",
	}
	msgLinkCode = &i18n.Message{
		ID:          "LinkCode",
		Description: "A join code, sent in the private chat of the moderator who asked. Name is bold, Command a code span, Hours a number.",
		Other:       "Join code for the coalition {{.Name}}: a moderator of the room that should join sends {{.Command}} there. It works once, for {{.Hours}} hours. Whoever has it can add a room, and every room of the coalition will be told.",
	}
	msgLinkRemoved  = &i18n.Message{ID: "LinkRemoved", Description: "Room is bold.", Other: "{{.Room}} is no longer in the coalition. Every room has been told."}
	msgLinkNoRoom   = &i18n.Message{ID: "LinkNoSuchRoom", Description: "Room and Command are code spans.", Other: "There is no room {{.Room}} in this coalition. See the numbers with {{.Command}}."}
	msgLinkInDirect = &i18n.Message{ID: "LinkInDirectChat", Other: "A private chat with me never joins a coalition. Send that in the room that should join. Nothing was changed."}
	msgLinkJoined   = &i18n.Message{
		ID:          "LinkJoined",
		Description: "This room joined a coalition. Name is bold; Count is the number of rooms.",
		One:         "This room joined {{.Name}}. Messages here are now relayed, translated, to the {{.Count}} other room.",
		Other:       "This room joined {{.Name}}. Messages here are now relayed, translated, to the {{.Count}} other rooms.",
	}
	msgLinkListHeader = &i18n.Message{
		ID:          "LinkListHeader",
		Description: "Heading of !link list. Name is bold; Count is the number of rooms.",
		One:         "Coalition {{.Name}} has {{.Count}} room:",
		Other:       "Coalition {{.Name}} has {{.Count}} rooms:",
	}
	msgLinkListRoom = &i18n.Message{
		ID:          "LinkListRoom",
		Description: "One room in !link list. Room is bold, Language a language name, Zone a code span.",
		Other:       "{{.Room}} — {{.Language}} · {{.Zone}}",
	}
	msgLinkPausedTag   = &i18n.Message{ID: "LinkPausedTag", Other: "paused"}
	msgLinkThisRoomTag = &i18n.Message{ID: "LinkThisRoomTag", Other: "this room"}
	msgLinkLeft        = &i18n.Message{ID: "LinkLeft", Other: "This room left its coalition. Nothing more is relayed to or from it."}
	msgLinkPaused      = &i18n.Message{ID: "LinkPaused", Other: "Messages from this room are no longer relayed. Send {{.Command}} to start again."}
	msgLinkResumed     = &i18n.Message{ID: "LinkResumed", Other: "Messages from this room are relayed again."}
	msgLinkNotLinked   = &i18n.Message{
		ID:          "LinkNotLinked",
		Description: "The room is in no coalition. Command is a code span.",
		Other:       "This room is not in a coalition. A moderator can start one with {{.Command}}.",
	}
	msgLinkAlready = &i18n.Message{
		ID:          "LinkAlready",
		Description: "The room is already in a coalition. Command is a code span.",
		Other:       "This room is already in a coalition. Leave it first with {{.Command}}.",
	}
	msgLinkBadCode   = &i18n.Message{ID: "LinkBadCode", Other: "That join code is unknown, already used or expired. Ask a moderator of the coalition for a new one. Nothing was changed."}
	msgLinkFull      = &i18n.Message{ID: "LinkFull", Other: "That coalition already has {{.Max}} rooms, the most it can have. Nothing was changed."}
	msgLinkMixed     = &i18n.Message{ID: "LinkMixed", Other: "This room cannot join: the coalition's rooms and this one differ in end-to-end encryption, and encrypted messages are never relayed into unencrypted rooms. Turn on encryption in every room first. Nothing was changed."}
	msgLinkBadName   = &i18n.Message{ID: "LinkBadName", Other: "Give the coalition a name of at most {{.Max}} characters, for example {{.Example}}."}
	msgLinkEncrypted = &i18n.Message{ID: "LinkEncryptedTag", Other: "encrypted"}

	msgLinkFailuresSummary = &i18n.Message{ID: "LinkFailuresSummary", Other: "List the copies from or to this room that the relay gave up on (moderators)."}
	msgLinkFailuresNone    = &i18n.Message{ID: "LinkFailuresNone", Other: "No copy from or to this room has been given up on."}
	msgLinkFailuresHeader  = &i18n.Message{ID: "LinkFailuresHeader", Other: "Copies the relay gave up on, from or to this room, newest first:"}
	msgLinkFailureLine     = &i18n.Message{
		ID:          "LinkFailureLine",
		Description: "One copy given up on. Time is a date and time with its zone; From and To are room names in bold; Reason is one of the LinkFailure reasons.",
		Other:       "{{.Time}} · {{.From}} → {{.To}}: {{.Reason}}",
	}
	msgLinkFailureUnreadable = &i18n.Message{ID: "LinkFailureUnreadable", Other: "the message could not be read (malformed, or its keys never came)"}
	msgLinkFailureRefused    = &i18n.Message{ID: "LinkFailureRefused", Other: "the homeserver refused the copy (too large, or not allowed there)"}
	msgLinkFailureCrashed    = &i18n.Message{ID: "LinkFailureCrashed", Other: "a fault in Starling met it; it is in the log for the admins"}
	msgLinkFailureFormerRoom = &i18n.Message{ID: "LinkFailureFormerRoom", Other: "a room no longer in the coalition"}
	msgLinkFailureReasons    = map[string]*i18n.Message{
		database.FailureUnreadable: msgLinkFailureUnreadable,
		database.FailureRefused:    msgLinkFailureRefused,
		database.FailureCrashed:    msgLinkFailureCrashed,
	}
)

// failuresShown is how many of the latest failures !link failures lists.
const failuresShown = 10

func relayError(cx *Ctx, err error) error {
	switch {
	case errors.Is(err, relay.ErrNotLinked):
		return &UserError{Msg: msgLinkNotLinked, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "link new <name>")}}
	case errors.Is(err, relay.ErrAlreadyLinked):
		return &UserError{Msg: msgLinkAlready, Data: map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "link leave")}}
	case errors.Is(err, relay.ErrBadCode):
		return &UserError{Msg: msgLinkBadCode}
	case errors.Is(err, relay.ErrFull):
		return &UserError{Msg: msgLinkFull, Data: map[string]any{"Max": relay.MaxRooms}}
	case errors.Is(err, relay.ErrEncryptionMismatch):
		return &UserError{Msg: msgLinkMixed}
	case errors.Is(err, relay.ErrDirectChat):
		return &UserError{Msg: msgLinkInDirect}
	case errors.Is(err, relay.ErrNoSuchRoom):
		return &UserError{Msg: msgLinkNoRoom, Data: map[string]any{"Room": Echo(cx.RawArgs), "Command": format.SafeMarkdownCode(cx.Prefix() + "link list")}}
	case errors.Is(err, relay.ErrBadName):
		return &UserError{Msg: msgLinkBadName, Data: map[string]any{"Max": 80, "Example": format.SafeMarkdownCode(cx.Prefix() + "link new Red de Solidaridad")}}
	}
	return err
}

func bold(s string) string {
	return "**" + format.EscapeMarkdown(s) + "**"
}

func runLinkNew(cx *Ctx) error {
	coalition, code, err := cx.router.Relay.Coalitions().Create(cx.Ctx, cx.RoomID, cx.RawArgs, cx.Sender)
	if err != nil {
		return relayError(cx, err)
	}
	if err = sendCode(cx, coalition, code); err != nil {
		return err
	}
	cx.Reply(msgLinkCreated, map[string]any{"Name": bold(coalition.Name)})
	return nil
}

func runLinkCode(cx *Ctx) error {
	coalitions := cx.router.Relay.Coalitions()
	code, err := coalitions.NewCode(cx.Ctx, cx.RoomID, cx.Sender)
	if err != nil {
		return relayError(cx, err)
	}
	coalition, _, err := coalitions.List(cx.Ctx, cx.RoomID)
	if err != nil {
		return relayError(cx, err)
	}
	if err = sendCode(cx, coalition, code); err != nil {
		return err
	}
	cx.Reply(msgLinkCodeSent, nil)
	return nil
}

// sendCode gives a join code to the moderator who asked, in their direct
// chat: posted in the room, every member could read it and link a room of
// their own.
func sendCode(cx *Ctx, coalition *database.Coalition, code *relay.JoinCode) error {
	return cx.ToSender(cx.router.L10n.Text(cx.personLanguage(), msgLinkCode, map[string]any{
		"Name":    bold(coalition.Name),
		"Command": format.SafeMarkdownCode(cx.Prefix() + "link join " + code.Code),
		"Hours":   int(relay.CodeLifetime.Hours()),
	}))
}

func runLinkJoin(cx *Ctx) error {
	coalitions := cx.router.Relay.Coalitions()
	coalition, err := coalitions.Join(cx.Ctx, cx.RoomID, strings.Join(cx.Args, ""), cx.Sender)
	if err != nil {
		return relayError(cx, err)
	}
	_, rooms, err := coalitions.List(cx.Ctx, cx.RoomID)
	if err != nil {
		return err
	}
	cx.ReplyMarkdown(cx.router.L10n.Plural(cx.Lang, msgLinkJoined, len(rooms)-1, map[string]any{"Name": bold(coalition.Name)}))
	return nil
}

func runLinkList(cx *Ctx) error {
	coalition, rooms, err := cx.router.Relay.Coalitions().List(cx.Ctx, cx.RoomID)
	if err != nil {
		return relayError(cx, err)
	}
	var b strings.Builder
	b.WriteString(cx.router.L10n.Plural(cx.Lang, msgLinkListHeader, len(rooms), map[string]any{"Name": bold(coalition.Name)}))
	b.WriteString("\n\n")
	for i, r := range rooms {
		line := cx.T(msgLinkListRoom, map[string]any{
			"Room":     bold(r.Name),
			"Language": languageName(r.Language),
			"Zone":     format.SafeMarkdownCode(r.Timezone),
		})
		var tags []string
		if r.Encrypted {
			tags = append(tags, cx.T(msgLinkEncrypted, nil))
		}
		if r.Paused {
			tags = append(tags, cx.T(msgLinkPausedTag, nil))
		}
		if r.RoomID == cx.RoomID {
			tags = append(tags, cx.T(msgLinkThisRoomTag, nil))
		}
		if len(tags) > 0 {
			line += fmt.Sprintf(" (%s)", strings.Join(tags, ", "))
		}
		fmt.Fprintf(&b, "%d. %s\n", i+1, line)
	}
	cx.ReplyMarkdown(b.String())
	return nil
}

func runLinkLeave(cx *Ctx) error {
	if err := cx.router.Relay.Coalitions().Leave(cx.Ctx, cx.RoomID, cx.Sender); err != nil {
		return relayError(cx, err)
	}
	cx.Reply(msgLinkLeft, nil)
	return nil
}

func runLinkRemove(cx *Ctx) error {
	coalitions := cx.router.Relay.Coalitions()
	target, err := coalitions.FindRoom(cx.Ctx, cx.RoomID, cx.RawArgs)
	if err != nil {
		return relayError(cx, err)
	}
	if target == cx.RoomID {
		return runLinkLeave(cx)
	}
	name := cx.router.Relay.RoomName(cx.Ctx, target)
	if _, err = coalitions.Remove(cx.Ctx, cx.RoomID, target, cx.Sender); err != nil {
		return relayError(cx, err)
	}
	cx.Reply(msgLinkRemoved, map[string]any{"Room": bold(name)})
	return nil
}

func runLinkPause(cx *Ctx) error {
	if err := cx.router.Relay.Coalitions().SetPaused(cx.Ctx, cx.RoomID, true); err != nil {
		return relayError(cx, err)
	}
	cx.Reply(msgLinkPaused, map[string]any{"Command": format.SafeMarkdownCode(cx.Prefix() + "link resume")})
	return nil
}

func runLinkResume(cx *Ctx) error {
	if err := cx.router.Relay.Coalitions().SetPaused(cx.Ctx, cx.RoomID, false); err != nil {
		return relayError(cx, err)
	}
	cx.Reply(msgLinkResumed, nil)
	return nil
}

// runLinkFailures lists the latest copies from or to this room the relay
// gave up on, so a moderator learns that something did not arrive, and why,
// without reading the bot's log. Never their text: only when and where.
func runLinkFailures(cx *Ctx) error {
	_, rooms, err := cx.router.Relay.Coalitions().List(cx.Ctx, cx.RoomID)
	if err != nil {
		return relayError(cx, err)
	}
	names := map[id.RoomID]string{}
	for _, r := range rooms {
		names[r.RoomID] = r.Name
	}
	failures, err := cx.router.DB.RelayFailure.Recent(cx.Ctx, cx.RoomID, failuresShown)
	if err != nil {
		return err
	}
	if len(failures) == 0 {
		cx.Reply(msgLinkFailuresNone, nil)
		return nil
	}
	name := func(room id.RoomID) string {
		if n, ok := names[room]; ok {
			return bold(n)
		}
		return cx.T(msgLinkFailureFormerRoom, nil) // its id is not this room's to know
	}
	var b strings.Builder
	b.WriteString(cx.T(msgLinkFailuresHeader, nil))
	b.WriteString("\n\n")
	for _, f := range failures {
		reason, ok := msgLinkFailureReasons[f.Reason]
		if !ok {
			reason = msgLinkFailureReasons[database.FailureRefused]
		}
		fmt.Fprintf(&b, "- %s\n", cx.T(msgLinkFailureLine, map[string]any{
			"Time":   f.FailedAt.UTC().Format("2006-01-02 15:04 UTC"),
			"From":   name(f.SourceRoom),
			"To":     name(f.TargetRoom),
			"Reason": cx.T(reason, nil),
		}))
	}
	cx.ReplyMarkdown(b.String())
	return nil
}
