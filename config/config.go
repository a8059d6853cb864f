// Package config loads and validates Starling's configuration. The embedded
// example configuration is the default; a user's file overrides it key by key
// and environment variables override secrets.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/text/language"
	"gopkg.in/yaml.v3"
	"maunium.net/go/mautrix/id"

	"starling"
)

// Placeholder starts every secret in the example configuration.
const Placeholder = "CHANGE_ME"

type Config struct {
	Homeserver  Homeserver  `yaml:"homeserver"`
	Bot         Bot         `yaml:"bot"`
	Database    Database    `yaml:"database"`
	Encryption  Encryption  `yaml:"encryption"`
	Commands    Commands    `yaml:"commands"`
	Permissions Permissions `yaml:"permissions"`
	Invites     Invites     `yaml:"invites"`
	Defaults    Defaults    `yaml:"defaults"`
	Relay       Relay       `yaml:"relay"`
	Translation Translation `yaml:"translation"`
	Scheduler   Scheduler   `yaml:"scheduler"`
	Forms       Forms       `yaml:"forms"`
	Incidents   Incidents   `yaml:"incidents"`
	Ledger      Ledger      `yaml:"ledger"`
	Monitoring  Monitoring  `yaml:"monitoring"`
	Logging     Logging     `yaml:"logging"`
}

type Relay struct {
	SenderProfiles bool `yaml:"sender_profiles"`
}

type Incidents struct {
	FallbackRoom  id.RoomID `yaml:"fallback_room"`
	RetentionDays int       `yaml:"retention_days"`
}

type Ledger struct {
	RetentionDays int `yaml:"retention_days"`
}

type Forms struct {
	TemplatesDir string `yaml:"templates_dir"`
}

type Scheduler struct {
	CheckinWindow      time.Duration `yaml:"checkin_window"`
	BriefRetentionDays int           `yaml:"brief_retention_days"`
	ClockSpeed         float64       `yaml:"clock_speed"`
	ClockStart         string        `yaml:"clock_start"`
}

type Translation struct {
	DeepL          HTTPEngine `yaml:"deepl"`
	LibreTranslate HTTPEngine `yaml:"libretranslate"`
	Apertium       Apertium   `yaml:"apertium"`
}

// HTTPEngine is a translation service reached over HTTP; empty URL is off.
type HTTPEngine struct {
	URL                 string `yaml:"url"`
	APIKey              string `yaml:"api_key"`
	TrustedForEncrypted bool   `yaml:"trusted_for_encrypted"`
}

type Apertium struct {
	Enabled   bool          `yaml:"enabled"`
	ModesDir  string        `yaml:"modes_dir"`
	IdleClose time.Duration `yaml:"idle_close"`
}

type Homeserver struct {
	URL string `yaml:"url"`
}

type Bot struct {
	UserID      id.UserID `yaml:"user_id"`
	Password    string    `yaml:"password"`
	AccessToken string    `yaml:"access_token"`
	DeviceName  string    `yaml:"device_name"`
}

type Database struct {
	URI          string `yaml:"uri"`
	MaxOpenConns int    `yaml:"max_open_conns"`
}

type Encryption struct {
	PickleKey   string `yaml:"pickle_key"`
	RecoveryKey string `yaml:"recovery_key"`
	// ShareKeysWith is which devices receive the keys to the bot's messages.
	ShareKeysWith string `yaml:"share_keys_with"`
}

// Device trust levels a setting can name.
const (
	TrustCrossSigned = "cross-signed"
	TrustAny         = "any"
)

// ShareKeysMinTrust is the least trust a device needs to read the bot's messages.
func (e Encryption) ShareKeysMinTrust() id.TrustState {
	if e.ShareKeysWith == TrustAny {
		return id.TrustStateUnset
	}
	return id.TrustStateCrossSignedTOFU
}

type Commands struct {
	Prefix string `yaml:"prefix"`
}

type Permissions struct {
	ModeratorLevel int `yaml:"moderator_level"`
	// DeviceTrust is what a device needs for commands that change settings
	// or act on incidents.
	DeviceTrust string `yaml:"device_trust"`
}

// MinTrust is the least trust a device needs for commands that change
// settings or act on incidents. With "any", unencrypted rooms (whose events
// name no device) may change settings too.
func (p Permissions) MinTrust() id.TrustState {
	if p.DeviceTrust == TrustAny {
		return id.TrustStateUnset
	}
	return id.TrustStateCrossSignedTOFU
}

type Invites struct {
	AllowUsers   []id.UserID `yaml:"allow_users"`
	AllowServers []string    `yaml:"allow_servers"`
}

type Defaults struct {
	Language string `yaml:"language"`
	Timezone string `yaml:"timezone"`
}

type Monitoring struct {
	Listen string `yaml:"listen"`
	// Pprof serves Go's profiles next to the metrics.
	Pprof bool `yaml:"pprof"`
}

type Logging struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// envOverrides maps environment variables to the settings they replace.
var envOverrides = []struct {
	name  string
	field func(*Config) *string
}{
	{"STARLING_PASSWORD", func(c *Config) *string { return &c.Bot.Password }},
	{"STARLING_ACCESS_TOKEN", func(c *Config) *string { return &c.Bot.AccessToken }},
	{"STARLING_PICKLE_KEY", func(c *Config) *string { return &c.Encryption.PickleKey }},
	{"STARLING_RECOVERY_KEY", func(c *Config) *string { return &c.Encryption.RecoveryKey }},
	{"STARLING_DATABASE_URI", func(c *Config) *string { return &c.Database.URI }},
	{"STARLING_DEEPL_KEY", func(c *Config) *string { return &c.Translation.DeepL.APIKey }},
	{"STARLING_LIBRETRANSLATE_KEY", func(c *Config) *string { return &c.Translation.LibreTranslate.APIKey }},
}

// Load reads the file at path over the embedded defaults, applies the
// environment and validates the result. An empty path means defaults only.
func Load(path string, getenv func(string) string) (*Config, error) {
	var data []byte
	if path != "" {
		var err error
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("failed to read config: %w", err)
		}
	}
	return Parse(data, getenv)
}

// Parse is Load for a config already in memory.
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	if err := decode(starling.ExampleConfig, cfg); err != nil {
		return nil, fmt.Errorf("failed to parse built-in defaults: %w", err)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := decode(data, cfg); err != nil {
			return nil, fmt.Errorf("failed to parse config: %w", err)
		}
	}
	if getenv != nil {
		for _, o := range envOverrides {
			if v := getenv(o.name); v != "" {
				*o.field(cfg) = v
			}
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decode(data []byte, into *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(into)
}

// KeyError names the configuration key that is wrong.
type KeyError struct {
	Key    string
	Reason string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("config key %s: %s", e.Key, e.Reason)
}

func isPlaceholder(s string) bool {
	return strings.HasPrefix(strings.TrimSpace(s), Placeholder)
}

// Validate returns every problem at once, each naming its key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, reason string) { errs = append(errs, &KeyError{Key: key, Reason: reason}) }
	for _, check := range []func(bad badKey){
		c.checkAccount, c.checkSecrets, c.checkDatabase, c.checkAccess,
		c.checkDefaults, c.checkTranslation, c.checkServices, c.checkOperations,
	} {
		check(bad)
	}
	return errors.Join(errs...)
}

// badKey reports a key whose value is wrong, and why.
type badKey func(key, reason string)

// checkAccount checks the homeserver and the bot's account.
func (c *Config) checkAccount(bad badKey) {
	if u, err := url.Parse(c.Homeserver.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("homeserver.url", "must be an http(s) URL")
	}
	if _, _, err := c.Bot.UserID.Parse(); err != nil {
		bad("bot.user_id", "must be a full Matrix user id like @starling:example.org")
	}
	switch {
	case c.Bot.AccessToken != "" && isPlaceholder(c.Bot.AccessToken):
		bad("bot.access_token", "still holds a placeholder; set it or STARLING_ACCESS_TOKEN")
	case c.Bot.AccessToken == "" && isPlaceholder(c.Bot.Password):
		bad("bot.password", "still holds a placeholder; set it or STARLING_PASSWORD")
	case c.Bot.AccessToken == "" && c.Bot.Password == "":
		bad("bot.password", "set a password or bot.access_token")
	}
}

// checkSecrets checks the keys that protect what the bot stores.
func (c *Config) checkSecrets(bad badKey) {
	if isPlaceholder(c.Encryption.PickleKey) {
		bad("encryption.pickle_key", "still holds a placeholder; generate one with `openssl rand -base64 32` or set STARLING_PICKLE_KEY")
	} else if len(c.Encryption.PickleKey) < 16 {
		bad("encryption.pickle_key", "must be at least 16 characters")
	}
	if isPlaceholder(c.Encryption.RecoveryKey) {
		bad("encryption.recovery_key", "still holds a placeholder; leave it empty or set the key printed on first start")
	}
}

// checkDatabase checks where the bot stores.
func (c *Config) checkDatabase(bad badKey) {
	if isPlaceholder(c.Database.URI) {
		bad("database.uri", "still holds a placeholder")
	} else if _, err := c.Database.Dialect(); err != nil {
		bad("database.uri", err.Error())
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1")
	}
}

// checkAccess checks who may reach the bot and change settings.
func (c *Config) checkAccess(bad badKey) {
	if p := c.Commands.Prefix; p == "" || strings.ContainsAny(p, " \t\n") {
		bad("commands.prefix", "must be non-empty and contain no spaces")
	}
	if l := c.Permissions.ModeratorLevel; l < 0 || l > 100 {
		bad("permissions.moderator_level", "must be between 0 and 100")
	}
	if t := c.Permissions.DeviceTrust; t != TrustCrossSigned && t != TrustAny {
		bad("permissions.device_trust", `must be "cross-signed" or "any"`)
	}
	if t := c.Encryption.ShareKeysWith; t != TrustCrossSigned && t != TrustAny {
		bad("encryption.share_keys_with", `must be "cross-signed" or "any"`)
	}
	for _, u := range c.Invites.AllowUsers {
		if _, _, err := u.Parse(); err != nil {
			bad("invites.allow_users", fmt.Sprintf("%q is not a Matrix user id", u))
		}
	}
	for _, s := range c.Invites.AllowServers {
		if s == "" || strings.ContainsAny(s, "@/ ") {
			bad("invites.allow_servers", fmt.Sprintf("%q is not a server name", s))
		}
	}
}

// checkDefaults checks the language and zone of rooms that set none.
func (c *Config) checkDefaults(bad badKey) {
	if base, err := language.ParseBase(c.Defaults.Language); err != nil || base.String() != c.Defaults.Language {
		bad("defaults.language", "must be an ISO 639-1 code like en")
	}
	if _, err := time.LoadLocation(c.Defaults.Timezone); err != nil || c.Defaults.Timezone == "" || c.Defaults.Timezone == "Local" {
		bad("defaults.timezone", "must be an IANA zone like Europe/Madrid")
	}
}

// checkTranslation checks the translation engines.
func (c *Config) checkTranslation(bad badKey) {
	for key, eng := range map[string]HTTPEngine{"translation.deepl": c.Translation.DeepL, "translation.libretranslate": c.Translation.LibreTranslate} {
		if eng.URL == "" {
			continue
		}
		if u, err := url.Parse(eng.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(key+".url", "must be an http(s) URL or empty")
		}
		if isPlaceholder(eng.APIKey) {
			bad(key+".api_key", "still holds a placeholder")
		}
	}
	if c.Translation.DeepL.URL != "" && c.Translation.DeepL.APIKey == "" {
		bad("translation.deepl.api_key", "is needed when translation.deepl.url is set (or set STARLING_DEEPL_KEY)")
	}
	if c.Translation.Apertium.Enabled && c.Translation.Apertium.IdleClose < time.Second {
		bad("translation.apertium.idle_close", "must be at least 1s")
	}
}

// checkServices checks incidents and schedules.
func (c *Config) checkServices(bad badKey) {
	if c.Incidents.RetentionDays < 1 {
		bad("incidents.retention_days", "must be at least 1")
	}
	if c.Ledger.RetentionDays < 0 {
		bad("ledger.retention_days", "must be 0 (kept while the coalition lasts) or more")
	}
	if r := c.Incidents.FallbackRoom; r != "" && !strings.HasPrefix(string(r), "!") {
		bad("incidents.fallback_room", "must be a room id like !abc:example.org")
	}
	if c.Scheduler.CheckinWindow < time.Minute {
		bad("scheduler.checkin_window", "must be at least 1m")
	}
	if c.Scheduler.BriefRetentionDays < 0 {
		bad("scheduler.brief_retention_days", "must be 0 (kept) or more")
	}
	if c.Scheduler.ClockSpeed <= 0 || c.Scheduler.ClockSpeed > 100000 {
		bad("scheduler.clock_speed", "must be between 0 (exclusive) and 100000")
	}
	if c.Scheduler.ClockStart != "" {
		if _, err := time.Parse(time.RFC3339, c.Scheduler.ClockStart); err != nil {
			bad("scheduler.clock_start", "must be empty or an RFC 3339 time like 2030-01-01T00:00:00Z")
		}
	}
}

// checkOperations checks monitoring and logging.
func (c *Config) checkOperations(bad badKey) {
	if c.Monitoring.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Monitoring.Listen); err != nil {
			bad("monitoring.listen", "must be empty or a host:port such as 127.0.0.1:9393")
		}
	}
	switch c.Logging.Level {
	case "trace", "debug", "info", "warn", "error":
	default:
		bad("logging.level", "must be trace, debug, info, warn or error")
	}
	switch c.Logging.Format {
	case "console", "json":
	default:
		bad("logging.format", "must be console or json")
	}
}

// Dialect tells which dbutil driver serves the URI.
func (d Database) Dialect() (string, error) {
	switch {
	case strings.HasPrefix(d.URI, "postgres://"), strings.HasPrefix(d.URI, "postgresql://"):
		return "postgres", nil
	case strings.HasPrefix(d.URI, "file:"):
		return "sqlite3-fk-wal", nil
	default:
		return "", errors.New("must start with file: (SQLite) or postgres:// (PostgreSQL)")
	}
}

// InviteAllowed tells whether an invite from this user may be accepted.
func (i Invites) InviteAllowed(inviter id.UserID) bool {
	for _, u := range i.AllowUsers {
		if u == inviter {
			return true
		}
	}
	server := inviter.Homeserver()
	for _, s := range i.AllowServers {
		if s == server {
			return true
		}
	}
	return false
}
