package relay

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/mxtext"
	"starling/translate"
)

var (
	msgUntranslated = &i18n.Message{
		ID:          "RelayUntranslated",
		Description: "Marks a relayed message that could not be translated and is shown in its original language.",
		Other:       "untranslated",
	}
	msgTooLarge = &i18n.Message{
		ID:          "RelayAttachmentTooLarge",
		Description: "Added to a relayed message whose attachment was too large to copy. Name is the file name.",
		Other:       "the attachment {{.Name}} is too large to copy here; open it in the original room",
	}
	msgNoAttachment = &i18n.Message{
		ID:          "RelayAttachmentUnreadable",
		Description: "Added to a relayed message whose attachment could not be fetched or read (gone, or a broken link). Name is the file name.",
		Other:       "the attachment {{.Name}} could not be copied here; open it in the original room",
	}
)

// maxMediaBytes bounds an attachment the relay copies: it is held in memory
// (and encrypted again) while copied.
const maxMediaBytes = 50 << 20

// errTooLarge is an attachment over maxMediaBytes.
var errTooLarge = errors.New("attachment too large to copy")

// maxCopyBytes keeps a copy under the homeserver's 64 KiB event limit, with
// room for encryption and the sender's name.
const maxCopyBytes = 48 * 1024

// buildCopy makes the target room's version of a message: translated,
// naming the sender and the source room, with safe HTML and mentions only
// of people who are in the target room.
func (r *Relay) buildCopy(ctx context.Context, j *job, content *event.MessageEventContent) (*event.MessageEventContent, error) {
	j.translation, j.route = "", ""
	out := &event.MessageEventContent{MsgType: content.MsgType}
	if out.MsgType == event.MsgEmote {
		out.MsgType = event.MsgText
	}
	caption := content.Body
	if isMedia(content) || j.evt.Type == event.EventSticker {
		out.FileName = content.GetFileName()
		if content.FileName == "" || content.Body == content.FileName {
			caption = ""
		}
	}
	var plain, rich, note string
	if strings.TrimSpace(caption) != "" {
		var err error
		plain, rich, note, err = r.translateBody(ctx, j, caption, content)
		if err != nil {
			return nil, err
		}
	}
	sender := r.mx.DisplayName(ctx, j.SourceRoom, j.evt.Sender)
	room := r.mx.RoomName(ctx, j.SourceRoom)
	out.Format = event.FormatHTML
	if r.settings.SenderProfiles {
		out.Body, out.FormattedBody = plain, rich
		if content.MsgType == event.MsgEmote {
			out.MsgType = event.MsgEmote // shown as the sender's, it reads as theirs
		}
		r.withProfile(ctx, j, out, profileName(sender, room), note)
		return r.finishCopy(ctx, j, content, out)
	}
	sender, room = cleanName(sender), cleanName(room)
	header := fmt.Sprintf("%s (%s)", sender, room)
	richHeader := fmt.Sprintf("<strong>%s</strong> <em>(%s)</em>", html.EscapeString(sender), html.EscapeString(room))
	if note != "" {
		header += " [" + note + "]"
		richHeader += " <em>[" + html.EscapeString(note) + "]</em>"
	}
	if content.MsgType == event.MsgEmote {
		header, richHeader = "* "+header, "* "+richHeader
	}
	out.Body = header
	out.FormattedBody = richHeader
	if plain != "" {
		out.Body += ": " + plain
		out.FormattedBody += ": " + rich
	}
	return r.finishCopy(ctx, j, content, out)
}

// finishCopy makes the copy safe to send: no room ping, within the event
// size limit, mentioning only whom it shows.
func (r *Relay) finishCopy(ctx context.Context, j *job, content, out *event.MessageEventContent) (*event.MessageEventContent, error) {
	out.Body, out.FormattedBody = mxtext.NeutraliseRoomPing(out.Body), mxtext.NeutraliseRoomPing(out.FormattedBody)
	if len(out.Body)+len(out.FormattedBody) > maxCopyBytes {
		out.Format, out.FormattedBody = "", ""
		out.Body = truncate(out.Body, maxCopyBytes/2)
	}
	mentions, err := r.targetMentions(ctx, j.TargetRoom, content)
	if err != nil {
		return nil, err
	}
	out.Mentions = mentions
	return out, nil
}

// translateBody translates a message's text into the target room's
// language: its HTML when it has some, with the plain body made from the
// translated HTML (one engine call, not two), else its text. If
// translation fails the original is used, marked: a message is never
// dropped for want of a translation.
func (r *Relay) translateBody(ctx context.Context, j *job, body string, content *event.MessageEventContent) (plain, rich, note string, err error) {
	source, _ := r.rooms.MessageLanguage(ctx, j.SourceRoom, body)
	target := r.rooms.Language(ctx, j.TargetRoom)
	glossary, err := r.glossary(ctx, j.SourceRoom)
	if err != nil {
		return "", "", "", err
	}
	req := translate.Request{Source: source, Target: target, Texts: []string{body}, Format: translate.Text,
		Glossary: glossary, Encrypted: j.origin.Encrypted}
	isHTML := content.Format == event.FormatHTML && content.FormattedBody != "" && body == content.Body
	if isHTML {
		req.Texts, req.Format = []string{Sanitize(content.FormattedBody)}, translate.HTML
	}
	results, err := r.tr.Translate(ctx, req)
	if err != nil {
		j.translation, j.route = database.TranslationFailed, ""
		zerolog.Ctx(ctx).Warn().Err(err).Str("source_lang", source).Str("target_lang", target).
			Msg("Translation failed, relaying the original")
		if isHTML {
			return body, req.Texts[0], r.l10n.Text(target, msgUntranslated, nil), nil
		}
		return body, textToHTML(body), r.l10n.Text(target, msgUntranslated, nil), nil
	}
	out := results[0]
	if out.Translated {
		j.translation, j.route = out.Engine, strings.Join(out.Route, ">")
	}
	switch {
	case isHTML && out.Translated:
		return format.HTMLToMarkdown(out.Text), out.Text, "", nil
	case isHTML:
		return body, out.Text, "", nil
	}
	return out.Text, textToHTML(out.Text), "", nil
}

// textToHTML is plain text as HTML, its line breaks kept.
func textToHTML(plain string) string {
	return strings.ReplaceAll(html.EscapeString(plain), "\n", "<br>")
}

func (r *Relay) glossary(ctx context.Context, roomID id.RoomID) (translate.Glossary, error) {
	coalitionID, err := r.coalitions.CoalitionOf(ctx, roomID)
	if err != nil || coalitionID == "" {
		return nil, err
	}
	terms, err := r.db.Glossary.List(ctx, coalitionID)
	if err != nil {
		return nil, err
	}
	out := make(translate.Glossary, len(terms))
	for i, t := range terms {
		out[i] = translate.Term{Term: t.Term, Forms: t.Forms}
	}
	return out, nil
}

// targetMentions are the people a copy may ping: visibly mentioned in the
// message (VisibleMentions) and in the target room, never the bot, never
// the whole room.
func (r *Relay) targetMentions(ctx context.Context, target id.RoomID, content *event.MessageEventContent) (*event.Mentions, error) {
	out := &event.Mentions{}
	// Read from the HTML as it will be shown: what the sanitiser drops
	// (scripts, comments, foreign attributes) names nobody.
	shown := *content
	if shown.Format == event.FormatHTML {
		shown.FormattedBody = Sanitize(shown.FormattedBody)
	}
	visible := mxtext.VisibleMentions(&shown)
	if len(visible) == 0 {
		return out, nil
	}
	members, err := r.mx.JoinedMembers(ctx, target)
	if err != nil {
		return nil, err
	}
	for _, u := range visible {
		if slices.Contains(members, u) && u != r.mx.BotUserID() {
			out.UserIDs = append(out.UserIDs, u)
		}
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isMedia(content *event.MessageEventContent) bool {
	switch content.MsgType {
	case event.MsgImage, event.MsgFile, event.MsgVideo, event.MsgAudio:
		return true
	}
	return false
}

// copyMedia downloads the attachment (decrypting it if needed) and uploads
// it again for the target room, encrypted when the target is encrypted.
func (r *Relay) copyMedia(ctx context.Context, src, dst *event.MessageEventContent, targetEncrypted bool) error {
	if src.Info != nil && src.Info.Size > maxMediaBytes {
		return errTooLarge
	}
	uri := src.URL
	if src.File != nil {
		uri = src.File.URL
	}
	if _, err := uri.Parse(); err != nil {
		return fmt.Errorf("%w: attachment URI %q: %w", ErrBadEvent, uri, err)
	}
	data, err := r.mx.Download(ctx, uri, maxMediaBytes)
	if err != nil {
		return fmt.Errorf("failed to download attachment: %w", err)
	}
	if len(data) > maxMediaBytes {
		return errTooLarge
	}
	if src.File != nil {
		if err = src.File.DecryptInPlace(data); err != nil {
			return fmt.Errorf("%w: failed to decrypt attachment: %w", ErrBadEvent, err)
		}
	}
	var info event.FileInfo
	if src.Info != nil {
		info = *src.Info
		info.ThumbnailURL, info.ThumbnailFile, info.ThumbnailInfo = "", nil, nil
	}
	dst.Info = &info
	return r.mx.Attach(ctx, dst, data, info.MimeType, targetEncrypted)
}

// markNoAttachment turns a copy whose attachment could not be copied into
// text that says why: the message still arrives, without the file.
func (r *Relay) markNoAttachment(ctx context.Context, j *job, src, dst *event.MessageEventContent, why *i18n.Message) {
	note := r.l10n.Text(r.rooms.Language(ctx, j.TargetRoom), why, map[string]any{"Name": src.GetFileName()})
	dst.MsgType, dst.FileName, dst.Info, dst.URL, dst.File = event.MsgText, "", nil, "", nil
	dst.Body += " [" + note + "]"
	if dst.Format == event.FormatHTML {
		dst.FormattedBody += " <em>[" + html.EscapeString(note) + "]</em>"
	}
}
