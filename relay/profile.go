package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
)

const (
	// maxAvatarBytes bounds a sender's avatar copied into encrypted rooms.
	maxAvatarBytes = 4 << 20
	// maxSenderRunes and maxRoomRunes bound the name a copy shows: a display
	// name may be long enough to push the message itself out of sight.
	maxSenderRunes = 64
	maxRoomRunes   = 48
	// avatarRetry is how long an avatar that could not be copied is left
	// out before it is tried again.
	avatarRetry = 10 * time.Minute
	maxAvatars  = 1024
	// avatarTimeout bounds copying one avatar.
	avatarTimeout = 10 * time.Second
)

var errAvatarFailed = errors.New("the avatar could not be copied a short while ago")

// profileName is who a copy is from as people read it: the sender's name
// and the source room's.
// The room is always shown whole, so a long name cannot pass for one
// from another room.
func profileName(sender, room string) string {
	return mxtext.NeutraliseRoomPing(mxtext.Clip(cleanName(sender), maxSenderRunes) + " (" + mxtext.Clip(cleanName(room), maxRoomRunes) + ")")
}

// cleanName takes out what a display or room name could do besides naming:
// break lines, turn the text after it around, pad it with characters that
// show as nothing.
func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return ' '
		case unicode.Is(unicode.Cf, r) || invisible[r]:
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// invisible are letters and symbols that draw nothing: blank braille and
// the Hangul fillers.
var invisible = map[rune]bool{0x2800: true, 0x3164: true, 0xFFA0: true, 0x115F: true, 0x1160: true}

// withProfile makes the copy show name (and the sender's avatar) as its
// sender, MSC4144, and starts its text with the name, marked as the
// fallback that clients showing the profile leave out.
func (r *Relay) withProfile(ctx context.Context, j *job, out *event.MessageEventContent, name, note string) {
	out.BeeperPerMessageProfile = r.profile(ctx, j, name)
	body, rich := out.Body, out.FormattedBody
	if note != "" {
		body, rich = "["+note+"] "+body, "<em>["+html.EscapeString(note)+"]</em> "+rich
	}
	out.Body = name + ": " + body
	out.FormattedBody = "<strong data-mx-profile-fallback>" + html.EscapeString(name) + ": </strong>" + rich
}

// profile is the sender's MSC4144 profile for the copy. The avatar goes to
// an encrypted room encrypted, uploaded once per avatar; one that cannot be
// copied is left out, never holding up the message.
func (r *Relay) profile(ctx context.Context, j *job, name string) *event.BeeperPerMessageProfile {
	p := &event.BeeperPerMessageProfile{ID: profileID(j.evt.Sender), Displayname: name, HasFallback: true}
	avatar := r.mx.Avatar(ctx, j.SourceRoom, j.evt.Sender)
	if _, err := avatar.Parse(); avatar == "" || err != nil {
		return p
	}
	if !j.targetEncrypted {
		p.AvatarURL = &avatar
		return p
	}
	file, err := r.avatars.get(ctx, j.evt.Sender, avatar, r.now(), func() (*event.EncryptedFileInfo, error) {
		// The room's queue waits for this: not for long.
		ctx, cancel := context.WithTimeout(ctx, avatarTimeout)
		defer cancel()
		data, err := r.mx.Download(ctx, avatar, maxAvatarBytes)
		if err != nil {
			return nil, err
		}
		if len(data) > maxAvatarBytes {
			return nil, errTooLarge
		}
		var holder event.MessageEventContent
		if err = r.mx.Attach(ctx, &holder, data, "application/octet-stream", true); err != nil {
			return nil, err
		}
		return holder.File, nil
	})
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("Relaying without the sender's avatar, which could not be copied")
		return p
	}
	p.AvatarFile = file
	return p
}

// profileID names the sender's profile without giving away their Matrix id
// in rooms they are not in.
func profileID(sender id.UserID) string {
	sum := sha256.Sum256([]byte("starling profile\x00" + sender))
	return "starling-" + hex.EncodeToString(sum[:12])
}

// avatarCache holds each sender's avatar as uploaded encrypted: its key
// travels in the copies, so one upload serves every encrypted room.
type avatarCache struct {
	mu    sync.Mutex
	items map[avatarKey]avatarEntry
	// failed is when copying a sender's avatar last failed: one who
	// changes avatars to slow ones gets none for a while.
	failed map[id.UserID]time.Time
}

type avatarKey struct {
	user   id.UserID
	avatar id.ContentURIString
}

type avatarEntry struct {
	file *event.EncryptedFileInfo
	// failedAt is when copying it failed; nil file.
	failedAt time.Time
}

func (c *avatarCache) get(_ context.Context, user id.UserID, avatar id.ContentURIString, now time.Time,
	upload func() (*event.EncryptedFileInfo, error)) (*event.EncryptedFileInfo, error) {
	key := avatarKey{user, avatar}
	c.mu.Lock()
	entry, ok := c.items[key]
	c.mu.Unlock()
	if ok && entry.file != nil {
		return entry.file, nil
	}
	c.mu.Lock()
	failedAt := c.failed[user]
	c.mu.Unlock()
	if ok && now.Sub(entry.failedAt) < avatarRetry || now.Sub(failedAt) < avatarRetry {
		return nil, errAvatarFailed
	}
	file, err := upload()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil || len(c.items) >= maxAvatars {
		c.items = make(map[avatarKey]avatarEntry)
	}
	if c.failed == nil || len(c.failed) >= maxAvatars {
		c.failed = make(map[id.UserID]time.Time)
	}
	if err != nil {
		c.items[key] = avatarEntry{failedAt: now}
		c.failed[user] = now
		return nil, err
	}
	c.items[key] = avatarEntry{file: file}
	return file, nil
}
