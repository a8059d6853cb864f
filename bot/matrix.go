package bot

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/crypto/attachment"
	"maunium.net/go/mautrix/crypto/olm"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/monitor"
	"starling/relay"
	"starling/rooms"
)

// The methods in this file are what the domain packages (relay, …) need
// from Matrix; they see this behaviour through their own small interfaces.

func (b *Bot) BotUserID() id.UserID { return b.client.UserID }

func (b *Bot) IsEncrypted(ctx context.Context, roomID id.RoomID) (bool, error) {
	enc, err := b.client.StateStore.IsEncrypted(ctx, roomID)
	if err != nil {
		return false, fmt.Errorf("failed to check room encryption: %w", err)
	}
	return enc, nil
}

func (b *Bot) JoinedMembers(ctx context.Context, roomID id.RoomID) ([]id.UserID, error) {
	members, err := b.client.StateStore.GetRoomJoinedOrInvitedMembers(ctx, roomID)
	if err != nil {
		return nil, fmt.Errorf("failed to get room members: %w", err)
	}
	return members, nil
}

// Members splits the room's members into joined and invited.
func (b *Bot) Members(ctx context.Context, roomID id.RoomID) (joined, invited []id.UserID, err error) {
	members, err := b.client.StateStore.GetAllMembers(ctx, roomID)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to get room members: %w", err)
	}
	for userID, m := range members {
		switch m.Membership {
		case event.MembershipJoin:
			joined = append(joined, userID)
		case event.MembershipInvite:
			invited = append(invited, userID)
		}
	}
	return joined, invited, nil
}

// JoinRule is the room's join rule as synced ("" when unknown).
func (b *Bot) JoinRule(ctx context.Context, roomID id.RoomID) event.JoinRule {
	rules, err := b.client.StateStore.GetJoinRules(ctx, roomID)
	if err != nil || rules == nil {
		return ""
	}
	return rules.JoinRule
}

func (b *Bot) DisplayName(ctx context.Context, roomID id.RoomID, userID id.UserID) string {
	member, err := b.client.StateStore.GetMember(ctx, roomID, userID)
	if err == nil && member != nil && member.Displayname != "" {
		return member.Displayname
	}
	return userID.Localpart()
}

// Avatar is the user's avatar in the room, as the bot last synced it.
func (b *Bot) Avatar(ctx context.Context, roomID id.RoomID, userID id.UserID) id.ContentURIString {
	member, err := b.client.StateStore.GetMember(ctx, roomID, userID)
	if err != nil || member == nil {
		return ""
	}
	return member.AvatarURL
}

// roomNames caches room names; m.room.name events in the sync update it.
type roomNames struct {
	mu    sync.Mutex
	names map[id.RoomID]roomName
}

type roomName struct {
	name    string
	fetched time.Time
}

func (b *Bot) RoomName(ctx context.Context, roomID id.RoomID) string {
	b.names.mu.Lock()
	cached, ok := b.names.names[roomID]
	b.names.mu.Unlock()
	if ok && time.Since(cached.fetched) < time.Hour {
		return cached.name
	}
	var content event.RoomNameEventContent
	name := ""
	if err := b.client.StateEvent(ctx, roomID, event.StateRoomName, "", &content); err == nil {
		name = content.Name
	}
	if name == "" {
		var alias event.CanonicalAliasEventContent
		if err := b.client.StateEvent(ctx, roomID, event.StateCanonicalAlias, "", &alias); err == nil {
			name = alias.Alias.String()
		}
	}
	if name == "" {
		name = roomID.String()
	}
	b.setRoomName(roomID, name)
	return name
}

func (b *Bot) setRoomName(roomID id.RoomID, name string) {
	b.names.mu.Lock()
	defer b.names.mu.Unlock()
	if b.names.names == nil {
		b.names.names = make(map[id.RoomID]roomName)
	}
	b.names.names[roomID] = roomName{name: name, fetched: time.Now()}
}

func (b *Bot) onRoomName(_ context.Context, evt *event.Event) {
	if name := evt.Content.AsRoomName().Name; name != "" {
		b.setRoomName(evt.RoomID, name)
	}
}

// Decrypt decrypts an event. Missing keys may still come (forwarded, or
// late); anything else — a malformed payload or content, a replayed index,
// a session of another room — never will be read, and says so with
// relay.ErrBadEvent.
func (b *Bot) Decrypt(ctx context.Context, evt *event.Event) (*event.Event, error) {
	decrypted, err := b.crypto.Decrypt(ctx, evt)
	if err != nil {
		return nil, decryptError(err)
	}
	return decrypted, nil
}

// decryptError tells why an event could not be decrypted: for want of its
// key, which may still come, or because the key store could not answer
// (a database restarting) — both worth trying again — or because of the
// event itself, which never will be readable.
func decryptError(err error) error {
	switch {
	case errors.Is(err, crypto.ErrNoSessionFound) || errors.Is(err, olm.ErrUnknownMessageIndex) || database.Unavailable(err):
		return fmt.Errorf("failed to decrypt event: %w", err)
	}
	return fmt.Errorf("failed to decrypt event: %w: %w", relay.ErrBadEvent, err)
}

func (b *Bot) FetchEvent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error) {
	evt, err := b.client.GetEvent(ctx, roomID, eventID)
	if err != nil {
		return nil, fmt.Errorf("failed to fetch event: %w", err)
	}
	// A homeserver may answer with an event of another room (Dendrite
	// ignores the room in the path): it is not this room's to show.
	if evt.RoomID != "" && evt.RoomID != roomID {
		return nil, fmt.Errorf("failed to fetch event: %w", ErrNotInRoom)
	}
	evt.RoomID = roomID
	if err = evt.Content.ParseRaw(evt.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
		return nil, fmt.Errorf("failed to parse fetched event: %w", err)
	}
	if evt.Type == event.EventEncrypted {
		return b.Decrypt(ctx, evt)
	}
	return evt, nil
}

// FetchCurrent fetches a message as it reads now: with its sender's last
// edit applied, so that words they took back never come back. Edits by
// anyone else count for nothing, as clients ignore them too.
func (b *Bot) FetchCurrent(ctx context.Context, roomID id.RoomID, eventID id.EventID) (*event.Event, error) {
	orig, err := b.FetchEvent(ctx, roomID, eventID)
	if err != nil || orig.Type != event.EventMessage {
		return orig, err
	}
	req := &mautrix.ReqGetRelations{RelationType: event.RelReplace, Dir: mautrix.DirectionBackward, Limit: 50}
	// Anyone may pile edits on a message: the sender's last one is looked
	// for through several pages, and not finding it for sure is an error,
	// never the old text.
	for range maxEditPages {
		edits, err := b.client.GetRelations(ctx, roomID, eventID, req)
		if err != nil {
			return nil, fmt.Errorf("failed to read the edits of an event: %w", err)
		}
		for _, e := range edits.Chunk { // newest first
			// An edit in the clear of an encrypted message names no device:
			// anyone with the account's token could have sent it.
			if e.Sender != orig.Sender || e.RoomID != "" && e.RoomID != roomID || orig.Mautrix.WasEncrypted && e.Type != event.EventEncrypted {
				continue
			}
			current, err := b.applyEdit(ctx, orig, e)
			if err != nil {
				return nil, err
			}
			return current, nil
		}
		if edits.NextBatch == "" {
			return orig, nil
		}
		req.From = edits.NextBatch
	}
	return nil, errors.New("failed to read the edits of an event: too many")
}

// maxEditPages bounds the pages of edits read for one message.
const maxEditPages = 10

// Thread is a thread as it reads now: its root, then the replies sent in it,
// oldest first, each with its sender's last edit; redacted ones are left
// out. A thread of more than limit replies is not read (whole is false): it
// is taken whole or not at all.
func (b *Bot) Thread(ctx context.Context, roomID id.RoomID, root id.EventID, limit int) ([]*event.Event, bool, error) {
	first, err := b.FetchCurrent(ctx, roomID, root)
	if err != nil {
		return nil, false, err
	}
	req := &mautrix.ReqGetRelations{RelationType: event.RelThread, Dir: mautrix.DirectionForward, Limit: limit + 1}
	replies, err := b.client.GetRelations(ctx, roomID, root, req)
	if err != nil {
		return nil, false, fmt.Errorf("failed to read a thread: %w", err)
	}
	if len(replies.Chunk) > limit || replies.NextBatch != "" {
		return nil, false, nil
	}
	sent := slices.DeleteFunc(replies.Chunk, func(e *event.Event) bool {
		return e.RoomID != "" && e.RoomID != roomID || e.Unsigned.RedactedBecause != nil
	})
	slices.SortStableFunc(sent, func(a, b *event.Event) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	thread := []*event.Event{first}
	for _, e := range sent {
		current, err := b.FetchCurrent(ctx, roomID, e.ID)
		if err != nil {
			return nil, false, err
		}
		thread = append(thread, current)
	}
	return thread, true, nil
}

// applyEdit is orig as the sender's edit e makes it read.
func (b *Bot) applyEdit(ctx context.Context, orig, e *event.Event) (*event.Event, error) {
	e.RoomID = orig.RoomID
	if err := e.Content.ParseRaw(e.Type); err != nil && !errors.Is(err, event.ErrContentAlreadyParsed) {
		return nil, fmt.Errorf("failed to read an edit: %w", err)
	}
	if e.Type == event.EventEncrypted {
		var err error
		if e, err = b.Decrypt(ctx, e); err != nil {
			return nil, err
		}
	}
	if e.Type != event.EventMessage || e.Content.AsMessage().NewContent == nil {
		return nil, errors.New("failed to read an edit: it holds no new content")
	}
	current := *orig
	current.Content = event.Content{Parsed: e.Content.AsMessage().NewContent}
	current.Mautrix.WasEncrypted = orig.Mautrix.WasEncrypted || e.Mautrix.WasEncrypted
	// The words are the edit's: they are only as trusted as its device.
	current.Mautrix.TrustState = min(orig.Mautrix.TrustState, e.Mautrix.TrustState)
	return &current, nil
}

// ErrNotInRoom is an event asked for in a room it does not belong to.
var ErrNotInRoom = errors.New("the event is not in that room")

// Send is the one send path. from says where the content came from; the
// guard refuses encrypted content into an unencrypted room, and nothing is
// sent in the clear into a room the bot believes encrypted.
func (b *Bot) Send(ctx context.Context, roomID id.RoomID, evtType event.Type, content any, txnID string, from rooms.Origin) (id.EventID, error) {
	if err := b.CheckOrigin(ctx, roomID, from); err != nil {
		return "", err
	}
	encrypted, err := b.IsEncrypted(ctx, roomID)
	if err != nil {
		return "", err
	}
	if encrypted && b.client.Crypto == nil {
		return "", ErrWouldLeakPlaintext
	}
	monitor.Handing(ctx)
	var resp *mautrix.RespSendEvent
	for attempt := 0; ; attempt++ {
		resp, err = b.client.SendMessageEvent(ctx, roomID, evtType, content, mautrix.ReqSendEvent{TransactionID: txnID})
		// A membership change the sync brought in meanwhile (a room's
		// handlers run beside the sync) dropped the room's outbound session
		// between its sharing and its use: share it again, with the new
		// members. The transaction id keeps the send one event.
		if attempt >= 3 || !errors.Is(err, crypto.ErrNoGroupSession) {
			break
		}
	}
	monitor.Sent(err)
	if errors.Is(err, mautrix.MForbidden) {
		return "", fmt.Errorf("failed to send %s: %w: %w", evtType.Type, rooms.ErrCannotPost, err)
	} else if err != nil {
		return "", fmt.Errorf("failed to send %s: %w", evtType.Type, err)
	}
	return resp.EventID, nil
}

func (b *Bot) Redact(ctx context.Context, roomID id.RoomID, target id.EventID, txnID string) error {
	if _, err := b.client.RedactEvent(ctx, roomID, target, mautrix.ReqRedact{TxnID: txnID}); err != nil {
		return fmt.Errorf("failed to redact: %w", err)
	}
	return nil
}

// Download reads an attachment, at most limit+1 bytes of it: enough to
// tell that it is too large without holding all of it.
func (b *Bot) Download(ctx context.Context, uri id.ContentURIString, limit int64) ([]byte, error) {
	parsed, err := uri.Parse()
	if err != nil {
		return nil, fmt.Errorf("failed to parse media URI: %w", err)
	}
	resp, err := b.client.Download(ctx, parsed)
	if err != nil {
		return nil, fmt.Errorf("failed to download media: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to download media: %w", err)
	}
	return data, nil
}

// EventSender is who sent an event of the room, as the homeserver has it,
// or "" when the room has no such event; the event is not decrypted (a
// redacted one no longer can be).
func (b *Bot) EventSender(ctx context.Context, roomID id.RoomID, eventID id.EventID) (id.UserID, error) {
	evt, err := b.client.GetEvent(ctx, roomID, eventID)
	if errors.Is(err, mautrix.MNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to fetch event: %w", err)
	}
	if evt.RoomID != "" && evt.RoomID != roomID {
		return "", nil
	}
	return evt.Sender, nil
}

// HTTPStatus is the homeserver's HTTP status in a failed request's error, 0
// when the error holds none.
func (b *Bot) HTTPStatus(err error) int {
	var httpErr mautrix.HTTPError
	if !errors.As(err, &httpErr) || httpErr.Response == nil {
		return 0
	}
	return httpErr.Response.StatusCode
}

// Attach uploads data as content's attachment: encrypted, its key in
// content.File, for an encrypted room, so the homeserver never holds it in
// the clear; as it is, in content.URL, otherwise. data is left as it was.
func (b *Bot) Attach(ctx context.Context, content *event.MessageEventContent, data []byte, mimeType string, encrypt bool) error {
	if !encrypt {
		resp, err := b.client.UploadBytes(ctx, data, mimeType)
		if err != nil {
			return fmt.Errorf("failed to upload media: %w", err)
		}
		content.URL = resp.ContentURI.CUString()
		return nil
	}
	file := attachment.NewEncryptedFile()
	cipher := bytes.Clone(data)
	file.EncryptInPlace(cipher)
	resp, err := b.client.UploadBytes(ctx, cipher, "application/octet-stream")
	if err != nil {
		return fmt.Errorf("failed to upload encrypted media: %w", err)
	}
	content.File = &event.EncryptedFileInfo{EncryptedFile: *file, URL: resp.ContentURI.CUString()}
	return nil
}

// IsJoined tells whether the user is in the room now.
func (b *Bot) IsJoined(ctx context.Context, roomID id.RoomID, userID id.UserID) bool {
	return b.client.StateStore.IsMembership(ctx, roomID, userID, event.MembershipJoin)
}
