package e2e

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/testenv"
)

// A copy reads like its sender wrote it (MSC4144): their name and avatar on
// the message, the name kept in the text, marked, for clients that do not
// show profiles. A display name is a name and nothing else; a sender cannot
// pass as someone else by writing a profile or a fallback of their own.
func TestCopiesShowTheirSendersProfile(t *testing.T) {
	c := newCoalition(t, "es", "en", "ca")
	es, en := c.rooms["es"], c.rooms["en"]
	bot := c.setup.userID

	ana := user(t, "ana")
	avatar := make([]byte, 2048)
	_, _ = rand.Read(avatar)
	up, err := ana.UploadBytes(t.Context(), avatar, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if err = ana.SetAvatarURL(t.Context(), up.ContentURI); err != nil {
		t.Fatal(err)
	}
	// Markup, a room ping and a right-to-left override: text, not power.
	if err = ana.SetDisplayName(t.Context(), "<b>Ana</b> @room \u202eamaj"); err != nil {
		t.Fatal(err)
	}
	if _, err = es.mod.InviteUser(t.Context(), es.room, &mautrix.ReqInviteUser{UserID: ana.UserID}); err != nil {
		t.Fatal(err)
	}
	ana.Join(es.room, bot)

	ana.SendText(es.room, "Hola a todas, nos vemos en la plaza Zorblax12")
	copied := c.copyIn(t, "en", "Zorblax12")
	content := copied.Content.AsMessage()
	p := content.BeeperPerMessageProfile
	if p == nil {
		t.Fatalf("the copy carries no sender profile: %s", content.Body)
	}
	if !strings.Contains(p.Displayname, "<b>Ana</b>") || !strings.Contains(p.Displayname, "(Sala es)") {
		t.Errorf("profile name %q does not name Ana and her room", p.Displayname)
	}
	if strings.Contains(strings.ToLower(p.Displayname), "@room") || strings.ContainsRune(p.Displayname, '\u202e') {
		t.Errorf("profile name %q keeps a room ping or a direction override", p.Displayname)
	}
	if !p.HasFallback || !strings.HasPrefix(content.Body, p.Displayname+": ") {
		t.Errorf("body %q does not start with the fallback %q", content.Body, p.Displayname+": ")
	}
	if !strings.HasPrefix(content.FormattedBody, "<strong data-mx-profile-fallback>&lt;b&gt;Ana&lt;/b&gt;") ||
		strings.Contains(content.FormattedBody, "<b>Ana</b>") {
		t.Errorf("formatted body %q does not start with the escaped, marked fallback", content.FormattedBody)
	}
	if content.Mentions == nil || content.Mentions.Room || len(content.Mentions.UserIDs) != 0 {
		t.Errorf("the copy mentions %+v; it must say explicitly that it pings nobody", content.Mentions)
	}
	if p.AvatarURL != nil || p.AvatarFile == nil {
		t.Fatalf("avatar in an encrypted room: url %v, file %v; want it encrypted", p.AvatarURL, p.AvatarFile)
	}
	if got := en.mod.DownloadFile(&event.MessageEventContent{File: p.AvatarFile}); !bytes.Equal(got, avatar) {
		t.Errorf("the copied avatar decrypts to %d bytes that are not Ana's avatar", len(got))
	}
	// As a client that shows the profile reads it.
	shown := *content
	shown.RemovePerMessageProfileFallback()
	if !strings.HasPrefix(shown.Body, "Hello") || strings.Contains(shown.FormattedBody, "data-mx-profile-fallback") {
		t.Errorf("without its fallback the copy reads %q / %q", shown.Body, shown.FormattedBody)
	}

	t.Run("figures come through as written", func(t *testing.T) {
		figures := []string{"18:30", "1.500 €", "+34 600 123 456", "2026-12-10"}
		es.mod.SendText(es.room, "Nos vemos a las 18:30 el 2026-12-10; cuesta 1.500 €, llama al +34 600 123 456 Zorblax14")
		assertWords(t, "Catalan copy", testenv.Body(c.copyIn(t, "ca", "Zorblax14")), append(figures, "veiem")...)
		en.mod.SendText(en.room, "We meet at 18:30 on 2026-12-10; it costs 1.500 €, call +34 600 123 456 Zorblax15")
		assertWords(t, "Spanish copy", testenv.Body(c.copyIn(t, "es", "Zorblax15")), append(figures, "cuesta")...)
	})

	t.Run("an edit keeps the profile", func(t *testing.T) {
		ana.Send(es.room, &event.MessageEventContent{
			MsgType: event.MsgText, Body: "* Hola a todas, nos vemos en el parque Zorblax12",
			NewContent: &event.MessageEventContent{MsgType: event.MsgText, Body: "Hola a todas, nos vemos en el parque Zorblax12"},
			RelatesTo:  &event.RelatesTo{Type: event.RelReplace, EventID: copiedSource(t, es, ana.UserID, "Zorblax12")},
		})
		edit := en.mod.WaitForMessage(en.room, bot, 45*time.Second, func(e *event.Event) bool {
			return e.Content.AsMessage().RelatesTo.GetReplaceID() == copied.ID
		})
		np := edit.Content.AsMessage().NewContent.BeeperPerMessageProfile
		if np == nil || np.Displayname != p.Displayname || np.AvatarFile == nil {
			t.Fatalf("the edited copy's profile is %+v, want %q with the avatar", np, p.Displayname)
		}
	})

	t.Run("a sender cannot write someone else's profile", func(t *testing.T) {
		boss := "Coordinadora (Sala es)"
		ana.Send(es.room, &event.MessageEventContent{
			MsgType: event.MsgText, Format: event.FormatHTML,
			Body:          boss + ": cancelad la acción Zorblax13",
			FormattedBody: "<strong data-mx-profile-fallback>" + boss + ": </strong>cancelad la acción Zorblax13",
			BeeperPerMessageProfile: &event.BeeperPerMessageProfile{ID: "boss", Displayname: boss, HasFallback: true,
				AvatarURL: ptr(id.ContentURIString("mxc://localhost/forged"))},
		})
		forged := c.copyIn(t, "en", "Zorblax13").Content.AsMessage()
		fp := forged.BeeperPerMessageProfile
		if fp == nil || fp.Displayname != p.Displayname || fp.AvatarURL != nil {
			t.Fatalf("the copy's profile is %+v; want Ana's own", fp)
		}
		if n := strings.Count(forged.FormattedBody, "data-mx-profile-fallback"); n != 1 {
			t.Errorf("the copy holds %d fallback marks, want only the bot's: %s", n, forged.FormattedBody)
		}
	})
}

// copiedSource is the id of sender's message in l's room containing marker.
func copiedSource(t *testing.T, l *linked, sender id.UserID, marker string) id.EventID {
	t.Helper()
	for _, e := range l.mod.Messages(l.room, sender) {
		if strings.Contains(e.Content.AsMessage().Body, marker) {
			return e.ID
		}
	}
	t.Fatalf("no message with %q from %s", marker, sender)
	return ""
}

func ptr[T any](v T) *T { return &v }
