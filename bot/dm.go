package bot

import (
	"context"
	"fmt"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"
)

// OpenDM returns the direct chat with the user, creating an encrypted one
// (and inviting them) when there is none.
func (b *Bot) OpenDM(ctx context.Context, userID id.UserID) (id.RoomID, error) {
	rooms, err := b.db.Room.DirectRooms(ctx)
	if err != nil {
		return "", err
	}
	for _, room := range rooms {
		if b.client.StateStore.IsMembership(ctx, room, userID, event.MembershipJoin, event.MembershipInvite) &&
			b.client.StateStore.IsMembership(ctx, room, b.client.UserID, event.MembershipJoin) {
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
	// Known before the sync brings it back, so nothing is ever sent in the clear.
	if err = b.client.StateStore.SetEncryptionEvent(ctx, resp.RoomID, encryption); err != nil {
		return "", err
	}
	if err = b.client.StateStore.SetMembership(ctx, resp.RoomID, b.client.UserID, event.MembershipJoin); err != nil {
		return "", err
	}
	if err = b.client.StateStore.SetMembership(ctx, resp.RoomID, userID, event.MembershipInvite); err != nil {
		return "", err
	}
	if err = b.db.Room.SetDirect(ctx, resp.RoomID, true); err != nil {
		return "", err
	}
	if err = b.db.Room.SetJoinedAt(ctx, resp.RoomID, b.now()); err != nil {
		return "", err
	}
	return resp.RoomID, nil
}

// SendMarkdown sends a notice that mentions nobody.
func (b *Bot) SendMarkdown(ctx context.Context, roomID id.RoomID, markdown string) (id.EventID, error) {
	content := format.RenderMarkdown(markdown, true, false)
	content.MsgType = event.MsgNotice
	content.Mentions = &event.Mentions{}
	return b.Send(ctx, roomID, event.EventMessage, &content, b.client.TxnID())
}
