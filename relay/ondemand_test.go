package relay

import (
	"testing"

	"maunium.net/go/mautrix/id"
)

func TestRequestedLanguage(t *testing.T) {
	tests := []struct {
		name, key, lang string
		ok              bool
	}{
		{name: "a country's flag", key: "🇪🇸", lang: "es", ok: true},
		{name: "another country, same language", key: "🇲🇽", lang: "es", ok: true},
		{name: "british flag", key: "🇬🇧", lang: "en", ok: true},
		{name: "arabic", key: "🇸🇦", lang: "ar", ok: true},
		{name: "catalonia's flag", key: "\U0001F3F4\U000E0065\U000E0073\U000E0063\U000E0074\U000E007F", lang: "ca", ok: true},
		{name: "the globe: the reader's own", key: "🌐", lang: "", ok: true},
		{name: "the globe with a variation selector", key: "🌐\uFE0F", lang: "", ok: true},
		{name: "a thumbs up is no request", key: "👍"},
		{name: "a flag nobody maps", key: "🇦🇶"},
		{name: "letters that only look like a flag", key: "ES"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lang, ok := RequestedLanguage(tt.key)
			if lang != tt.lang || ok != tt.ok {
				t.Errorf("RequestedLanguage(%q) = %q, %v; want %q, %v", tt.key, lang, ok, tt.lang, tt.ok)
			}
		})
	}
}

func TestRetranslationJobs(t *testing.T) {
	tests := []struct {
		name, jobID, want string
		ok                bool
	}{
		{name: "a job the relay made", jobID: "~retranslate/$reaction/$original", want: "$original", ok: true},
		{name: "an event from the homeserver", jobID: "$original"},
		{name: "an event id that only contains the prefix", jobID: "$abc~retranslate/$x/$y"},
		{name: "no message named", jobID: "~retranslate/$reaction"},
		{name: "not an event id", jobID: "~retranslate/$reaction/original"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := retranslationOf(id.EventID(tt.jobID))
			if ok != tt.ok || ok && string(got) != tt.want {
				t.Errorf("retranslationOf(%q) = %q, %v; want %q, %v", tt.jobID, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestIsRetry(t *testing.T) {
	for key, want := range map[string]bool{"🔄": true, "🔁": true, "🔄\uFE0F": true, "👍": false, "🇪🇸": false} {
		if IsRetry(key) != want {
			t.Errorf("IsRetry(%q) = %v", key, !want)
		}
	}
}
