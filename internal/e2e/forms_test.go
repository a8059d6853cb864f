package e2e

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
)

// A Spanish-speaking member fills the needs assessment in Spanish in a
// direct chat (one wrong answer first, a restart half-way); the moderator of
// the English room gets the results in English with the Spanish originals,
// and a CSV that parses back.
func TestNeedsAssessmentAcrossLanguages(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	maria := user(t, "maria")
	if _, err := es.mod.InviteUser(t.Context(), es.room, &mautrix.ReqInviteUser{UserID: maria.UserID}); err != nil {
		t.Fatal(err)
	}
	maria.Join(es.room, es.mod.UserID, bot)
	es.mod.WaitForMembership(es.room, maria.UserID, event.MembershipJoin, 20*time.Second)
	ask(t, maria, es.room, bot, "!lang me es")

	started := c.ask(t, en, "!form start needs-assessment 7d")
	assertWords(t, "start", started, "`f1`")
	invite := es.mod.WaitForMessage(es.room, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "📝") })
	assertWords(t, "Spanish invitation", testenv.Body(invite), "Evaluación de necesidades", "`fill f1`")

	ask(t, maria, es.room, bot, "!fill") // the only open form: f1
	dm := maria.WaitForInvite(bot, 30*time.Second)
	maria.Join(dm, bot)
	question := func(marker string) string {
		t.Helper()
		e := maria.WaitForMessage(dm, bot, 30*time.Second, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), marker) })
		return testenv.Body(e)
	}
	assertWords(t, "first question", question("1/5"), "¿Qué necesita más vuestro grupo", "Apoyo legal")
	answer := func(text, expect string) string {
		t.Helper()
		before := len(maria.Messages(dm, bot))
		maria.SendText(dm, text)
		var got string
		maria.Eventually("the bot's answer to "+text, 30*time.Second, func() bool {
			msgs := maria.Messages(dm, bot)
			if len(msgs) <= before {
				return false
			}
			got = testenv.Body(msgs[len(msgs)-1])
			return strings.Contains(got, expect)
		})
		return got
	}
	answer("7", "no es una de las opciones")
	answer("1, 3", "2/5")
	// She edits her last answer: an edit is not the answer to the question
	// now asked, and she is told that what she first sent stands.
	mine := maria.Messages(dm, maria.UserID)
	edit := &event.MessageEventContent{MsgType: event.MsgText, Body: "* 2",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "2"}}
	edit.SetEdit(mine[len(mine)-1].ID)
	before := len(maria.Messages(dm, bot))
	maria.Send(dm, edit)
	maria.Eventually("the bot to say it does not read edits", 30*time.Second, func() bool {
		msgs := maria.Messages(dm, bot)
		return len(msgs) > before && strings.Contains(testenv.Body(msgs[len(msgs)-1]), "No leo las ediciones")
	})

	if code := c.bot.Stop(); code != 0 {
		t.Fatalf("stop exited %d", code)
	}
	c.bot = c.setup.start(t)
	answer("4", "3/5")
	answer("saltar", "4/5")
	answer("Necesitamos abogadas para la marcha", "5/5")
	answer("=1+1 traducción", "`enviar`")
	answer("enviar", "Gracias")

	results := c.ask(t, en, "!form results f1")
	assertWords(t, "English results", results, "1 response", "Legal support: 1", "Digital security: 1", "average 4.0",
		"(original: “Necesitamos abogadas para la marcha”)")

	// The export names every respondent: it goes to the moderator's direct
	// chat, not into the shared room.
	assertWords(t, "export reply", c.ask(t, en, "!form export f1"), "private chat")
	file := fileInDirectChat(t, en.mod, bot, "f1-needs-assessment.csv")
	if file.File == nil {
		t.Fatal("the CSV was not sent encrypted")
	}
	rows, err := csv.NewReader(bytes.NewReader(en.mod.DownloadFile(file))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][1] != "'"+maria.UserID.String() || rows[1][3] != "legal,digital-security" || rows[1][7] != "'=1+1 traducción" {
		t.Fatalf("csv = %q", rows)
	}
}
