package e2e

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
	"starling/ledger"
)

// Contributions recorded in Spanish and English show in the French room,
// notes translated and originals kept; the totals per room, kind and
// currency are right (never summed across currencies); the giving room's
// moderator corrects, the author withdraws, and both stay in the audit;
// nobody else can change what a room recorded; the chart decrypts to a PNG
// whose bars stand as high as the counts.
func TestReciprocityLedger(t *testing.T) {
	c := newCoalition(t, "es", "en", "fr")
	es, en, fr := c.rooms["es"], c.rooms["en"], c.rooms["fr"]
	bot := c.setup.userID
	ana := user(t, "ana")
	if _, err := es.mod.InviteUser(t.Context(), es.room, &mautrix.ReqInviteUser{UserID: ana.UserID}); err != nil {
		t.Fatal(err)
	}
	ana.Join(es.room, es.mod.UserID, bot)
	es.mod.WaitForMembership(es.room, ana.UserID, event.MembershipJoin, 30*time.Second)

	added := regexp.MustCompile("`(l\\d+)`")
	add := func(who *testenv.Client, l *linked, text string) string {
		t.Helper()
		reply := testenv.Body(ask(t, who, l.room, bot, "!ledger add "+text))
		m := added.FindStringSubmatch(reply)
		if m == nil {
			t.Fatalf("%q was not recorded: %s", text, reply)
		}
		return m[1]
	}
	subtitles := add(es.mod, es, "6h traducción para Sala en: subtitulamos el vídeo de la asamblea")
	add(es.mod, es, "50 € fondos para Sala fr: fianza de dos compañeras")
	add(en.mod, en, "20 USD funds for Sala fr: phone credit for the legal team")
	hosting := add(en.mod, en, "hosting for the coalition: the spring assembly")
	setup := add(ana, es, "2h tiempo para Sala en: montaje del escenario")

	// Read in French: each note translated, its original kept.
	list := c.ask(t, fr, "!ledger list")
	assertWords(t, "!ledger list", list, "traduction", "original (es) : “subtitulamos el vídeo de la asamblea”",
		"original (en) : “phone credit for the legal team”", "50 EUR", "20 USD", "toute la coalition")
	quoted := regexp.MustCompile(`“([^”]*)”`)
	for _, line := range strings.Split(list, "\n") {
		if q := quoted.FindAllStringSubmatch(line, -1); len(q) > 0 && (len(q) != 2 || q[0][1] == q[1][1]) {
			t.Fatalf("a note is not shown translated, then as written: %s", line)
		}
	}
	summary := c.ask(t, fr, "!ledger")
	assertWords(t, "!ledger", summary, "5 contributions",
		"**Sala es** — a donné 3 : fonds 1 (50 EUR) · temps 1 (2 h) · traduction 1 (6 h)",
		"**Sala fr** — a donné 0 : rien ; a reçu 2 : fonds 2 (50 EUR, 20 USD)",
		"À toute la coalition : hébergement 1")

	// Nobody but the room that gave changes what it recorded.
	for _, try := range []struct {
		who     *testenv.Client
		l       *linked
		command string
		refusal string
	}{
		{fr.mod, fr, "!ledger correct " + subtitles + " 60h traducción para Sala en: x", "salon qui l’a donnée"},
		{ana, es, "!ledger correct " + subtitles + " 60h traducción para Sala en: x", "moderadoras"},
		{ana, es, "!ledger withdraw " + subtitles, "Solo quien registró"},
		{en.mod, en, "!ledger edit " + setup + " 20h time for Sala en: x", "in the room that gave it"},
		{es.mod, es, "!ledger edit " + setup + " 20h tiempo para Sala en: x", "Solo quien registró"},
		{ana, es, "!ledger export", "moderadoras"},
	} {
		if reply := testenv.Body(ask(t, try.who, try.l.room, bot, try.command)); !strings.Contains(reply, try.refusal) {
			t.Fatalf("%s was not refused: %s", try.command, reply)
		}
	}

	// The giving room's moderator corrects ana's entry; en's moderator
	// withdraws their own. Both are in the audit trail.
	c.ask(t, es, "!ledger correct "+setup+" 3h tiempo para Sala en: montaje y desmontaje del escenario")
	c.ask(t, en, "!ledger withdraw "+hosting)
	corrected := c.ask(t, fr, "!ledger show "+setup)
	assertWords(t, "the corrected entry", corrected, "3 h", "corrigée par une personne modératrice", "avant :", "2 h",
		ana.UserID.String(), es.mod.UserID.String())
	withdrawn := c.ask(t, fr, "!ledger show "+hosting)
	assertWords(t, "the withdrawn entry", withdrawn, "retirée", en.mod.UserID.String())
	after := c.ask(t, fr, "!ledger")
	assertWords(t, "!ledger after the changes", after, "4 contributions", "temps 1 (3 h)")
	if strings.Contains(after, "hébergement") {
		t.Fatalf("a withdrawn contribution still counts: %s", after)
	}

	// The chart: what was given and received, room by room, as bars.
	sent := fr.mod.SendText(fr.room, "!ledger chart")
	legend := testenv.Body(fr.mod.WaitForReply(fr.room, bot, sent, 30*time.Second))
	assertWords(t, "the chart's legend", legend, "1. **Sala es** (🟦 3 · 🟧 0)", "2. **Sala en** (🟦 1 · 🟧 2)", "3. **Sala fr** (🟦 0 · 🟧 2)")
	file := fr.mod.WaitForMessage(fr.room, bot, 30*time.Second, func(e *event.Event) bool {
		return e.Content.AsMessage().MsgType == event.MsgFile && strings.HasSuffix(e.Content.AsMessage().Body, ".png")
	}).Content.AsMessage()
	if file.File == nil {
		t.Fatal("the chart was uploaded unencrypted into an encrypted room")
	}
	img, err := png.Decode(bytes.NewReader(fr.mod.DownloadFile(file)))
	if err != nil {
		t.Fatalf("the chart is no PNG: %v", err)
	}
	g := ledger.ChartGeometry(3)
	if b := img.Bounds(); b.Dx() != g.Width || b.Dy() != g.Height {
		t.Fatalf("the chart is %v, want %dx%d", b, g.Width, g.Height)
	}
	for i, counts := range [][2]int{{3, 0}, {1, 2}, {0, 2}} {
		for side, n := range counts {
			if got, want := ledger.MeasureBar(img, g, i, side == 1), ledger.BarHeight(n, 3); got != want {
				t.Errorf("room %d's %s bar is %d px, want %d (count %d)", i+1, map[int]string{0: "given", 1: "received"}[side], got, want, n)
			}
		}
	}
}

// A 🤝 on a message records what the room gave as a conversation in the
// reactor's direct chat (a bad amount is explained and asked again); the
// export reaches the asker's direct chat as a CSV whose cells run no
// formula, and a summary in two languages.
func TestHandshakeRecordsAndTheLedgerExports(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID
	ask(t, es.mod, es.room, bot, "!lang me es")
	about := es.mod.SendText(es.room, "Hoy hemos traducido el manifiesto al inglés")
	// A session added to the moderator's account, never verified, records
	// nothing in their name: its 🤝 opens no conversation.
	stolen := hs.NewDevice(t, es.mod)
	stolen.WaitForMembership(es.room, bot, event.MembershipJoin, 30*time.Second)
	stolen.React(es.room, about, "🤝")
	time.Sleep(3 * time.Second)
	es.mod.React(es.room, about, "🤝🏽")
	dm := es.mod.WaitForInvite(bot, 30*time.Second)
	es.mod.Join(dm, bot)
	answer := func(text, expect string) string {
		t.Helper()
		before := len(es.mod.Messages(dm, bot))
		if text != "" {
			es.mod.SendText(dm, text)
		}
		var got string
		es.mod.Eventually("the bot's answer to "+text, 30*time.Second, func() bool {
			msgs := es.mod.Messages(dm, bot)
			if len(msgs) <= before && text != "" {
				return false
			}
			got = testenv.Body(msgs[len(msgs)-1])
			return strings.Contains(got, expect)
		})
		return got
	}
	first := answer("", "¿Quién lo recibió?")
	assertWords(t, "the first question", first, "toda la coalición", "Sala en")
	time.Sleep(2 * time.Second)
	asked := 0
	for _, e := range es.mod.Messages(dm, bot) {
		if strings.Contains(testenv.Body(e), "¿Quién lo recibió?") {
			asked++
		}
	}
	if asked != 1 {
		t.Fatalf("the first question was asked %d times: the unverified session's 🤝 started a conversation too", asked)
	}
	if strings.Contains(first, "Sala es") {
		t.Fatalf("the room that gave is offered as its own receiver: %s", first)
	}
	answer("Sala en", "¿Qué tipo de contribución fue?")
	answer("traducción", "¿Cuánto?")
	answer("$20", "no dice qué moneda")
	answer("2,5 horas", "nota breve")
	answer(`=HYPERLINK("http://127.0.0.1/x","clic") manifiesto`, "`enviar`")
	done := answer("enviar", "Registrado en el registro de la coalición")
	assertWords(t, "the confirmation", done, "`l1`", "**Sala es** → **Sala en**", "traducción", "2,5 h")

	assertWords(t, "export reply", c.ask(t, en, "!ledger export"), "private chat")
	file := fileInDirectChat(t, en.mod, bot, "ledger-red-de-prueba-"+ledgerQuarter()+".csv")
	if file.File == nil {
		t.Fatal("the CSV was not sent encrypted")
	}
	rows, err := csv.NewReader(bytes.NewReader(en.mod.DownloadFile(file))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1][4] != "translation" || rows[1][5] != "2.5" || rows[1][6] != "h" ||
		!strings.HasPrefix(rows[1][7], "'=HYPERLINK") || rows[1][8] != "es" {
		t.Fatalf("csv = %q", rows)
	}
	md := string(en.mod.DownloadFile(fileInDirectChat(t, en.mod, bot, "ledger-red-de-prueba-"+ledgerQuarter()+".md")))
	assertWords(t, "the summary", md, "Reciprocity ledger of **Red de prueba**", "Registro de reciprocidad de **Red de prueba**",
		"translation 1 (2.5 h)", "traducción 1 (2,5 h)")
}

// ledgerQuarter is this quarter as the ledger names it, in UTC (the test
// rooms' zone).
func ledgerQuarter() string { return ledger.QuarterOf(time.Now(), time.UTC).String() }
