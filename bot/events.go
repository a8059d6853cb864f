package bot

import (
	"cmp"
	"context"
	"slices"
	"time"

	"starling/internal/safe"
	"starling/rooms"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// contained runs an event handler so that a panic in it costs that event
// only: it is logged with its stack and counted, and the sync goes on. A
// command was claimed before it ran, so it is not run again.
func (b *Bot) contained(handler func(context.Context, *event.Event)) func(context.Context, *event.Event) {
	return func(ctx context.Context, evt *event.Event) {
		log := b.log.With().Stringer("room_id", evt.RoomID).Stringer("event_id", evt.ID).Logger()
		safe.Run(&log, "event", func() { handler(ctx, evt) })
	}
}

// onMember accepts or rejects invites, remembers when the bot joined, and
// notices when a direct chat gets a third member. The join is recorded in
// the sync loop, before the room's events that follow it are judged fresh;
// the rest waits on the homeserver and runs in the room's lane.
func (b *Bot) onMember(ctx context.Context, evt *event.Event) {
	if evt.GetStateKey() != b.client.UserID.String() {
		b.inRoom(b.onOtherMember)(ctx, evt)
		return
	}
	member := evt.Content.AsMember()
	log := b.log.With().Stringer("room_id", evt.RoomID).Stringer("sender", evt.Sender).Logger()
	switch {
	case member.Membership == event.MembershipInvite && evt.Mautrix.EventSource&event.SourceInvite != 0:
		b.inRoom(func(ctx context.Context, evt *event.Event) { b.handleInvite(ctx, evt, member) })(log.WithContext(ctx), evt)
	case member.Membership == event.MembershipJoin && evt.Mautrix.EventSource&event.SourceJoin != 0:
		room, err := b.db.Room.Get(ctx, evt.RoomID)
		if err != nil {
			log.Err(err).Msg("Failed to load room")
			return
		}
		joinedAt := evt.Timestamp
		if room.JoinedAt.UnixMilli() < joinedAt {
			if err = b.db.Room.SetJoinedAt(ctx, evt.RoomID, timeFromMillis(joinedAt)); err != nil {
				log.Err(err).Msg("Failed to record join time")
			}
		}
	}
}

// onOtherMember: someone invited to or joining a direct chat makes it a
// shared room. The bot stops using it, says so there (unless a send to the
// person noticed first and said so), and carries on in a new direct chat
// with whatever the people had open there (a form or a report).
func (b *Bot) onOtherMember(ctx context.Context, evt *event.Event) {
	switch evt.Content.AsMember().Membership {
	case event.MembershipJoin, event.MembershipInvite:
	default:
		return
	}
	ctx, ok := b.fresh(ctx, evt)
	if !ok {
		return
	}
	log := zerolog.Ctx(ctx)
	row, err := b.db.Room.Get(ctx, evt.RoomID)
	if err != nil {
		return
	}
	if person, err := b.rooms.DirectChat(ctx, evt.RoomID); err != nil || person != "" {
		return
	}
	people, err := b.openIn(ctx, evt.RoomID)
	if err != nil {
		log.Err(err).Msg("Failed to find who used a direct chat")
		return
	} else if !row.Direct && len(people) == 0 {
		return // not a direct chat, or one left behind with nothing in it
	}
	if b.directChatLost(ctx, evt.RoomID, cmp.Or(append(people, row.DirectFor)...)) {
		log.Info().Msg("A direct chat got another member; it is no longer used as one")
	}
	for _, person := range people {
		if err = b.forms.Continue(ctx, person); err != nil {
			log.Err(err).Msg("Failed to move a conversation to a new direct chat")
		}
		if err = b.incs.Continue(ctx, person); err != nil {
			log.Err(err).Msg("Failed to move a reporter to a new direct chat")
		}
	}
}

// openIn are the people who have something open with the bot in the room:
// a conversation, or an incident they report there.
func (b *Bot) openIn(ctx context.Context, roomID id.RoomID) ([]id.UserID, error) {
	users, err := b.db.Conversation.UsersIn(ctx, roomID)
	if err != nil {
		return nil, err
	}
	reporters, err := b.db.Incident.ReportersIn(ctx, roomID)
	if err != nil {
		return nil, err
	}
	var out []id.UserID
	for _, u := range append(users, reporters...) {
		if u != "" && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out, nil
}

func (b *Bot) handleInvite(ctx context.Context, evt *event.Event, member *event.MemberEventContent) {
	log := b.log.With().Stringer("room_id", evt.RoomID).Stringer("inviter", evt.Sender).Logger()
	if !b.cfg.Invites.InviteAllowed(evt.Sender) {
		if _, err := b.client.LeaveRoom(ctx, evt.RoomID, &mautrix.ReqLeave{Reason: "Not on this bot's invite allow-list"}); err != nil {
			log.Err(err).Msg("Failed to reject invite")
			return
		}
		log.Info().Msg("Rejected invite from outside the allow-list")
		return
	}
	if err := b.db.Room.SetDirect(ctx, evt.RoomID, member.IsDirect); err != nil {
		log.Err(err).Msg("Failed to record invite")
		return
	}
	if _, err := b.client.JoinRoomByID(ctx, evt.RoomID); err != nil {
		log.Err(err).Msg("Failed to join room after invite")
		return
	}
	log.Info().Bool("direct", member.IsDirect).Msg("Joined room after invite")
}

// staleAfter is how old a command may be and still be run: one sent while
// the bot was down is not run hours later, when its moment has passed.
const staleAfter = 10 * time.Minute

// lateCommand is the rule for a command sent at sent and seen now: it is
// not run if it is staleAfter old or more, and its sender, last told at
// told, is told again only after an hour.
func lateCommand(now, sent, told time.Time) (late, tell bool) {
	if now.Sub(sent) < staleAfter {
		return false, false
	}
	return true, now.Sub(told) >= time.Hour
}

// stale tells whether a command is too old to run; the sender is told, at
// most once an hour, that it was not run.
func (b *Bot) stale(ctx context.Context, evt *event.Event) bool {
	b.staleMu.Lock()
	late, tell := lateCommand(b.now(), time.UnixMilli(evt.Timestamp), b.staleTold[evt.Sender])
	if tell {
		if b.staleTold == nil {
			b.staleTold = map[id.UserID]time.Time{}
		}
		b.staleTold[evt.Sender] = b.now()
	}
	b.staleMu.Unlock()
	if !late {
		return false
	}
	zerolog.Ctx(ctx).Info().Msg("Not running a command sent while the bot was away")
	if tell {
		lang := b.rooms.Language(ctx, evt.RoomID)
		if person, err := b.rooms.DirectChat(ctx, evt.RoomID); err == nil && person == evt.Sender {
			lang = b.rooms.PersonLanguage(ctx, evt.Sender)
		}
		if err := b.Reply(ctx, evt, b.l10n.Text(lang, msgStaleCommand, nil), rooms.Bot); err != nil {
			zerolog.Ctx(ctx).Err(err).Msg("Failed to say a late command was not run")
		}
	}
	return true
}

// refuseUntrustedAnswer keeps a device its owner has not verified from
// speaking for them where it counts: answers to a form or an incident
// intake, and additions to an open report, all go on in the person's name.
// It tells them why and reports whether it refused.
func (b *Bot) refuseUntrustedAnswer(ctx context.Context, evt *event.Event) bool {
	if evt.Mautrix.TrustState >= b.cfg.Permissions.MinTrust() {
		return false
	}
	if !b.speaking(ctx, evt) {
		return false
	}
	zerolog.Ctx(ctx).Warn().Stringer("trust", evt.Mautrix.TrustState).Msg("Refused an answer from a device its owner has not verified")
	if err := b.Reply(ctx, evt, b.l10n.Text(b.rooms.PersonLanguage(ctx, evt.Sender), msgUntrustedAnswer, nil), rooms.Bot); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to explain a refused answer")
	}
	return true
}

// speaking tells whether the sender has something open with the bot in
// this direct chat — a form or intake conversation, or an incident report —
// so that what they send here goes on in their name.
func (b *Bot) speaking(ctx context.Context, evt *event.Event) bool {
	conv, err := b.db.Conversation.Get(ctx, evt.Sender)
	if err == nil && conv != nil && conv.RoomID == evt.RoomID {
		return true
	}
	inc, err := b.db.Incident.LatestOpenBy(ctx, evt.Sender, evt.RoomID)
	return err == nil && inc != nil
}
