package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// Test 10: a backup taken with `starling backup` while the bot relays,
// restored into a fresh folder on "another machine" (same account, same
// pickle key), is the same device: it decrypts a new message and relays it,
// and the people in the rooms can read what it sends.
func TestBackupRestoreKeepsTheDevice(t *testing.T) {
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	es.mod.SendText(es.room, "Antes de la copia Bkpa1")
	c.copyIn(t, "en", "Bkpa1")
	device := readyDevice(t, c.bot)

	backup := filepath.Join(t.TempDir(), "starling-backup.db")
	out, err := exec.Command(starlingBin, "-c", c.setup.config, "backup", backup).CombinedOutput()
	if err != nil {
		t.Fatalf("backup failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), device) {
		t.Errorf("the backup's report does not name device %s:\n%s", device, out)
	}
	assertPrivate(t, backup)
	if out, err = exec.Command(starlingBin, "-c", c.setup.config, "backup", backup).CombinedOutput(); err == nil {
		t.Errorf("a second backup to the same file succeeded:\n%s", out)
	}

	// The bot goes on after the backup, as it would until the machine is
	// lost: copies go out in both rooms with Megolm sessions the backup
	// knows at an earlier message number.
	en.mod.SendText(en.room, "After the backup Bkpb2")
	c.copyIn(t, "es", "Bkpb2")
	es.mod.SendText(es.room, "Después de la copia Bkpb3")
	c.copyIn(t, "en", "Bkpb3")
	if code := c.bot.Stop(); code != 0 {
		t.Fatalf("stop exited %d", code)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		_ = os.Remove(filepath.Join(c.setup.dir, "starling.db"+suffix)) // the old machine is gone
	}

	dir := t.TempDir()
	restoreFile(t, backup, filepath.Join(dir, "starling.db"))
	config, err := hs.WriteBotConfig(dir, testenv.BotConfig{Localpart: c.setup.localpart, Password: "bot-password", AllowUsers: c.setup.allow})
	if err != nil {
		t.Fatal(err)
	}
	c.bot = testenv.StartBot(t, starlingBin, config)
	if got := readyDevice(t, c.bot); got != device {
		t.Fatalf("the restored bot is device %s, want %s", got, device)
	}
	if printedRecoveryKey(c.bot) {
		t.Error("the restored bot made new cross-signing keys")
	}

	es.mod.SendText(es.room, "Después de restaurar Bkpc4")
	assertFromTrustedDevice(t, c.copyIn(t, "en", "Bkpc4"))
	en.mod.SendText(en.room, "After the restore Bkpc5")
	assertFromTrustedDevice(t, c.copyIn(t, "es", "Bkpc5"))
	// Each room is served in order, so a second copy of what was relayed
	// after the backup would have come before these.
	for lang, marker := range map[string]string{"es": "Bkpb2", "en": "Bkpb3"} {
		if n := len(copiesWith(c.rooms[lang], c.setup.userID, marker)); n != 1 {
			t.Errorf("%d copies of %s in the %s room, want 1", n, marker, lang)
		}
	}

	keys, err := es.mod.QueryKeys(t.Context(), &mautrix.ReqQueryKeys{DeviceKeys: mautrix.DeviceKeysRequest{c.setup.userID: {}}})
	if err != nil {
		t.Fatal(err)
	}
	var devices []id.DeviceID
	for d := range keys.DeviceKeys[c.setup.userID] {
		devices = append(devices, d)
	}
	if !slices.Equal(devices, []id.DeviceID{id.DeviceID(device)}) {
		t.Errorf("the bot's account has devices %v, want only %s", devices, device)
	}
}

// restoreFile copies the backup to the new machine's database path.
func restoreFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err = os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// assertFromTrustedDevice checks that a copy came encrypted from a device
// its reader sees as cross-signed.
func assertFromTrustedDevice(t testing.TB, evt *event.Event) {
	t.Helper()
	if evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
		t.Errorf("the copy %q was not encrypted", testenv.Body(evt))
	}
	if trust := evt.Mautrix.TrustState; trust < id.TrustStateCrossSignedTOFU {
		t.Errorf("the copy %q came from a device trusted as %s, want cross-signed", testenv.Body(evt), trust)
	}
}
