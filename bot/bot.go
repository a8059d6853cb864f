// Package bot is Starling's Matrix side: login, end-to-end encryption, sync,
// dispatch of events to the domain, and sending.
package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"

	"starling/commands"
	"starling/config"
	"starling/database"
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
	l10n   *translations.Localizer
	now    func() time.Time

	onRecoveryKey func(string)
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
	b.router = commands.New(commands.Settings{
		Prefix:          b.cfg.Commands.Prefix,
		ModeratorLevel:  b.cfg.Permissions.ModeratorLevel,
		DefaultLanguage: b.cfg.Defaults.Language,
		DefaultTimezone: b.cfg.Defaults.Timezone,
	}, b.db, b.l10n, b, b)
	// Registered after the crypto helper's own handlers, so that room keys in
	// a sync are stored before the events they unlock reach these handlers.
	syncer := b.client.Syncer.(mautrix.ExtensibleSyncer)
	syncer.OnEventType(event.StateMember, b.onMember)
	syncer.OnEventType(event.EventMessage, b.onMessage)
	b.log.Info().
		Stringer("user_id", b.client.UserID).
		Stringer("device_id", b.client.DeviceID).
		Msg("Starling is ready")
	return nil
}

// Run syncs until ctx is cancelled.
func (b *Bot) Run(ctx context.Context) error {
	go b.pruneHandledEvents(ctx)
	err := b.client.SyncWithContext(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("failed to sync: %w", err)
	}
	return nil
}

// Stop releases the database; call it after Run has returned.
func (b *Bot) Stop() error {
	if b.rawDB == nil {
		return nil
	}
	if err := b.rawDB.Close(); err != nil {
		return fmt.Errorf("failed to close database: %w", err)
	}
	return nil
}

// pruneHandledEvents keeps the de-duplication table small; sync tokens keep
// old events from coming back long before a week has passed.
func (b *Bot) pruneHandledEvents(ctx context.Context) {
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		if err := b.db.HandledEvent.Prune(ctx, b.now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			b.log.Warn().Err(err).Msg("Failed to prune handled events")
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
