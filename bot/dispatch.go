package bot

import (
	"context"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"starling/commands"
	"starling/relay"
	"starling/rooms"
)

// This file is where every event the bot receives is routed, in order.
//
// All handlers run after the crypto helper's own, so that room keys in a
// sync are stored before the events they unlock arrive here, and each runs
// contained: a panic costs its one event.
//
// A room's events are handled in its lane (inRoom): in order within the
// room — a message sent after `!link pause` is queued after the pause took
// effect — and beside other rooms, so that one room's slow command, waiting
// on the homeserver, holds up no other room. What only records (the bot's
// own events, room names, its own joins) runs in the sync loop itself,
// before any lane can need it. A response's token is kept once every lane
// has finished its events (trackingSyncer).
//
//   - Every event: the bot's own, sent with a Starling transaction id, is
//     recorded (onOwnEvent), so what was sent before a crash is not sent
//     again.
//   - Membership: invites are accepted or refused, joins remembered, and a
//     direct chat that gains a third member stops being one (onMember).
//   - Room names: the cache of names is kept current (onRoomName).
//   - Messages: each is offered to messageRoutes, in their order (edit,
//     answer, incident addition, check-in report, command); the first that
//     takes it is the only one (onMessage).
//   - Reactions: an RSVP to a vigil, a form started from a reaction, a 🤝
//     recording what a room gave (the ledger), a flag
//     asking for a translation in the reactor's direct chat, 🔄 from a
//     message's sender asking its untranslated copies again, an incident
//     taken — the last only from a verified device (onReaction).
//   - Redactions: a withdrawn RSVP (onRedaction).
//   - Relaying is beside all of these: every fresh message, sticker,
//     reaction and redaction of a coalition room is queued for the relay
//     (onRelayable), which leaves commands out.
//
// Nothing reaches a handler unless fresh says it is new work.
func (b *Bot) route(syncer mautrix.ExtensibleSyncer) {
	syncer.OnEvent(b.contained(b.onOwnEvent))
	syncer.OnEventType(event.StateMember, b.contained(b.onMember))
	syncer.OnEventType(event.StateRoomName, b.contained(b.onRoomName))
	syncer.OnEventType(event.EventMessage, b.inRoom(b.onMessage))
	syncer.OnEventType(event.EventReaction, b.inRoom(b.onReaction))
	syncer.OnEventType(event.EventRedaction, b.inRoom(b.onRedaction))
	for _, t := range []event.Type{event.EventEncrypted, event.EventMessage, event.EventReaction, event.EventRedaction, event.EventSticker} {
		syncer.OnEventType(t, b.inRoom(b.onRelayable))
	}
}

// inRoom runs handler in the lane of the event's room: after that room's
// earlier events, beside other rooms' events.
func (b *Bot) inRoom(handler func(context.Context, *event.Event)) func(context.Context, *event.Event) {
	contained := b.contained(handler)
	return func(ctx context.Context, evt *event.Event) {
		b.syncer.lanes.Go(evt.RoomID.String(), func() { contained(ctx, evt) })
	}
}

// message is a new message as the routes see it.
type message struct {
	evt     *event.Event
	content *event.MessageEventContent
	// command: it is one by commands.IsCommand; direct: it was sent in the
	// sender's own direct chat with the bot; edit: it replaces an earlier
	// message (m.replace).
	command, direct, edit bool
}

// messageRoute is one way a message can be meant: takes says whether it
// may be, handle whether it was.
type messageRoute struct {
	name   string
	takes  func(m message) bool
	handle func(b *Bot, ctx context.Context, m message) (bool, error)
}

// messageRoutes are tried in this order.
var messageRoutes = []messageRoute{
	{
		// An edit changes what was handled already: it is never an answer,
		// an addition, a report or a command (the relay alone carries it to
		// the copies). Someone who edits what they told the bot is told so.
		name:  "edit",
		takes: func(m message) bool { return m.edit },
		handle: func(b *Bot, ctx context.Context, m message) (bool, error) {
			if m.direct && b.speaking(ctx, m.evt) {
				return true, b.Reply(ctx, m.evt, b.l10n.Text(b.rooms.PersonLanguage(ctx, m.evt.Sender), msgEditNotRead, nil), rooms.Bot)
			}
			return true, nil
		},
	},
	{
		// In a direct chat, what is not a command answers the open form or
		// incident intake — from a device its owner verified only.
		name:  "answer",
		takes: func(m message) bool { return m.direct && !m.command },
		handle: func(b *Bot, ctx context.Context, m message) (bool, error) {
			if b.refuseUntrustedAnswer(ctx, m.evt) {
				return true, nil
			}
			return b.forms.Handle(ctx, m.evt.Sender, m.evt.RoomID, m.content.Body)
		},
	},
	{
		// Else it adds to the person's latest open incident report, unless
		// it is a bare word that starts something ("report", "help").
		name:  "incident addition",
		takes: func(m message) bool { return m.direct && !m.command && !commands.IsBareCommand(m.content.Body) },
		handle: func(b *Bot, ctx context.Context, m message) (bool, error) {
			return b.incs.FromReporter(ctx, m.evt.Sender, m.evt.RoomID, m.content.Body)
		},
	},
	{
		// In a room, what is not a command may report to a check-in.
		name:  "check-in report",
		takes: func(m message) bool { return !m.command },
		handle: func(b *Bot, ctx context.Context, m message) (bool, error) {
			return b.sched.OnMessage(ctx, m.evt)
		},
	},
	{
		// The rest goes to the command router, which also takes commands
		// without the prefix in a direct chat; a late command is not run.
		name:  "command",
		takes: func(message) bool { return true },
		handle: func(b *Bot, ctx context.Context, m message) (bool, error) {
			if m.command && b.stale(ctx, m.evt) {
				return true, nil
			}
			b.router.Handle(ctx, m.evt)
			return true, nil
		},
	},
}

// onMessage claims a new message and offers it to messageRoutes.
func (b *Bot) onMessage(ctx context.Context, evt *event.Event) {
	ctx, ok := b.claim(ctx, evt)
	if !ok {
		return
	}
	log := zerolog.Ctx(ctx)
	content := evt.Content.AsMessage()
	injectFault(content.Body)
	m := message{evt: evt, content: content, command: commands.IsCommand(content, b.cfg.Commands.Prefix),
		edit: content.RelatesTo.GetReplaceID() != ""}
	if person, err := b.rooms.DirectChat(ctx, evt.RoomID); err == nil && person == evt.Sender {
		m.direct = true
	}
	for _, r := range messageRoutes {
		if !r.takes(m) {
			continue
		}
		taken, err := r.handle(b, ctx, m)
		if err != nil {
			log.Err(err).Str("route", r.name).Msg("Failed to handle a message")
			return
		}
		if taken {
			log.Debug().Str("route", r.name).Msg("Handled a message")
			return
		}
	}
}

// onRelayable queues events of coalition rooms for the relay.
func (b *Bot) onRelayable(ctx context.Context, evt *event.Event) {
	ctx, ok := b.fresh(ctx, evt)
	if !ok {
		return
	}
	if err := b.relay.Enqueue(ctx, evt); err != nil {
		b.storageTrouble(err)
		zerolog.Ctx(ctx).Err(err).Msg("Failed to queue event for relay")
	}
}

// onReaction records RSVPs to vigils.
func (b *Bot) onReaction(ctx context.Context, evt *event.Event) {
	ctx, ok := b.claim(ctx, evt)
	if !ok {
		return
	}
	if _, err := b.sched.OnReaction(ctx, evt); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to record RSVP")
	}
	if _, err := b.forms.OnReaction(ctx, evt); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to start a form from a reaction")
	}
	// A flag asks for a translation, sent to the person who reacted alone.
	if rel := evt.Content.AsReaction().RelatesTo; rel.Type == event.RelAnnotation {
		if lang, ok := relay.RequestedLanguage(rel.Key); ok {
			b.relay.TranslateFor(ctx, evt.RoomID, rel.EventID, evt.Sender, lang)
		} else if relay.IsRetry(rel.Key) {
			if err := b.relay.Retranslate(ctx, evt.RoomID, rel.EventID, evt.Sender); err != nil {
				zerolog.Ctx(ctx).Err(err).Msg("Failed to queue a message's translation again")
			}
		}
	}
	// Taking an incident, or recording in the ledger, acts in the person's
	// name: only from a device its owner verified.
	if evt.Mautrix.TrustState < b.cfg.Permissions.MinTrust() {
		// A reaction sent in the clear names no device at all.
		zerolog.Ctx(ctx).Debug().Stringer("trust", evt.Mautrix.TrustState).Bool("encrypted", evt.Mautrix.WasEncrypted).
			Msg("Not acting on a reaction from a device its owner has not verified")
		return
	}
	if _, err := b.incs.OnReaction(ctx, evt); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to acknowledge an incident")
	}
	// 🤝 on a message records what the room gave, as a conversation in the
	// person's name: from a verified device too.
	if _, err := b.ledger.OnReaction(ctx, evt); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to start recording a contribution")
	}
}

// onRedaction withdraws what a removed reaction meant (an RSVP).
func (b *Bot) onRedaction(ctx context.Context, evt *event.Event) {
	ctx, ok := b.claim(ctx, evt)
	if !ok {
		return
	}
	if err := b.sched.OnRedaction(ctx, evt); err != nil {
		zerolog.Ctx(ctx).Err(err).Msg("Failed to withdraw RSVP")
	}
}

// claim tells whether an event is new work (fresh) and claims it, so that
// it is handled once also when a sync is processed again after a crash.
func (b *Bot) claim(ctx context.Context, evt *event.Event) (context.Context, bool) {
	ctx, ok := b.fresh(ctx, evt)
	if !ok {
		return ctx, false
	}
	log := zerolog.Ctx(ctx)
	claimed, err := b.db.HandledEvent.Claim(ctx, evt.RoomID, evt.ID, b.now())
	if err != nil {
		b.storageTrouble(err)
		log.Err(err).Msg("Failed to claim event")
		return ctx, false
	} else if !claimed {
		log.Debug().Msg("Ignoring event handled before")
		return ctx, false
	}
	return ctx, true
}

// fresh tells whether an event is new work: not the bot's own, not from the
// very first sync (history), not from before the bot joined, and not
// unencrypted content in an encrypted room. Everything else is dropped here,
// before any domain code sees it.
func (b *Bot) fresh(ctx context.Context, evt *event.Event) (context.Context, bool) {
	if evt.Sender == b.client.UserID || ctx.Value(mautrix.SyncTokenContextKey) == "" {
		return ctx, false
	}
	log := b.log.With().
		Stringer("room_id", evt.RoomID).
		Stringer("event_id", evt.ID).
		Stringer("sender", evt.Sender).
		Logger()
	ctx = log.WithContext(ctx)
	encrypted, err := b.client.StateStore.IsEncrypted(ctx, evt.RoomID)
	if err != nil {
		b.storageTrouble(err)
		log.Err(err).Msg("Failed to check room encryption")
		return ctx, false
	}
	plaintextContent := evt.Type == event.EventMessage || evt.Type == event.EventSticker
	if encrypted && plaintextContent && evt.Mautrix.EventSource&event.SourceDecrypted == 0 {
		log.Warn().Msg("Ignoring unencrypted message in an encrypted room")
		return ctx, false
	}
	room, err := b.db.Room.Get(ctx, evt.RoomID)
	if err != nil {
		b.storageTrouble(err)
		log.Err(err).Msg("Failed to load room")
		return ctx, false
	}
	if room.JoinedAt.IsZero() || evt.Timestamp < room.JoinedAt.UnixMilli() {
		log.Debug().Msg("Ignoring event from before the bot joined")
		return ctx, false
	}
	return ctx, true
}
