package bot

import (
	"context"
	"errors"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"starling/internal/safe"
	"starling/rooms"
)

var msgRoomMoved = &i18n.Message{
	ID:          "RoomMoved",
	Description: "Posted by the bot in each room of a coalition that was moved to another Starling instance, just before it leaves; Bot is the other instance's bot, invited in the same moment.",
	Other:       "From now on {{.Bot}} relays this coalition, with the same links, languages and history; I have invited it and I am leaving. Nothing is lost, and there is nothing to do.",
}

// handOver brings the rooms of a coalition exported to another instance
// (`starling coalition export`) to that instance's bot: it is invited, the
// room is told, and this bot leaves. A room the bot has left already, or
// cannot act in any more, is forgotten; one that fails for a passing reason
// is tried again at the next start.
func (b *Bot) handOver(ctx context.Context) {
	safe.Run(&b.log, "hand-over", func() {
		if err := b.WaitForSync(ctx); err == nil {
			b.handOverRooms(ctx)
		}
	})
}

func (b *Bot) handOverRooms(ctx context.Context) {
	moves, err := b.db.RoomMove.All(ctx)
	if err != nil {
		b.log.Err(err).Msg("Failed to list rooms to hand over")
		return
	}
	for _, m := range moves {
		log := b.log.With().Stringer("room_id", m.RoomID).Stringer("moved_to", m.MovedTo).Logger()
		if !b.client.StateStore.IsMembership(ctx, m.RoomID, b.client.UserID, event.MembershipJoin) {
			log.Info().Msg("Not in a moved room any more")
			if err = b.db.RoomMove.Done(ctx, m.RoomID); err != nil {
				log.Err(err).Msg("Failed to forget a moved room")
			}
			continue
		}
		if _, err = b.client.InviteUser(ctx, m.RoomID, &mautrix.ReqInviteUser{UserID: m.MovedTo, Reason: "The coalition moved to this bot"}); err != nil &&
			!b.client.StateStore.IsMembership(ctx, m.RoomID, m.MovedTo, event.MembershipJoin, event.MembershipInvite) {
			// Without the other bot in, leaving would strand the room.
			log.Err(err).Msg("Failed to invite the bot a room moved to; trying again at the next start")
			continue
		}
		text := b.l10n.Text(b.rooms.Language(ctx, m.RoomID), msgRoomMoved, map[string]any{"Bot": m.MovedTo.String()})
		if _, err = b.SendMarkdown(ctx, m.RoomID, text, rooms.Bot); err != nil {
			log.Warn().Err(err).Msg("Failed to say a room moved")
		}
		_, err = b.client.LeaveRoom(ctx, m.RoomID, &mautrix.ReqLeave{Reason: "The coalition moved to " + m.MovedTo.String()})
		if err != nil && !errors.Is(err, mautrix.MForbidden) {
			log.Err(err).Msg("Failed to leave a moved room; trying again at the next start")
			continue
		}
		if err = b.db.RoomMove.Done(ctx, m.RoomID); err != nil {
			log.Err(err).Msg("Failed to forget a moved room")
			continue
		}
		log.Info().Msg("Handed a room over to the bot its coalition moved to")
	}
}
