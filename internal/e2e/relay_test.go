package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

func TestRelayAcrossThreeLanguages(t *testing.T) {
	c := newCoalition(t, "es", "en", "ca")
	es, en, ca := c.rooms["es"], c.rooms["en"], c.rooms["ca"]
	bot := c.setup.userID

	original := es.mod.SendText(es.room, "Mañana nos reunimos en la plaza con Zorblax.")
	enCopy := c.copyIn(t, "en", "Zorblax")
	caCopy := c.copyIn(t, "ca", "Zorblax")
	assertWords(t, "English copy", testenv.Body(enCopy), "Tomorrow", "square", es.mod.UserID.Localpart(), "Sala es")
	assertWords(t, "Catalan copy", testenv.Body(caCopy), "Demà", "plaça")
	if enCopy.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Fatal("the copy in an encrypted room was not encrypted")
	}

	t.Run("edit follows", func(t *testing.T) {
		es.mod.Send(es.room, &event.MessageEventContent{
			MsgType: event.MsgText, Body: "* Mañana nos reunimos en el ayuntamiento con Zorblax.",
			NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Mañana nos reunimos en el ayuntamiento con Zorblax."},
			RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: original},
		})
		edit := en.mod.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool {
			return e.Content.AsMessage().RelatesTo.GetReplaceID() == enCopy.ID
		})
		assertWords(t, "edited copy", edit.Content.AsMessage().NewContent.Body, "city council", "Zorblax")
	})

	t.Run("reply follows", func(t *testing.T) {
		en.mod.Send(en.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "I will bring water Zorblax9",
			RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: enCopy.ID}}})
		inEs := c.copyIn(t, "es", "Zorblax9")
		assertWords(t, "Spanish reply", testenv.Body(inEs), "agua")
		if got := inEs.Content.AsMessage().RelatesTo.GetReplyTo(); got != original {
			t.Fatalf("reply in the Spanish room points at %s, want the original %s", got, original)
		}
		inCa := c.copyIn(t, "ca", "Zorblax9")
		if got := inCa.Content.AsMessage().RelatesTo.GetReplyTo(); got != caCopy.ID {
			t.Fatalf("reply in the Catalan room points at %s, want its copy %s", got, caCopy.ID)
		}
	})

	t.Run("reaction follows", func(t *testing.T) {
		if _, err := ca.mod.SendReaction(t.Context(), ca.room, caCopy.ID, "👍"); err != nil {
			t.Fatal(err)
		}
		for _, l := range []*linked{es, en} {
			want := enCopy.ID
			if l == es {
				want = original
			}
			l.mod.WaitForEvent(l.room, bot, event.EventReaction, 45*time.Second, func(e *event.Event) bool {
				rel := e.Content.AsReaction().RelatesTo
				return rel.EventID == want && rel.Key == "👍"
			})
		}
		// The same reaction from the English room: the Catalan room gets it,
		// the Spanish original keeps a single 👍 from the bot.
		if _, err := en.mod.SendReaction(t.Context(), en.room, enCopy.ID, "👍"); err != nil {
			t.Fatal(err)
		}
		ca.mod.WaitForEvent(ca.room, bot, event.EventReaction, 45*time.Second, func(e *event.Event) bool {
			return e.Content.AsReaction().RelatesTo.EventID == caCopy.ID
		})
		en.mod.SendText(en.room, "Marker after reactions Zorblax7")
		c.copyIn(t, "es", "Zorblax7")
		var thumbs int
		for _, e := range es.mod.Events(es.room, bot, event.EventReaction) {
			if rel := e.Content.AsReaction().RelatesTo; rel.EventID == original && rel.Key == "👍" {
				thumbs++
			}
		}
		if thumbs != 1 {
			t.Fatalf("the Spanish original has %d 👍 from the bot after two people reacted; want 1", thumbs)
		}
	})

	t.Run("redaction follows", func(t *testing.T) {
		if _, err := es.mod.RedactEvent(t.Context(), es.room, original); err != nil {
			t.Fatal(err)
		}
		for _, pair := range []struct {
			l    *linked
			copy id.EventID
		}{{en, enCopy.ID}, {ca, caCopy.ID}} {
			pair.l.mod.WaitForEvent(pair.l.room, bot, event.EventRedaction, 45*time.Second, func(e *event.Event) bool {
				return e.Redacts == pair.copy || e.Content.AsRedaction().Redacts == pair.copy
			})
		}
	})

	t.Run("glossary term and mention survive", func(t *testing.T) {
		c.ask(t, es, "!glossary add Ni Una Menos")
		es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText,
			Body:     "La marcha de Ni Una Menos con " + en.mod.UserID.String() + " Qwerty",
			Mentions: &event.Mentions{UserIDs: []id.UserID{en.mod.UserID}}})
		inEn := c.copyIn(t, "en", "Qwerty")
		assertWords(t, "English copy", testenv.Body(inEn), "Ni Una Menos", en.mod.UserID.String())
		if m := inEn.Content.AsMessage().Mentions; m == nil || len(m.UserIDs) != 1 || m.UserIDs[0] != en.mod.UserID {
			t.Fatalf("copy in the mentioned person's room has mentions %+v", m)
		}
		inCa := c.copyIn(t, "ca", "Qwerty")
		if m := inCa.Content.AsMessage().Mentions; m != nil && len(m.UserIDs) > 0 {
			t.Fatalf("copy mentions %v, who are not in the Catalan room", m.UserIDs)
		}
	})
}

func TestRelayPivotsFrenchToEnglish(t *testing.T) {
	c := newCoalition(t, "fr", "en")
	c.rooms["fr"].mod.SendText(c.rooms["fr"].room, "Nous manifestons demain devant la mairie avec Zorblax.")
	assertWords(t, "English copy of French", testenv.Body(c.copyIn(t, "en", "Zorblax")), "tomorrow")
}

func TestRelayCopiesImagesExactly(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es := c.rooms["es"]
	image := make([]byte, 50_000)
	for i := range image {
		image[i] = byte(i * 7 % 251)
	}
	file := es.mod.UploadEncrypted(image)
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgImage, Body: "Foto de la plaza Zorblax", FileName: "plaza.png",
		File: file, Info: &event.FileInfo{MimeType: "image/png", Size: len(image)}})
	copied := c.copyIn(t, "en", "Zorblax")
	content := copied.Content.AsMessage()
	if content.MsgType != event.MsgImage || content.File == nil {
		t.Fatalf("copy is %s with file %v, want an encrypted image", content.MsgType, content.File)
	}
	if got := c.rooms["en"].mod.DownloadFile(content); string(got) != string(image) {
		t.Fatalf("image bytes differ: got %d bytes, want %d", len(got), len(image))
	}
	assertWords(t, "caption", content.Body, "square")
}

func TestRelayNeutralisesHostileContent(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es := c.rooms["es"]
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Format: event.FormatHTML,
		Body:          "@room atención Zorblax1",
		FormattedBody: `@room <script>alert(1)</script><img src="x" onerror="alert(2)"><b>atención</b> Zorblax1`,
		Mentions:      &event.Mentions{Room: true}})
	copied := c.copyIn(t, "en", "Zorblax1").Content.AsMessage()
	if strings.Contains(copied.Body, "@room") || strings.Contains(copied.FormattedBody, "@room") {
		t.Fatalf("@room survived: %q / %q", copied.Body, copied.FormattedBody)
	}
	if copied.Mentions != nil && copied.Mentions.Room {
		t.Fatal("the copy mentions the whole room")
	}
	for _, bad := range []string{"<script", "onerror", "<img"} {
		if strings.Contains(strings.ToLower(copied.FormattedBody), bad) {
			t.Fatalf("hostile HTML %q survived: %s", bad, copied.FormattedBody)
		}
	}
	assertWords(t, "sanitised copy", copied.FormattedBody, "<b>")

	// An encrypted event may hold at most 64 KiB; this is about the largest
	// text a client can send into an encrypted room.
	big := strings.Repeat("La asamblea se reúne en la plaza. ", 1100) + "Zorblax2"
	es.mod.SendText(es.room, big)
	es.mod.SendText(es.room, "Después de la asamblea Zorblax3")
	bigCopy := c.copyIn(t, "en", "assembly")
	if len(testenv.Body(bigCopy)) < 10_000 {
		t.Fatalf("a %d-byte message arrived as %d bytes", len(big), len(testenv.Body(bigCopy)))
	}
	c.copyIn(t, "en", "Zorblax3")
}

func TestEncryptedAndPlainRoomsCannotBeLinked(t *testing.T) {
	c := newCoalitionWith(t, anyDevice, "es", "en")
	plainMod := c.rooms["en"].mod
	plain := plainMod.CreateRoom(testenv.RoomOptions{Name: "Abierta", Invite: []id.UserID{c.setup.userID}})
	plainMod.WaitForMembership(plain, c.setup.userID, event.MembershipJoin, 30*time.Second)
	code := c.code(t, c.rooms["es"], "!link code")
	sent := plainMod.SendText(plain, "!link join "+code)
	reply := testenv.Body(plainMod.WaitForReply(plain, c.setup.userID, sent, 30*time.Second))
	assertWords(t, "refusal", reply, "differ in end-to-end encryption", "Nothing was changed")
	list := c.ask(t, c.rooms["es"], "!link list")
	if strings.Contains(list, "Abierta") {
		t.Fatalf("the unencrypted room was linked: %s", list)
	}
}

// Kill the bot while a burst is relayed; after a restart every message
// arrives exactly once, in order.
func TestRelaySurvivesACrash(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	const n = 200
	for i := 1; i <= n; i++ {
		es.mod.SendText(es.room, fmt.Sprintf("Mensaje %d de Zorblax", i))
	}
	en.mod.WaitForMessage(en.room, c.setup.userID, 60*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Zorblax")
	})
	c.bot.Kill()
	c.bot = c.setup.start(t)
	en.mod.Eventually("all 200 copies", 3*time.Minute, func() bool {
		return len(copiesWith(en, c.setup.userID, "Zorblax")) >= n
	})
	time.Sleep(2 * time.Second) // a duplicate would arrive now
	copies := copiesWith(en, c.setup.userID, "Zorblax")
	seen := map[int]int{}
	for _, body := range copies {
		var k int
		if _, err := fmt.Sscanf(body[strings.Index(body, "Message ")+len("Message "):], "%d", &k); err == nil {
			seen[k]++
		}
	}
	for i := 1; i <= n; i++ {
		if seen[i] != 1 {
			t.Errorf("message %d arrived %d times", i, seen[i])
		}
	}
	if len(copies) != n {
		t.Fatalf("%d copies arrived, want exactly %d", len(copies), n)
	}
	for i, body := range copies {
		if want := fmt.Sprintf(" %d ", i+1); !strings.Contains(body, want) {
			t.Fatalf("copy %d is %q, want message %d (order lost)", i+1, body, i+1)
		}
	}
}

// copiesWith lists the bodies of the bot's distinct events that hold marker.
func copiesWith(l *linked, bot id.UserID, marker string) []string {
	var out []string
	seen := map[id.EventID]bool{}
	for _, e := range l.mod.TimelineMessages(l.room, bot) {
		if b := testenv.Body(e); strings.Contains(b, marker) && !seen[e.ID] {
			seen[e.ID] = true
			out = append(out, b)
		}
	}
	return out
}

// Every message type arrives as what it is: a notice stays a notice, an
// emote stays an emote shown as its sender's, and a file, a video and an audio clip
// arrive as the same bytes with their type and name.
func TestRelayKeepsMessageTypes(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es := c.rooms["es"]
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgNotice, Body: "Aviso de la plaza Zorblax1"})
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgEmote, Body: "llega a la plaza Zorblax2"})
	if got := c.copyIn(t, "en", "Zorblax1").Content.AsMessage(); got.MsgType != event.MsgNotice {
		t.Fatalf("notice arrived as %s", got.MsgType)
	}
	emote := c.copyIn(t, "en", "Zorblax2").Content.AsMessage()
	if emote.MsgType != event.MsgEmote || emote.BeeperPerMessageProfile == nil || !strings.Contains(emote.Body, "square") {
		t.Fatalf("emote copy: %s %q", emote.MsgType, emote.Body)
	}
	for i, media := range []struct {
		msgType event.MessageType
		name    string
		mime    string
	}{
		{event.MsgFile, "acta.pdf", "application/pdf"},
		{event.MsgVideo, "marcha.mp4", "video/mp4"},
		{event.MsgAudio, "nota.ogg", "audio/ogg"},
	} {
		data := []byte(fmt.Sprintf("%s bytes %d %s", media.name, i, strings.Repeat("x", 1000*(i+1))))
		es.mod.Send(es.room, &event.MessageEventContent{MsgType: media.msgType, Body: media.name, FileName: media.name,
			File: es.mod.UploadEncrypted(data), Info: &event.FileInfo{MimeType: media.mime, Size: len(data)}})
		got := c.rooms["en"].mod.WaitForMessage(c.rooms["en"].room, c.setup.userID, 45*time.Second, func(e *event.Event) bool {
			return e.Content.AsMessage().GetFileName() == media.name
		}).Content.AsMessage()
		if got.MsgType != media.msgType || got.File == nil {
			t.Fatalf("%s arrived as %s with file %v", media.name, got.MsgType, got.File)
		}
		if bytes := c.rooms["en"].mod.DownloadFile(got); string(bytes) != string(data) {
			t.Fatalf("%s: %d bytes arrived, want the %d sent", media.name, len(bytes), len(data))
		}
	}
}
