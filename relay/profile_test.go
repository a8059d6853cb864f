package relay

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
)

// avatarMatrix gives Ana an avatar and counts what copying it costs.
type avatarMatrix struct {
	*fakeMatrix
	uploads atomic.Int32
}

func (m *avatarMatrix) Avatar(context.Context, id.RoomID, id.UserID) id.ContentURIString {
	return "mxc://test/ana"
}
func (m *avatarMatrix) Download(context.Context, id.ContentURIString, int64) ([]byte, error) {
	return []byte("png"), nil
}
func (m *avatarMatrix) Attach(_ context.Context, c *event.MessageEventContent, _ []byte, _ string, encrypt bool) error {
	m.uploads.Add(1)
	if encrypt {
		c.File = &event.EncryptedFileInfo{URL: "mxc://test/encrypted-ana"}
	} else {
		c.URL = "mxc://test/plain-ana"
	}
	return nil
}

func TestCopyShowsItsSender(t *testing.T) {
	tests := []struct {
		name       string
		profiles   bool
		encrypted  bool
		wantAvatar id.ContentURIString // the profile's avatar URL, or its encrypted file's
		wantBody   string
	}{
		{name: "off: the bot's copy names the sender in the text", wantBody: "ana (!a:test): hola"},
		{name: "unencrypted room: the avatar as it is", profiles: true, wantAvatar: "mxc://test/ana", wantBody: "ana (!a:test): hola"},
		{name: "encrypted room: the avatar encrypted", profiles: true, encrypted: true, wantAvatar: "mxc://test/encrypted-ana", wantBody: "ana (!a:test): hola"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mx := &avatarMatrix{fakeMatrix: newFakeMatrix()}
			r := newTestRelay(t, mx)
			r.settings.SenderProfiles = tt.profiles
			j := &job{Delivery: &database.Delivery{SourceRoom: "!a:test", TargetRoom: "!b:test"}, targetEncrypted: tt.encrypted,
				evt: &event.Event{Sender: "@ana:test", RoomID: "!a:test"}}
			for range 3 {
				out, err := r.buildCopy(context.Background(), j, &event.MessageEventContent{MsgType: event.MsgText, Body: "hola"})
				if err != nil {
					t.Fatal(err)
				}
				if out.Body != tt.wantBody {
					t.Errorf("body %q, want %q", out.Body, tt.wantBody)
				}
				p := out.BeeperPerMessageProfile
				switch {
				case !tt.profiles && p != nil:
					t.Fatalf("profiles are off, the copy carries %+v", p)
				case !tt.profiles:
					continue
				case p == nil || p.Displayname != "ana (!a:test)" || !p.HasFallback:
					t.Fatalf("profile %+v", p)
				}
				var got id.ContentURIString
				if p.AvatarURL != nil {
					got = *p.AvatarURL
				} else if p.AvatarFile != nil {
					got = p.AvatarFile.URL
				}
				if got != tt.wantAvatar {
					t.Errorf("avatar %q, want %q", got, tt.wantAvatar)
				}
			}
			if want := map[bool]int32{true: 1}[tt.encrypted]; mx.uploads.Load() != want {
				t.Errorf("three copies uploaded the avatar %d times, want %d", mx.uploads.Load(), want)
			}
		})
	}
}

func TestProfileName(t *testing.T) {
	tests := []struct {
		name, sender, room, want string
	}{
		{name: "plain", sender: "Ana Ruiz", room: "Sala ES", want: "Ana Ruiz (Sala ES)"},
		{name: "markup stays text", sender: "<b>Ana</b>", room: "ES", want: "<b>Ana</b> (ES)"},
		{name: "no room ping", sender: "@room", room: "ES", want: "@\u2060room (ES)"},
		{name: "no line breaks or direction overrides", sender: "Ana\n\u202eFake\u2066", room: "E\tS", want: "Ana Fake (E S)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := profileName(tt.sender, tt.room); got != tt.want {
				t.Errorf("profileName(%q, %q) = %q, want %q", tt.sender, tt.room, got, tt.want)
			}
		})
	}
	long := profileName(strings.Repeat("Ana ", 100), "Sala ES")
	if n := utf8.RuneCountInString(long); n > maxSenderRunes+maxRoomRunes+3 || !strings.HasSuffix(long, "… (Sala ES)") {
		t.Errorf("a long name is %d runes and hides its room: %q", n, long)
	}
	// Padding that shows as nothing cannot push the real room out of sight.
	padded := profileName("Maria (Sala Madrid)"+strings.Repeat("\u2800\u200b\u3164", 80), "Sala ES")
	if padded != "Maria (Sala Madrid) (Sala ES)" {
		t.Errorf("a padded name reads %q", padded)
	}
}
