package relay

import (
	"testing"
	"time"

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
		{name: "a job the relay made", jobID: "~retranslate/493000/$original", want: "$original", ok: true},
		{name: "an old room's event id with a slash", jobID: "~retranslate/493000/$abc/def:example.org", want: "$abc/def:example.org", ok: true},
		{name: "an event from the homeserver", jobID: "$original"},
		{name: "an event id that only contains the prefix", jobID: "$abc~retranslate/$x/$y"},
		{name: "no message named", jobID: "~retranslate/493000"},
		{name: "not an event id", jobID: "~retranslate/493000/original"},
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

func TestOnePersonCannotFloodTranslations(t *testing.T) {
	var a askers
	now := time.Now()
	ana := a.of("@ana:x")
	for i := range onDemandPerMinute {
		if !ana.allow(now.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("request %d refused", i+1)
		}
	}
	if ana.allow(now.Add(30 * time.Second)) {
		t.Fatal("one request too many was allowed")
	}
	if !a.of("@ben:x").allow(now) {
		t.Fatal("someone else was refused for ana's requests")
	}
	if !ana.allow(now.Add(61 * time.Second)) {
		t.Fatal("a request a minute later was refused")
	}
	if !ana.toldBusy(now) || ana.toldBusy(now.Add(time.Second)) {
		t.Fatal("busy must be said once a minute")
	}
}
