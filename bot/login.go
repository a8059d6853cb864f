package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/crypto/cryptohelper"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

const (
	pickleKeyCheck = "pickle_key_check"
	sessionToken   = "access_token"
)

// checkPickleKey refuses a pickle key other than the one the database was
// first used with: the stored Olm keys could not be read with it.
func (b *Bot) checkPickleKey(ctx context.Context) error {
	mac := hmac.New(sha256.New, []byte(b.cfg.Encryption.PickleKey))
	mac.Write([]byte("starling pickle key check"))
	sum := base64.RawStdEncoding.EncodeToString(mac.Sum(nil))
	stored, ok, err := b.db.BotState.Get(ctx, pickleKeyCheck)
	if err != nil {
		return err
	}
	if !ok {
		return b.db.BotState.Set(ctx, pickleKeyCheck, sum)
	}
	if !hmac.Equal([]byte(stored), []byte(sum)) {
		return errors.New("config key encryption.pickle_key: differs from the key this database was created with; restore the old key")
	}
	return nil
}

// login logs in keeping the device id stored in the crypto store, and sets up
// end-to-end encryption on the bot's own database.
func (b *Bot) login(ctx context.Context) error {
	client, err := mautrix.NewClient(b.cfg.Homeserver.URL, b.cfg.Bot.UserID, b.cfg.Bot.AccessToken)
	if err != nil {
		return fmt.Errorf("failed to create Matrix client: %w", err)
	}
	client.Log = b.log.With().Str("component", "matrix").Logger()
	// Rate limits are waited out inside each request (see rateLimited);
	// these retries are for network errors and 502–504.
	client.Client = newHTTPClient(b.log.With().Str("component", "matrix").Logger(), responseTimeout)
	client.IgnoreRateLimit = true
	client.DefaultHTTPRetries = 4
	client.DefaultHTTPBackoff = time.Second
	client.MaxHTTPBackoff = 30 * time.Second
	b.syncer = newTrackingSyncer(b.log.With().Str("component", "dispatch").Logger())
	client.Syncer = b.syncer
	b.client = client

	loginAs, err := b.restoreSession(ctx)
	if err != nil {
		return err
	}
	helper, err := cryptohelper.NewCryptoHelper(client, []byte(b.cfg.Encryption.PickleKey), b.rawDB)
	if err != nil {
		return fmt.Errorf("failed to create crypto helper: %w", err)
	}
	helper.LoginAs = loginAs
	helper.DecryptErrorCallback = func(evt *event.Event, err error) {
		// The room key may be there, in a database that could not answer.
		b.storageTrouble(err)
		b.log.Warn().Err(err).
			Stringer("room_id", evt.RoomID).
			Stringer("event_id", evt.ID).
			Stringer("sender", evt.Sender).
			Msg("Failed to decrypt event")
	}
	if err = helper.Init(ctx); err != nil {
		return fmt.Errorf("failed to set up encryption: %w", err)
	}
	b.syncer.self = client.UserID // known now, also after a password login
	// Only devices their owner has verified get the keys to what the bot
	// says (by default); a stolen session added to an account reads nothing.
	helper.Machine().SendKeysMinTrust = b.cfg.Encryption.ShareKeysMinTrust()
	helper.Machine().ShareKeysMinTrust = b.cfg.Encryption.ShareKeysMinTrust()
	client.Crypto = helper
	b.crypto = helper
	store := &deferredStore{SyncStore: client.Store}
	b.syncer.store = store
	client.Store = store
	if loginAs != nil {
		// Keep the token, so restarts reuse it instead of piling up logins.
		if err = b.db.BotState.Set(ctx, sessionToken, client.AccessToken); err != nil {
			return err
		}
	}
	return nil
}

// restoreSession sets the client's token and device from the config or from
// the last password login. It returns the login to do when there is none.
func (b *Bot) restoreSession(ctx context.Context) (*mautrix.ReqLogin, error) {
	token := b.cfg.Bot.AccessToken
	fromConfig := token != ""
	if !fromConfig {
		stored, ok, err := b.db.BotState.Get(ctx, sessionToken)
		if err != nil {
			return nil, err
		}
		if ok {
			token = stored
		}
	}
	if token != "" {
		b.client.AccessToken = token
		whoami, err := b.client.Whoami(ctx)
		switch {
		case err == nil && whoami.UserID != b.cfg.Bot.UserID:
			return nil, fmt.Errorf("config key bot.access_token: belongs to %s, not %s", whoami.UserID, b.cfg.Bot.UserID)
		case err == nil:
			b.client.DeviceID = whoami.DeviceID
			return nil, nil
		case fromConfig || !errors.Is(err, mautrix.MUnknownToken):
			return nil, fmt.Errorf("failed to check access token: %w", err)
		}
		b.log.Info().Msg("Stored session expired, logging in again")
		b.client.AccessToken = ""
	}
	return &mautrix.ReqLogin{
		Type:                     mautrix.AuthTypePassword,
		Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: b.cfg.Bot.UserID.String()},
		Password:                 b.cfg.Bot.Password,
		InitialDeviceDisplayName: b.cfg.Bot.DeviceName,
	}, nil
}

// crossSign makes clients show the bot's device as verified. Keys are only
// generated when none exist: replacing them would orphan stored secrets.
func (b *Bot) crossSign(ctx context.Context) error {
	mach := b.crypto.Machine()
	if _, err := mach.FetchKeys(ctx, []id.UserID{b.client.UserID}, true); err != nil {
		return fmt.Errorf("failed to fetch own keys: %w", err)
	}
	hasKeys, verified, err := mach.GetOwnVerificationStatus(ctx)
	if err != nil {
		return fmt.Errorf("failed to check cross-signing status: %w", err)
	}
	switch {
	case verified:
		return nil
	case !hasKeys && b.cfg.Bot.Password == "":
		b.log.Warn().Msg("Cannot publish cross-signing keys without bot.password; the bot's device stays unverified")
		return nil
	case !hasKeys:
		recoveryKey, _, err := mach.GenerateAndUploadCrossSigningKeysWithPassword(ctx, b.cfg.Bot.Password, "")
		if err != nil {
			return fmt.Errorf("failed to publish cross-signing keys: %w", err)
		}
		if err = mach.SignOwnDevice(ctx, mach.OwnIdentity()); err != nil {
			return fmt.Errorf("failed to sign own device: %w", err)
		}
		if err = mach.SignOwnMasterKey(ctx); err != nil {
			return fmt.Errorf("failed to sign own master key: %w", err)
		}
		b.log.Info().Msg("Published cross-signing keys and signed this device")
		b.onRecoveryKey(recoveryKey)
		return nil
	case b.cfg.Encryption.RecoveryKey != "":
		if err = mach.VerifyWithRecoveryKey(ctx, b.cfg.Encryption.RecoveryKey); err != nil {
			return fmt.Errorf("config key encryption.recovery_key: failed to verify device: %w", err)
		}
		b.log.Info().Msg("Verified this device with the recovery key")
		return nil
	default:
		b.log.Warn().Msg("This device is not cross-signed; set encryption.recovery_key to verify it")
		return nil
	}
}
