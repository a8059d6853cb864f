package e2e

import (
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// Two unencrypted rooms are linked; then one turns encryption on. From then
// on nothing of it reaches the unencrypted room, and its moderators are told
// why, once.
func TestEncryptedContentNeverReachesAnUnencryptedRoom(t *testing.T) {
	ana, ben := user(t, "ana"), user(t, "ben")
	// Unencrypted rooms say nothing of the sending device, so settings may
	// be changed there only when the config allows any device.
	setup := newBotWith(t, anyDevice, ana.UserID, ben.UserID)
	bot := setup.start(t)
	plainAsk := func(c *testenv.Client, room id.RoomID, text string) string {
		t.Helper()
		sent := c.SendText(room, text)
		return testenv.Body(c.WaitForReply(room, setup.userID, sent, 30*time.Second))
	}
	roomA := ana.CreateRoom(testenv.RoomOptions{Name: "A", Invite: []id.UserID{setup.userID}})
	ana.WaitForMembership(roomA, setup.userID, event.MembershipJoin, 30*time.Second)
	roomB := ben.CreateRoom(testenv.RoomOptions{Name: "B", Invite: []id.UserID{setup.userID}})
	ben.WaitForMembership(roomB, setup.userID, event.MembershipJoin, 30*time.Second)
	code := askCode(t, ana, roomA, setup.userID, "!link new Abierta")
	plainAsk(ben, roomB, "!link join "+code)
	// Incident reports may not go to an unencrypted responder room.
	if got := plainAsk(ben, roomB, "!incident room"); !strings.Contains(got, "not end-to-end encrypted") {
		t.Fatalf("!incident room in an unencrypted room answered %q", got)
	}

	ana.SendText(roomA, "Antes del cifrado Zorblax1")
	ben.WaitForMessage(roomB, setup.userID, 45*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Zorblax1")
	})

	if _, err := ana.SendStateEvent(t.Context(), roomA, event.StateEncryption, "",
		&event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}); err != nil {
		t.Fatal(err)
	}
	ana.Eventually("room A to be encrypted", 20*time.Second, func() bool {
		enc, _ := ana.StateStore.IsEncrypted(t.Context(), roomA)
		return enc
	})
	ana.SendText(roomA, "Secreto Zorblax2")
	ana.SendText(roomA, "Otro secreto Zorblax3")
	warning := ana.WaitForMessage(roomA, setup.userID, 45*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "not relaying")
	})
	assertWords(t, "warning", testenv.Body(warning), "B", "encrypted")
	ben.SendText(roomB, "Sin cifrar Zorblax4")
	ana.WaitForMessage(roomA, setup.userID, 45*time.Second, func(e *event.Event) bool {
		return strings.Contains(testenv.Body(e), "Zorblax4")
	})
	time.Sleep(time.Second)
	for _, e := range ben.Messages(roomB, setup.userID) {
		if b := testenv.Body(e); strings.Contains(b, "Zorblax2") || strings.Contains(b, "Zorblax3") {
			t.Fatalf("encrypted content reached the unencrypted room: %s", b)
		}
	}
	// After a restart the room is not told again.
	bot.Stop()
	bot = setup.start(t)
	ana.SendText(roomA, "Secreto tras reiniciar Zorblax5")
	bot.WaitLog("Giving up relaying event", 45*time.Second)
	time.Sleep(time.Second)
	warnings := 0
	for _, e := range ana.Messages(roomA, setup.userID) {
		if strings.Contains(testenv.Body(e), "not relaying") {
			warnings++
		}
	}
	if warnings != 1 {
		t.Fatalf("moderators were told %d times, want once", warnings)
	}
}
