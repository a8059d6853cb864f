package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"

	"starling/internal/testenv"
)

// Two instances on one PostgreSQL database, each with its own role and
// schema: a coalition served by the first moves to the second. The rooms
// keep their languages and links, the second bot knows the first one's
// copies (a reply to a message from before the move reaches its copy, an
// edit of one answers it, and !original knows an old copy for one), the first bot leaves, and nothing is
// relayed twice.
func TestCoalitionMovesToAnotherInstance(t *testing.T) {
	postgres(t)
	uris := pg.InstanceSchemas(t, 2)
	langs := []string{"es", "en"}
	mods, ids := moderators(t, langs)
	a := newBotOn(t, uris[0], nil, ids...)
	c := linkRooms(t, a, mods, langs)
	// The second bot accepts the first one's invites.
	b := newBotOn(t, uris[1], nil, append(ids, a.userID)...)
	es, en := c.rooms["es"], c.rooms["en"]

	before := es.mod.SendText(es.room, "La casa es grande Mvz1")
	oldCopy := c.copyIn(t, "en", "Mvz1")

	coalitionCmd := func(setup *botSetup, args ...string) (string, error) {
		out, err := exec.Command(starlingBin, append([]string{"-c", setup.config, "coalition"}, args...)...).CombinedOutput()
		return string(out), err
	}
	file := filepath.Join(t.TempDir(), "move.json")
	waitRelayDone(t, c.bot)
	c.bot.Stop()
	if out, err := coalitionCmd(a, "export", "Red de prueba", b.userID.String(), file); err != nil {
		t.Fatalf("export failed: %v\n%s", err, out)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the move file is %v (%v), want mode 0600", info.Mode(), err)
	}
	t.Run("a move is for the bot it names, once", func(t *testing.T) {
		if out, err := coalitionCmd(a, "import", file); err == nil || !strings.Contains(out, "the move is for "+b.userID.String()) {
			t.Fatalf("the old instance took its own move back: %v\n%s", err, out)
		}
	})
	if out, err := coalitionCmd(b, "import", file); err != nil {
		t.Fatalf("import failed: %v\n%s", err, out)
	}
	if out, err := coalitionCmd(b, "import", file); err == nil || !strings.Contains(out, "already here") {
		t.Fatalf("the same move was imported twice: %v\n%s", err, out)
	}
	bBot := b.start(t)
	defer bBot.Stop()
	c.bot = a.start(t)
	for _, l := range []*linked{es, en} {
		l.mod.WaitForMembership(l.room, b.userID, event.MembershipJoin, time.Minute)
		l.mod.WaitForMembership(l.room, a.userID, event.MembershipLeave, time.Minute)
	}
	notice := es.mod.WaitForMessage(es.room, a.userID, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), b.userID.String())
	})
	assertWords(t, "the old bot's notice", testenv.Body(notice), "A partir de ahora", "historial")

	// The room's language moved: the new bot answers the Spanish room in Spanish.
	sent := es.mod.SendText(es.room, "!lang")
	assertWords(t, "!lang after the move", testenv.Body(es.mod.WaitForReply(es.room, b.userID, sent, 30*time.Second)), "español")

	// A reply to a message from before the move is a reply to its old copy.
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "La casa es pequeña Mvz2",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: before}}})
	reply := en.mod.WaitForMessage(en.room, b.userID, time.Minute, func(e *event.Event) bool { return strings.Contains(testenv.Body(e), "Mvz2") })
	if to := reply.Content.AsMessage().RelatesTo.GetReplyTo(); to != oldCopy.ID {
		t.Errorf("the reply's copy answers %q, want the copy made before the move %s", to, oldCopy.ID)
	}
	assertWords(t, "the new bot's copy", testenv.Body(reply), "house", "small")

	// An edit of a message from before the move: clients take edits only
	// from a copy's sender, so the new text answers the old copy.
	es.mod.Send(es.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "* La casa es muy grande Mvz1",
		NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "La casa es muy grande Mvz1"},
		RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: before}})
	edited := en.mod.WaitForMessage(en.room, b.userID, time.Minute, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Mvz1")
	})
	if content := edited.Content.AsMessage(); content.RelatesTo.GetReplyTo() != oldCopy.ID || content.RelatesTo.GetReplaceID() != "" {
		t.Errorf("the edit of an old message arrived as %+v, want a new copy answering %s", content.RelatesTo, oldCopy.ID)
	}
	assertWords(t, "the edit's copy", testenv.Body(edited), "* ", "house", "very")

	// The new bot knows a copy the old one made for one, though the
	// original's keys never reached it (E2EE state is never shared).
	sent = en.mod.Send(en.room, &event.MessageEventContent{MsgType: event.MsgText, Body: "!original",
		RelatesTo: &event.RelatesTo{InReplyTo: &event.InReplyTo{EventID: oldCopy.ID}}})
	assertWords(t, "!original of an old copy", testenv.Body(en.mod.WaitForReply(en.room, b.userID, sent, 30*time.Second)),
		"I cannot read the original", "keys never reached me")

	// Nothing from the old bot after its notice, and each message copied once.
	time.Sleep(2 * time.Second)
	copies := 0
	enNotice := en.mod.WaitForMessage(en.room, a.userID, 30*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), b.userID.String())
	})
	for _, e := range en.mod.Messages(en.room, a.userID) {
		if e.Timestamp > enNotice.Timestamp {
			t.Errorf("the old bot still posted after it handed over: %q", testenv.Body(e))
		}
	}
	for _, e := range append(en.mod.Messages(en.room, a.userID), en.mod.Messages(en.room, b.userID)...) {
		if strings.Contains(testenv.Body(e), "Mvz2") {
			copies++
		}
	}
	if copies != 1 {
		t.Errorf("the reply was copied %d times, want once", copies)
	}
}
