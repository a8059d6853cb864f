package bot

import (
	"context"
	"fmt"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
	"starling/internal/txnid"
	"starling/rooms"
)

var (
	msgNoLongerPrivate = &i18n.Message{
		ID:          "DirectChatNoLongerPrivate",
		Description: "Posted in a room that was a private chat between the bot and one person, when someone else was invited or joined.",
		Other:       "Someone else is in this chat now, so it is no longer private: I will not use it for forms, reports or answers any more. I will write to you in a new private chat.",
	}
	msgStaleCommand = &i18n.Message{
		ID:          "StaleCommand",
		Description: "Reply to a command sent more than a few minutes before the bot could read it (it was down or behind).",
		Other:       "I was away when you sent this, so I did not run it now, late. Send it again if you still want it.",
	}
	msgUntrustedAnswer = &i18n.Message{
		ID:          "UntrustedAnswer",
		Description: "Reply in the private chat to an answer (to a form or an incident report) sent from a device its owner has not verified.",
		Other:       "I did not take that: it came from a device you have not verified, and what you tell me here goes on in your name. Verify this device from one of your other sessions or with your recovery key (in Element: Settings → Sessions), then send it again.",
	}
	msgEditNotRead = &i18n.Message{
		ID:          "EditNotRead",
		Description: "Reply in the private chat when the person edits a message while answering a form or reporting an incident: edits are not taken.",
		Other:       "I do not read edits: what you first sent stays as it was. Send anything you want to add or correct as a new message.",
	}
)

// OpenDM returns a direct chat with the user: a room that still is one (the
// room authority checks its members, whatever anyone claimed), or a new
// encrypted room made for them. One caller at a time per person, so that
// two rooms' handlers asking at once share one new chat.
func (b *Bot) OpenDM(ctx context.Context, userID id.UserID) (id.RoomID, error) {
	defer b.dmLocks.Lock(userID.String())()
	candidates, err := b.db.Room.DirectRooms(ctx)
	if err != nil {
		return "", err
	}
	for _, room := range candidates {
		if !b.client.StateStore.IsMembership(ctx, room, userID, event.MembershipJoin, event.MembershipInvite) {
			continue
		}
		if ok, err := b.rooms.IsDirectChatWith(ctx, room, userID); err != nil {
			return "", err
		} else if ok {
			return room, nil
		}
	}
	encryption := &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}
	resp, err := b.client.CreateRoom(ctx, &mautrix.ReqCreateRoom{
		Preset: "trusted_private_chat", IsDirect: true, Invite: []id.UserID{userID},
		InitialState: []*event.Event{{Type: event.StateEncryption, Content: event.Content{Parsed: encryption}}},
	})
	if err != nil {
		return "", fmt.Errorf("failed to open a direct chat: %w", err)
	}
	// Known before the sync brings it back, so nothing is ever sent in the
	// clear and the room counts as a direct chat from the first message.
	if err = b.client.StateStore.SetEncryptionEvent(ctx, resp.RoomID, encryption); err != nil {
		return "", err
	}
	if err = b.client.StateStore.SetMembership(ctx, resp.RoomID, b.client.UserID, event.MembershipJoin); err != nil {
		return "", err
	}
	if err = b.client.StateStore.SetMembership(ctx, resp.RoomID, userID, event.MembershipInvite); err != nil {
		return "", err
	}
	if err = b.db.Room.SetDirectFor(ctx, resp.RoomID, userID); err != nil {
		return "", err
	}
	if err = b.db.Room.SetJoinedAt(ctx, resp.RoomID, b.now()); err != nil {
		return "", err
	}
	zerolog.Ctx(ctx).Info().Stringer("dm_room_id", resp.RoomID).Msg("Opened a direct chat")
	return resp.RoomID, nil
}

// SendToPerson sends a notice to the user in their direct chat. roomID is
// the chat used so far: if it is no longer a direct chat with them, the
// bot says so there (once) and opens another. It returns the room used.
func (b *Bot) SendToPerson(ctx context.Context, userID id.UserID, roomID id.RoomID, markdown string) (id.RoomID, error) {
	if roomID != "" {
		ok, err := b.rooms.IsDirectChatWith(ctx, roomID, userID)
		if err != nil {
			return "", err
		}
		if !ok {
			b.directChatLost(ctx, roomID, userID)
			roomID = ""
		}
	}
	if roomID == "" {
		var err error
		if roomID, err = b.OpenDM(ctx, userID); err != nil {
			return "", err
		}
	}
	_, err := b.SendMarkdown(ctx, roomID, markdown, rooms.Private)
	return roomID, err
}

// directChatLost stops using a room that was a direct chat: it is no longer
// offered as one, and the person is told there, once — by whoever noticed
// first, here or in onOtherMember. It tells whether this call did.
func (b *Bot) directChatLost(ctx context.Context, roomID id.RoomID, userID id.UserID) bool {
	log := zerolog.Ctx(ctx).With().Stringer("room_id", roomID).Logger()
	stopped, err := b.db.Room.StopDirect(ctx, roomID)
	if err != nil {
		log.Err(err).Msg("Failed to stop using a room as a direct chat")
		return false
	} else if !stopped {
		return false
	}
	log.Info().Msg("Room is no longer a direct chat")
	if !b.client.StateStore.IsMembership(ctx, roomID, b.client.UserID, event.MembershipJoin) {
		return true
	}
	text := b.l10n.Text(b.rooms.PersonLanguage(ctx, userID), msgNoLongerPrivate, nil)
	if _, err = b.SendMarkdown(ctx, roomID, text, rooms.Bot); err != nil {
		log.Warn().Err(err).Msg("Failed to say a direct chat is no longer private")
	}
	return true
}

// SendMarkdown sends a notice that mentions nobody.
func (b *Bot) SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string, from rooms.Origin) (id.EventID, error) {
	return b.Send(ctx, roomID, event.EventMessage, mxtext.Notice(markdown, nil), txnid.Unique(), from)
}
