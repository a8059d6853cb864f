package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// A member whose client lost the key of one of the bot's messages asks the
// bot's device for it, and gets it: the bot shared that session with them.
func TestBotAnswersKeyRequests(t *testing.T) {
	s := newScene(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sent := s.alice.SendText(s.room, "!help")
	reply := s.alice.WaitForReply(s.room, s.setup.userID, sent, 30*time.Second)

	raw, err := s.alice.GetEvent(ctx, s.room, reply.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw.RoomID, raw.Type.Class = s.room, event.MessageEventType
	if err = raw.Content.ParseRaw(raw.Type); err != nil {
		t.Fatal(err)
	}
	enc := raw.Content.AsEncrypted()
	helper := s.alice.Crypto.(*cryptohelper.CryptoHelper)
	store := helper.Machine().CryptoStore.(*crypto.SQLCryptoStore)
	if _, err = store.DB.Exec(ctx, "DELETE FROM crypto_megolm_inbound_session WHERE session_id=$1", enc.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err = helper.Decrypt(ctx, raw); err == nil {
		t.Fatal("the reply still decrypts after its key was deleted")
	}

	var botDevice id.DeviceID
	for _, e := range s.bot.LogEntries() {
		if e["message"] == "Starling is ready" {
			botDevice = id.DeviceID(e["device_id"].(string))
		}
	}
	// RequestRoomKey is deprecated for asking several devices at once; one is all this needs.
	//lint:ignore SA1019 one device is asked, which is all the deprecated call cannot do better
	received, err := helper.Machine().RequestRoomKey(ctx, s.setup.userID, botDevice, s.room, enc.SenderKey, enc.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	if !<-received {
		t.Fatal("the bot did not answer the key request")
	}
	decrypted, err := helper.Decrypt(ctx, raw)
	if err != nil {
		t.Fatalf("the reply does not decrypt with the forwarded key: %v", err)
	}
	if body := decrypted.Content.AsMessage().Body; !strings.Contains(body, "commands you can use here") {
		t.Fatalf("decrypted reply: %q", body)
	}

	// A device added afterwards never had the session: asking gets nothing.
	later := hs.NewDevice(t, s.alice)
	laterHelper := later.Crypto.(*cryptohelper.CryptoHelper)
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	//lint:ignore SA1019 as above
	refused, err := laterHelper.Machine().RequestRoomKey(waitCtx, s.setup.userID, botDevice, s.room, enc.SenderKey, enc.SessionID)
	if err != nil {
		t.Fatal(err)
	}
	// The bot saw the request and refused it; nothing arrives after that.
	s.bot.WaitLog("Rejecting key request for unshared session", 10*time.Second)
	time.Sleep(time.Second)
	stop()
	if <-refused {
		t.Fatal("the bot shared a session with a device it never shared it with")
	}
	if _, err = laterHelper.Decrypt(ctx, raw); err == nil {
		t.Fatal("a device added later decrypts the bot's earlier reply")
	}
}
