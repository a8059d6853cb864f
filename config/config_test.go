package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"maunium.net/go/mautrix/id"

	"starling"
)

// valid is a complete config with real-looking secrets.
const valid = `
bot:
  user_id: "@starling:example.org"
  password: s3cret-password
encryption:
  pickle_key: a-long-random-pickle-key
invites:
  allow_servers: [example.org]
`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		env     map[string]string
		wantKey string // empty: the config is accepted
	}{
		{name: "valid", yaml: valid},
		{name: "example config as is", yaml: string(starling.ExampleConfig), wantKey: "encryption.pickle_key"},
		{name: "placeholder pickle key", yaml: strings.Replace(valid, "a-long-random-pickle-key", "CHANGE_ME_PICKLE_KEY", 1), wantKey: "encryption.pickle_key"},
		{name: "placeholder password", yaml: strings.Replace(valid, "s3cret-password", "CHANGE_ME", 1), wantKey: "bot.password"},
		{name: "env replaces placeholder", yaml: strings.Replace(valid, "a-long-random-pickle-key", "CHANGE_ME", 1),
			env: map[string]string{"STARLING_PICKLE_KEY": "from-the-environment-123"}},
		{name: "short pickle key", yaml: strings.Replace(valid, "a-long-random-pickle-key", "short", 1), wantKey: "encryption.pickle_key"},
		{name: "token instead of password", yaml: strings.Replace(valid, "password: s3cret-password", "access_token: syt_abc", 1)},
		{name: "no credentials", yaml: strings.Replace(valid, "password: s3cret-password", `password: ""`, 1), wantKey: "bot.password"},
		{name: "bad user id", yaml: strings.Replace(valid, "@starling:example.org", "starling", 1), wantKey: "bot.user_id"},
		{name: "postgres accepted", yaml: valid + "database:\n  uri: postgres://u:p@127.0.0.1/starling?sslmode=disable\n"},
		{name: "unknown database", yaml: valid + "database:\n  uri: mysql://x\n", wantKey: "database.uri"},
		{name: "bad zone", yaml: valid + "defaults:\n  timezone: Mars/Olympus\n", wantKey: "defaults.timezone"},
		{name: "bad language", yaml: valid + "defaults:\n  language: english\n", wantKey: "defaults.language"},
		{name: "prefix with space", yaml: valid + "commands:\n  prefix: \"! \"\n", wantKey: "commands.prefix"},
		{name: "moderator level out of range", yaml: valid + "permissions:\n  moderator_level: 101\n", wantKey: "permissions.moderator_level"},
		{name: "device trust any", yaml: valid + "permissions:\n  device_trust: any\n"},
		{name: "unknown device trust", yaml: valid + "permissions:\n  device_trust: verified-ish\n", wantKey: "permissions.device_trust"},
		{name: "unknown key sharing", yaml: strings.Replace(valid, "encryption:\n", "encryption:\n  share_keys_with: everyone\n", 1), wantKey: "encryption.share_keys_with"},
		{name: "bad allowed user", yaml: valid + "  allow_users: [bob]\n", wantKey: "invites.allow_users"},
		{name: "bad monitoring address", yaml: valid + "monitoring:\n  listen: nine\n", wantKey: "monitoring.listen"},
		{name: "bad log level", yaml: valid + "logging:\n  level: loud\n", wantKey: "logging.level"},
		{name: "deepl without key", yaml: valid + "translation:\n  deepl:\n    url: https://deepl.test\n", wantKey: "translation.deepl.api_key"},
		{name: "deepl key from env", yaml: valid + "translation:\n  deepl:\n    url: https://deepl.test\n",
			env: map[string]string{"STARLING_DEEPL_KEY": "k"}},
		{name: "bad libretranslate url", yaml: valid + "translation:\n  libretranslate:\n    url: ftp://x\n", wantKey: "translation.libretranslate.url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml), func(k string) string { return tt.env[k] })
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Parse() error = %v, want none", err)
				}
				if cfg.Commands.Prefix != "!" || cfg.Permissions.ModeratorLevel != 50 {
					t.Fatalf("defaults not applied: %+v", cfg)
				}
				return
			}
			var keyErr *KeyError
			if !errors.As(err, &keyErr) {
				t.Fatalf("Parse() error = %v, want a KeyError for %s", err, tt.wantKey)
			}
			if !strings.Contains(err.Error(), "config key "+tt.wantKey+":") {
				t.Fatalf("Parse() error = %q, want it to name %s", err, tt.wantKey)
			}
		})
	}
}

func TestUnknownKeyIsRefused(t *testing.T) {
	_, err := Parse([]byte(valid+"bot_typo: 1\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "bot_typo") {
		t.Fatalf("Parse() error = %v, want it to name the unknown key", err)
	}
}

func TestInviteAllowed(t *testing.T) {
	inv := Invites{AllowUsers: []id.UserID{"@ana:other.org"}, AllowServers: []string{"example.org"}}
	tests := []struct {
		name string
		user id.UserID
		want bool
	}{
		{"listed user", "@ana:other.org", true},
		{"listed server", "@bo:example.org", true},
		{"other user on a listed user's server", "@eve:other.org", false},
		{"server suffix is not the server", "@eve:evil-example.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inv.InviteAllowed(tt.user); got != tt.want {
				t.Fatalf("InviteAllowed(%s) = %v, want %v", tt.user, got, tt.want)
			}
		})
	}
}

// The README's list of secrets the environment may hold is the bot's: a
// variable added to the bot and not to the README is one nobody can find.
func TestREADMENamesEveryEnvironmentVariable(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range envOverrides {
		if !strings.Contains(string(readme), "`"+o.name+"`") {
			t.Errorf("README does not name %s", o.name)
		}
	}
}
