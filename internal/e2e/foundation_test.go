package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

func TestHelpInEncryptedRoomFollowsRoomLanguage(t *testing.T) {
	s := newScene(t)
	help := s.ask(t, s.alice, "!help")
	if !strings.Contains(help, "commands you can use here") || !strings.Contains(help, "!lang room <code|auto>") {
		t.Fatalf("!help reply is not the English help:\n%s", help)
	}
	if set := s.ask(t, s.alice, "!lang room es"); !strings.Contains(set, "El idioma de esta sala ahora es") {
		t.Fatalf("!lang room es reply is not Spanish: %s", set)
	}
	if help = s.ask(t, s.alice, "!help"); !strings.Contains(help, "comandos que puedes usar aquí") {
		t.Fatalf("!help after !lang room es is not Spanish:\n%s", help)
	}
}

func TestNonModeratorCannotChangeRoomLanguage(t *testing.T) {
	s := newScene(t)
	bob := s.member(t, "bob")
	for _, cmd := range []string{"!lang room xx", "!lang room fr"} {
		if refusal := s.ask(t, bob, cmd); !strings.Contains(refusal, "only moderators") || !strings.Contains(refusal, "Nothing was changed") {
			t.Fatalf("non-moderator's %q was not refused politely: %s", cmd, refusal)
		}
	}
	if shown := s.ask(t, s.alice, "!lang"); !strings.Contains(shown, "This room's language: **English** (`en`)") {
		t.Fatalf("room language changed after a refused command: %s", shown)
	}
}

func TestTimezoneIsValidatedAndStored(t *testing.T) {
	s := newScene(t)
	refusal := s.ask(t, s.alice, "!tz me Mars/Olympus")
	if !strings.Contains(refusal, "`Mars/Olympus` is not a time zone I know") || !strings.Contains(refusal, "Did you mean") {
		t.Fatalf("invalid zone not refused with a suggestion: %s", refusal)
	}
	if set := s.ask(t, s.alice, "!tz me America/Santiago"); !strings.Contains(set, "Your time zone is now `America/Santiago`") {
		t.Fatalf("zone not confirmed: %s", set)
	}
	if shown := s.ask(t, s.alice, "!tz"); !strings.Contains(shown, "Your time zone: `America/Santiago`") {
		t.Fatalf("!tz does not show the stored zone: %s", shown)
	}
}

func TestDirectMessageNeedsNoPrefix(t *testing.T) {
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	setup.start(t)
	dm := alice.CreateRoom(testenv.RoomOptions{Encrypted: true, Direct: true, Invite: []id.UserID{setup.userID}})
	alice.WaitForMembership(dm, setup.userID, event.MembershipJoin, 30*time.Second)

	help := testenv.Body(ask(t, alice, dm, setup.userID, "help"))
	if !strings.Contains(help, "commands you can use here") || !strings.Contains(help, "private chat you can leave out") {
		t.Fatalf("help without prefix in a DM did not answer with help: %s", help)
	}
	set := testenv.Body(ask(t, alice, dm, setup.userID, "lang me de"))
	if !strings.Contains(set, "Deine Sprache ist jetzt") {
		t.Fatalf("personal language not used in the DM: %s", set)
	}
}

func TestRestartKeepsDeviceAndAnswersOnce(t *testing.T) {
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	bot := setup.start(t)
	device := readyDevice(t, bot)
	if !printedRecoveryKey(bot) {
		t.Fatal("first start did not show the recovery key")
	}
	room := encryptedRoomWithBot(t, alice, setup.userID)
	first := alice.SendText(room, "!help")
	alice.WaitForReply(room, setup.userID, first, 30*time.Second)

	if code := bot.Stop(); code != 0 {
		t.Fatalf("graceful stop exited with %d", code)
	}
	assertPrivate(t, filepath.Join(setup.dir, "starling.db"))
	bot = setup.start(t)
	if got := readyDevice(t, bot); got != device {
		t.Fatalf("device id changed across restart: %s -> %s", device, got)
	}
	if printedRecoveryKey(bot) {
		t.Fatal("the recovery key was shown again on restart")
	}
	reply := testenv.Body(ask(t, alice, room, setup.userID, "!lang"))
	if !strings.Contains(reply, "This room's language") {
		t.Fatalf("unexpected reply after restart: %s", reply)
	}

	second := alice.SendText(room, "!tz")
	alice.WaitForReply(room, setup.userID, second, 30*time.Second)
	bot.Kill()
	bot = setup.start(t)
	if got := readyDevice(t, bot); got != device {
		t.Fatalf("device id changed across a crash: %s -> %s", device, got)
	}
	ask(t, alice, room, setup.userID, "!help")

	for _, sent := range []id.EventID{first, second} {
		n := 0
		for _, evt := range alice.Messages(room, setup.userID) {
			if evt.Content.AsMessage().RelatesTo.GetReplyTo() == sent {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("command %s was answered %d times, want once", sent, n)
		}
	}
}

func TestInvitesFollowAllowList(t *testing.T) {
	alice, mallory := user(t, "alice"), user(t, "mallory")
	setup := newBot(t, alice.UserID)
	bot := setup.start(t)

	bad := mallory.CreateRoom(testenv.RoomOptions{Encrypted: true, Invite: []id.UserID{setup.userID}})
	mallory.WaitForMemberEvent(bad, setup.userID, event.MembershipLeave, 30*time.Second)
	good := encryptedRoomWithBot(t, alice, setup.userID)
	ask(t, alice, good, setup.userID, "!help")

	rejected := false
	for _, e := range bot.LogEntries() {
		if e["message"] == "Rejected invite from outside the allow-list" && e["room_id"] == bad.String() {
			rejected = true
		}
	}
	if !rejected {
		t.Fatal("the bot did not log the rejected invite")
	}
	if mallory.StateStore.IsMembership(t.Context(), bad, setup.userID, event.MembershipJoin) {
		t.Fatal("the bot joined a room it was invited to from outside the allow-list")
	}
}

func readyDevice(t *testing.T, bot *testenv.Bot) string {
	t.Helper()
	for _, e := range bot.LogEntries() {
		if e["message"] == "Starling is ready" {
			if d, ok := e["device_id"].(string); ok && d != "" {
				return d
			}
		}
	}
	t.Fatal("bot did not log its device id")
	return ""
}

func assertPrivate(t *testing.T, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("database file mode is %o, want 600", mode)
	}
}

func printedRecoveryKey(bot *testenv.Bot) bool {
	for _, l := range bot.Lines() {
		if strings.Contains(l, "recovery key, shown only this once") {
			return true
		}
	}
	return false
}
