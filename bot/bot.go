// Package bot is Starling's Matrix side: login, end-to-end encryption, sync,
// dispatch of events to the domain, and sending. It is the only package that
// talks to mautrix's client; it builds every service (initServices) and
// satisfies each one's Matrix interface, and no package imports it but
// cmd/starling.
package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/commands"
	"starling/config"
	"starling/database"
	"starling/forms"
	"starling/incidents"
	"starling/internal/lanes"
	"starling/ledger"
	"starling/monitor"
	"starling/relay"
	"starling/rooms"
	"starling/scheduler"
	"starling/service"
	"starling/translate"
	"starling/translations"
)

// Bot is one logged-in Starling device.
type Bot struct {
	cfg    *config.Config
	log    zerolog.Logger
	rawDB  *dbutil.Database
	db     *database.Database
	client *mautrix.Client
	crypto *cryptohelper.CryptoHelper
	router *commands.Router
	rooms  *rooms.Authority
	l10n   *translations.Localizer
	relay  *relay.Relay
	sched  *scheduler.Scheduler
	forms  *forms.Engine
	incs   *incidents.Service
	ledger *ledger.Service
	engine *translate.Apertium
	names  roomNames
	syncer *trackingSyncer
	mon    *monitor.Server
	now    func() time.Time

	onRecoveryKey func(string)

	dmLocks lanes.Locks // one person's direct chat is opened one caller at a time

	staleMu      sync.Mutex
	staleTold    map[id.UserID]time.Time // who was told a late command was not run
	lastSyncNote time.Time               // barriers only: they run one at a time
}

// Option changes how a Bot is built.
type Option func(*Bot)

// WithRecoveryKeyHandler receives the recovery key the one time it is made.
func WithRecoveryKeyHandler(fn func(recoveryKey string)) Option {
	return func(b *Bot) { b.onRecoveryKey = fn }
}

// New prepares a bot; nothing touches the network or database until Init.
func New(cfg *config.Config, log zerolog.Logger, opts ...Option) *Bot {
	b := &Bot{cfg: cfg, log: log, now: time.Now, onRecoveryKey: func(string) {}}
	for _, opt := range opts {
		opt(b)
	}
	return b
}

// Init opens the database, logs in, sets up encryption and registers the
// event handlers. After it returns, Run may sync.
func (b *Bot) Init(ctx context.Context) error {
	var err error
	if b.l10n, err = translations.New(); err != nil {
		return fmt.Errorf("failed to load translations: %w", err)
	}
	dialect, err := b.cfg.Database.Dialect()
	if err != nil {
		return fmt.Errorf("failed to choose database driver: %w", err)
	}
	if b.rawDB, err = database.Open(b.cfg.Database.URI, dialect, b.cfg.Database.MaxOpenConns); err != nil {
		return err
	}
	b.db = database.New(b.rawDB, b.log)
	if err = b.db.Upgrade(ctx); err != nil {
		return err
	}
	if err = b.checkPickleKey(ctx); err != nil {
		return err
	}
	if err = b.login(ctx); err != nil {
		return err
	}
	if err = b.crossSign(ctx); err != nil {
		return err
	}
	b.rooms = rooms.New(b.db, b, rooms.Settings{DefaultLanguage: b.cfg.Defaults.Language, DefaultTimezone: b.cfg.Defaults.Timezone})
	if err = b.initServices(); err != nil {
		return err
	}
	if err = b.initMonitor(); err != nil {
		return err
	}
	b.syncer.fill, b.syncer.sweep, b.syncer.committed = b.backfill, b.sweep, b.noteSynced
	b.route(b.client.Syncer.(mautrix.ExtensibleSyncer))
	b.log.Info().
		Stringer("user_id", b.client.UserID).
		Stringer("device_id", b.client.DeviceID).
		Msg("Starling is ready")
	return nil
}

// Run syncs until ctx is cancelled.
func (b *Bot) Run(ctx context.Context) error {
	go b.pruneEveryHour(ctx)
	go b.handOver(ctx)
	if b.mon != nil {
		go b.mon.Serve(ctx)
	}
	if err := b.relay.Start(ctx); err != nil {
		return err
	}
	if err := b.sched.Load(ctx); err != nil {
		return err
	}
	go b.forms.RunDeadlines(ctx)
	go b.incs.Run(ctx)
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); b.sched.Run(ctx) }()
	defer func() { <-schedDone }()
	defer b.relay.Wait()
	defer b.syncer.lanes.Wait()
	return b.syncUntilStopped(ctx)
}

// syncUntilStopped runs the sync loop, and starts it again from the last
// committed token when it ends on a failure that is not for good — storage
// that could not answer while a response was processed — so the response
// is processed again instead of the bot stopping or moving past it.
func (b *Bot) syncUntilStopped(ctx context.Context) error {
	pause := time.Second
	for {
		err := b.client.SyncWithContext(ctx)
		switch {
		case ctx.Err() != nil || errors.Is(err, context.Canceled):
			return nil
		case errors.Is(err, mautrix.MUnknownToken):
			return fmt.Errorf("failed to sync: %w", err)
		case err == nil:
			return nil
		}
		b.log.Warn().Err(err).Dur("retry_in", pause).Msg("Sync stopped; starting again from the last processed response")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// Stop releases the database; call it after Run has returned.
func (b *Bot) Stop() error {
	if b.engine != nil {
		_ = b.engine.Close()
	}
	if b.mon != nil {
		_ = b.mon.Close() // when Init failed after it started listening
	}
	if b.rawDB == nil {
		return nil
	}
	if err := b.rawDB.Close(); err != nil {
		return fmt.Errorf("failed to close database: %w", err)
	}
	return nil
}

// initServices builds the translator and every service over one set of
// dependencies, and the command router over them.
func (b *Bot) initServices() error {
	var engines []translate.Engine
	if cfg := b.cfg.Translation.DeepL; cfg.URL != "" {
		engines = append(engines, translate.NewDeepL(cfg.URL, cfg.APIKey, cfg.TrustedForEncrypted))
	}
	if cfg := b.cfg.Translation.LibreTranslate; cfg.URL != "" {
		engines = append(engines, translate.NewLibreTranslate(cfg.URL, cfg.APIKey, cfg.TrustedForEncrypted))
	}
	if cfg := b.cfg.Translation.Apertium; cfg.Enabled {
		engine, err := translate.NewApertium(translate.WithModesDir(cfg.ModesDir), translate.WithIdleClose(cfg.IdleClose),
			translate.WithLogger(b.log.With().Str("component", "apertium").Logger()))
		if err != nil {
			return fmt.Errorf("failed to start Apertium: %w", err)
		}
		b.engine = engine
		engines = append(engines, engine)
	}
	tr := translate.NewTranslator(engines, translate.WithTranslatorLogger(b.log.With().Str("component", "translate").Logger()))
	deps := service.Deps{DB: b.db, Rooms: b.rooms, Translator: tr, L10n: b.l10n, Log: b.log, Now: b.now}
	prefix := b.cfg.Commands.Prefix
	b.relay = relay.New(deps, b, relay.Settings{
		IsCommand:      func(c *event.MessageEventContent) bool { return commands.IsCommand(c, prefix) },
		SenderProfiles: b.cfg.Relay.SenderProfiles,
	})
	clock := scheduler.RealClock()
	if cfg := b.cfg.Scheduler; cfg.ClockSpeed != 1 || cfg.ClockStart != "" {
		start, _ := time.Parse(time.RFC3339, cfg.ClockStart)
		clock = scheduler.ScaledClock(start, cfg.ClockSpeed)
		b.log.Warn().Float64("speed", cfg.ClockSpeed).Time("start", clock.Now()).Msg("Schedules run on a test clock")
	}
	templates, err := forms.LoadTemplates(b.cfg.Forms.TemplatesDir)
	if err != nil {
		return fmt.Errorf("config key forms.templates_dir: %w", err)
	}
	b.forms = forms.NewEngine(deps, b, templates)
	b.incs, err = incidents.New(deps, b, b.forms, incidents.Settings{
		FallbackRoom:   b.cfg.Incidents.FallbackRoom,
		Retention:      time.Duration(b.cfg.Incidents.RetentionDays) * 24 * time.Hour,
		ModeratorLevel: b.cfg.Permissions.ModeratorLevel,
	})
	if err != nil {
		return err
	}
	b.ledger, err = ledger.New(deps, b, b.forms, ledger.Settings{Retention: time.Duration(b.cfg.Ledger.RetentionDays) * 24 * time.Hour})
	if err != nil {
		return err
	}
	b.sched = scheduler.New(deps, b, scheduler.Settings{DefaultWindow: b.cfg.Scheduler.CheckinWindow, Clock: clock, Retro: b.openRetro,
		BriefRetention: time.Duration(b.cfg.Scheduler.BriefRetentionDays) * 24 * time.Hour})
	b.router = commands.New(deps, b, commands.Settings{
		Prefix:         b.cfg.Commands.Prefix,
		ModeratorLevel: b.cfg.Permissions.ModeratorLevel,
		MinTrust:       b.cfg.Permissions.MinTrust(),
	}, commands.Services{Relay: b.relay, Scheduler: b.sched, Forms: b.forms, Incidents: b.incs, Ledger: b.ledger})
	return nil
}

// retroOpen is how long a listening circle's retro takes answers.
const retroOpen = 3 * 24 * time.Hour

// openRetro opens a listening circle's retro: its form, invited in every
// room of the coalition and asked at once of each participant in their
// direct chat, in their language; its answers reach every room when it
// closes.
func (b *Bot) openRetro(ctx context.Context, sc *database.Schedule, at time.Time, participants []id.UserID) error {
	f, err := b.forms.StartRetro(ctx, sc.RoomID, sc.CreatedBy, cmp.Or(sc.Template, "solidarity-retro"), b.now().Add(retroOpen),
		fmt.Sprintf("circle:%d:%d", sc.ID, at.UnixMilli()), participants)
	if err != nil {
		return err
	}
	for _, p := range participants {
		if err = b.forms.Fill(ctx, p, f.ID); err != nil {
			b.log.Warn().Err(err).Stringer("user_id", p).Int64("form_id", f.ID).Msg("Failed to ask a circle's participant the retro")
		}
	}
	monitor.RetroOpened()
	b.log.Info().Int64("schedule_id", sc.ID).Time("occurrence", at).Int("participants", len(participants)).Msg("Opened a listening circle's retro")
	return nil
}
