package bot

import (
	"context"
	"errors"
	"time"

	"starling/internal/safe"
)

// pruner is a table owner's clean-up: it knows how long its rows matter.
type pruner interface {
	Prune(ctx context.Context) error
}

// syncRetention outlives any sync that could bring an event back: sync
// tokens keep old events away long before a week has passed.
const syncRetention = 7 * 24 * time.Hour

// pruners are every owner of a table that grows; each prunes its own.
func (b *Bot) pruners() map[string]pruner {
	return map[string]pruner{
		"sync":      syncTables{b},
		"relay":     b.relay,
		"forms":     b.forms,
		"incidents": b.incs,
		"ledger":    b.ledger,
		"briefings": b.sched,
	}
}

// pruneEveryHour runs every owner's clean-up now and then hourly, until ctx
// ends; one that fails does not keep the others from theirs.
func (b *Bot) pruneEveryHour(ctx context.Context) {
	ticker := time.NewTicker(time.Hour)
	defer ticker.Stop()
	for {
		b.prune(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func (b *Bot) prune(ctx context.Context) {
	for owner, p := range b.pruners() {
		safe.Run(&b.log, "prune", func() {
			if err := p.Prune(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn().Err(err).Str("owner", owner).Msg("Failed to prune old rows")
			}
		})
	}
}

// syncTables are the bot's own: what it sent and what it handled.
type syncTables struct{ b *Bot }

func (s syncTables) Prune(ctx context.Context) error {
	cutoff := s.b.now().Add(-syncRetention)
	return errors.Join(s.b.db.SentTxn.Prune(ctx, cutoff), s.b.db.HandledEvent.Prune(ctx, cutoff))
}
