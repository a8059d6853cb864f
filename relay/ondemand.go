package relay

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/rs/zerolog"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/format"
	"maunium.net/go/mautrix/id"

	"starling/internal/mxtext"
	"starling/internal/safe"
	"starling/rooms"
	"starling/translate"
)

var (
	msgOnDemand = &i18n.Message{
		ID:          "OnDemandTranslation",
		Description: "A message translated for the person who asked, sent to their direct chat. Sender and Room are bold, Link a link to the message, From and To language names, Text the quoted translation.",
		Other:       "{{.Sender}} in {{.Room}} ([the message]({{.Link}})), from {{.From}} into {{.To}}:\n\n{{.Text}}",
	}
	msgOnDemandFailed = &i18n.Message{
		ID:          "OnDemandUntranslated",
		Description: "A translation asked for could not be made; the message is shown as written. Sender and Room are bold, Link a link to the message, To a language name, Text the quoted original.",
		Other:       "{{.Sender}} in {{.Room}} ([the message]({{.Link}})) could not be translated into {{.To}}; here it is as written:\n\n{{.Text}}",
	}
	msgOnDemandBusy = &i18n.Message{
		ID:          "OnDemandBusy",
		Description: "Too many translations were asked for at once; the person should ask again shortly.",
		Other:       "I have too many translations to make right now: react again in a minute.",
	}
)

// maxOnDemand bounds the translations made at once for people who asked:
// they run beside the sync, and a crowd of reactions must not hold it up.
const maxOnDemand = 4

// flagLanguages maps a country's flag to the language people mean by it.
var flagLanguages = func() map[string]string {
	countries := map[string]string{
		"en": "GB US AU NZ IE CA",
		"es": "ES MX AR CL CO PE VE UY BO EC GT CU DO HN PY SV NI CR PA PR",
		"fr": "FR SN CI CM ML BF NE TG BJ MC HT",
		"pt": "PT BR AO MZ CV GW ST TL",
		"de": "DE AT LI",
		"ar": "SA EG MA DZ TN LY JO LB SY IQ PS YE SD AE QA KW BH OM MR",
		"it": "IT SM",
		"ca": "AD",
	}
	out := map[string]string{
		"\U0001F3F4\U000E0065\U000E0073\U000E0063\U000E0074\U000E007F": "ca", // the flag of Catalonia
	}
	for lang, codes := range countries {
		for _, cc := range strings.Fields(codes) {
			flag := string(rune(0x1F1E6+rune(cc[0]-'A'))) + string(rune(0x1F1E6+rune(cc[1]-'A')))
			out[flag] = lang
		}
	}
	return out
}()

// ownLanguage is the reaction that asks for the reader's own language.
const ownLanguage = "\U0001F310" // 🌐

// RequestedLanguage reads a reaction as a request for a translation: the
// flag's language, or "" for 🌐 (the person's own). ok is false for any
// other reaction.
func RequestedLanguage(key string) (lang string, ok bool) {
	key = strings.ReplaceAll(key, "\uFE0F", "")
	if key == ownLanguage {
		return "", true
	}
	lang, ok = flagLanguages[key]
	return lang, ok
}

// TranslateFor sends a translation of the message to the person who asked,
// in their direct chat: Matrix has no private replies. lang "" is the
// person's own language. A relayed copy is translated from its original.
// It returns at once; the translation is made beside the sync.
func (r *Relay) TranslateFor(ctx context.Context, roomID id.RoomID, eventID id.EventID, person id.UserID, lang string) {
	log := zerolog.Ctx(ctx).With().Stringer("event_id", eventID).Logger()
	asker := r.askers.of(person)
	if !asker.allow(r.now()) {
		log.Debug().Msg("Not translating on request: the person asked too often")
		return
	}
	r.mu.Lock()
	runCtx := r.ctx
	r.mu.Unlock()
	if runCtx == nil {
		runCtx = context.Background()
	}
	runCtx = log.WithContext(runCtx)
	busy := false
	select {
	case r.onDemand <- struct{}{}:
	default:
		busy = true
	}
	if busy && !asker.toldBusy(r.now()) {
		return
	}
	// Nothing here waits on the network: the sync goes on at once.
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if !busy {
			defer func() { <-r.onDemand }()
		}
		// One at a time for each person, so two requests never open two
		// direct chats.
		asker.mu.Lock()
		defer asker.mu.Unlock()
		safe.Run(&log, "translate on request", func() {
			var err error
			if busy {
				_, err = r.mx.SendToPerson(runCtx, person, "", r.l10n.Text(r.rooms.PersonLanguage(runCtx, person), msgOnDemandBusy, nil))
			} else {
				err = r.translateFor(runCtx, roomID, eventID, person, lang)
			}
			if err != nil && runCtx.Err() == nil {
				log.Warn().Err(err).Msg("Failed to translate a message on request")
			}
		})
	}()
}

// onDemandPerMinute bounds one person's requests: beyond it they are
// dropped, so nobody's reactions can keep the translators to themselves.
const onDemandPerMinute = 10

// askers are the people who asked for translations lately.
type askers struct {
	mu sync.Mutex
	by map[id.UserID]*asker
}

type asker struct {
	mu sync.Mutex // held while one of their requests is made
	// counts guards recent and busySaid.
	counts   sync.Mutex
	recent   []time.Time
	busySaid time.Time
}

func (a *askers) of(u id.UserID) *asker {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.by == nil || len(a.by) > 10000 {
		a.by = map[id.UserID]*asker{}
	}
	if a.by[u] == nil {
		a.by[u] = &asker{}
	}
	return a.by[u]
}

// allow counts a request, and tells whether it is within the limit.
func (s *asker) allow(now time.Time) bool {
	s.counts.Lock()
	defer s.counts.Unlock()
	kept := s.recent[:0]
	for _, t := range s.recent {
		if now.Sub(t) < time.Minute {
			kept = append(kept, t)
		}
	}
	s.recent = kept
	if len(s.recent) >= onDemandPerMinute {
		return false
	}
	s.recent = append(s.recent, now)
	return true
}

// toldBusy tells whether to say translations are busy: once a minute.
func (s *asker) toldBusy(now time.Time) bool {
	s.counts.Lock()
	defer s.counts.Unlock()
	if now.Sub(s.busySaid) < time.Minute {
		return false
	}
	s.busySaid = now
	return true
}

func (r *Relay) translateFor(ctx context.Context, roomID id.RoomID, eventID id.EventID, person id.UserID, lang string) error {
	// Only for someone in the room now: what they ask for, they can read.
	if !r.mx.IsJoined(ctx, roomID, person) {
		return nil
	}
	sourceRoom, sourceEvent := roomID, eventID
	if origin, err := r.db.RelayCopy.Origin(ctx, eventID); err != nil {
		return err
	} else if origin != nil && origin.TargetRoom == roomID {
		sourceRoom, sourceEvent = origin.SourceRoom, origin.SourceEvent
	}
	evt, err := r.mx.FetchCurrent(ctx, sourceRoom, sourceEvent)
	if err != nil {
		return err
	}
	if evt.Type != event.EventMessage || evt.Sender == r.mx.BotUserID() && sourceEvent == eventID {
		return nil // the bot's own words are already in each reader's language
	}
	content := evt.Content.AsMessage()
	mxtext.StripReplyFallback(content)
	body := content.Body
	if strings.TrimSpace(body) == "" || isMedia(content) && (content.FileName == "" || content.FileName == body) {
		return nil
	}
	reader := r.rooms.PersonLanguage(ctx, person)
	if lang == "" {
		lang = reader
	}
	from, _ := r.rooms.MessageLanguage(ctx, sourceRoom, body)
	glossary, err := r.glossary(ctx, sourceRoom)
	if err != nil {
		return err
	}
	// Judged by the event that carried the words: encrypted content goes
	// only to engines trusted with it, and the answer only into the
	// person's direct chat, which is encrypted.
	origin := rooms.FromEvent(evt)
	data := map[string]any{
		"Sender": "**" + format.EscapeMarkdown(cleanName(r.mx.DisplayName(ctx, sourceRoom, evt.Sender))) + "**",
		"Room":   "**" + format.EscapeMarkdown(cleanName(r.mx.RoomName(ctx, sourceRoom))) + "**",
		"Link":   roomID.EventURI(eventID).MatrixToURL(),
		"From":   format.SafeMarkdownCode(from),
		"To":     format.SafeMarkdownCode(lang),
	}
	msg := msgOnDemand
	results, err := r.tr.Translate(ctx, translate.Request{Source: from, Target: lang, Texts: []string{body},
		Format: translate.Text, Glossary: glossary, Encrypted: origin.Encrypted})
	if err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("source_lang", from).Str("target_lang", lang).Msg("Translation on request failed")
		msg, data["Text"] = msgOnDemandFailed, mxtext.Quote(body)
	} else {
		data["Text"] = mxtext.Quote(results[0].Text)
	}
	_, err = r.mx.SendToPerson(ctx, person, "", mxtext.NeutraliseRoomPing(r.l10n.Text(reader, msg, data)))
	return err
}
