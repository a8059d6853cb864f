package e2e

import (
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// Commands sent before the bot joined are history, not work, even where the
// bot can read them (an unencrypted room with shared history); nor does the
// bot page back through that history, which held up everything else each
// time it joined a room.
func TestMessagesFromBeforeTheJoinAreIgnored(t *testing.T) {
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	bot := setup.start(t)
	room := alice.CreateRoom(testenv.RoomOptions{})
	old := alice.SendText(room, "!help")
	if _, err := alice.InviteUser(t.Context(), room, &mautrix.ReqInviteUser{UserID: setup.userID}); err != nil {
		t.Fatal(err)
	}
	alice.WaitForMembership(room, setup.userID, event.MembershipJoin, 30*time.Second)
	now := alice.SendText(room, "!tz")
	reply := alice.WaitForReply(room, setup.userID, now, 30*time.Second)
	if !strings.Contains(testenv.Body(reply), "time zone") {
		t.Fatalf("unexpected reply: %s", testenv.Body(reply))
	}
	for _, evt := range alice.Messages(room, setup.userID) {
		if evt.Content.AsMessage().RelatesTo.GetReplyTo() == old {
			t.Fatal("the bot answered a command sent before it joined")
		}
	}
	for _, e := range bot.LogEntries() {
		if e["message"] == "Caught up on events a limited sync left out" && e["room_id"] == room.String() {
			t.Fatalf("the bot paged back through the history of a room it had just joined: %v", e)
		}
	}
}

// An unencrypted message in an encrypted room could come from anyone who
// can post there without the room's keys; the bot does not act on it.
func TestPlaintextInEncryptedRoomIsIgnored(t *testing.T) {
	s := newScene(t)
	resp, err := s.alice.SendMessageEvent(t.Context(), s.room, event.EventMessage,
		&event.MessageEventContent{MsgType: event.MsgText, Body: "!lang room fr"}, mautrix.ReqSendEvent{DontEncrypt: true})
	if err != nil {
		t.Fatal(err)
	}
	if shown := s.ask(t, s.alice, "!lang"); !strings.Contains(shown, "**English**") {
		t.Fatalf("a plaintext command changed the room: %s", shown)
	}
	for _, evt := range s.alice.Messages(s.room, s.setup.userID) {
		if evt.Content.AsMessage().RelatesTo.GetReplyTo() == resp.EventID {
			t.Fatal("the bot answered a plaintext command in an encrypted room")
		}
	}
}

// Other people's clients see the bot's device as cross-signed by its owner.
func TestBotDeviceIsCrossSigned(t *testing.T) {
	alice := user(t, "alice")
	setup := newBot(t, alice.UserID)
	bot := setup.start(t)
	device := id.DeviceID(readyDevice(t, bot))
	mach := alice.Crypto.(*cryptohelper.CryptoHelper).Machine()
	devices, err := mach.FetchKeys(t.Context(), []id.UserID{setup.userID}, true)
	if err != nil {
		t.Fatal(err)
	}
	dev, ok := devices[setup.userID][device]
	if !ok {
		t.Fatalf("alice sees no device %s for the bot", device)
	}
	if trust, err := mach.ResolveTrustContext(t.Context(), dev); err != nil || trust < id.TrustStateCrossSignedTOFU {
		t.Fatalf("bot device trust is %s, want cross-signed", trust)
	}
}
