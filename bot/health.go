package bot

import (
	"context"
	"fmt"
	"time"

	"starling/monitor"
)

// syncStale is how long without a processed sync counts as unhealthy: well
// over the 30 s long poll, so a quiet homeserver is not mistaken for a dead one.
const syncStale = 2 * time.Minute

func (b *Bot) initMonitor() error {
	if b.cfg.Monitoring.Listen == "" {
		return nil
	}
	gauges := []monitor.Gauge{
		{Name: "starling_relay_pending_deliveries", Read: b.db.RelayJob.Pending},
		{Name: "starling_incidents_unacknowledged", Read: b.db.Incident.CountOpen},
		{Name: "starling_schedules_active", Read: b.db.Schedule.Count},
	}
	var err error
	b.mon, err = monitor.New(b.cfg.Monitoring.Listen, b.healthy, gauges, b.log.With().Str("component", "monitor").Logger())
	if err != nil {
		return fmt.Errorf("config key monitoring.listen: %w", err)
	}
	if b.cfg.Monitoring.Pprof {
		b.mon.Profile()
	}
	return nil
}

// healthy is nil while the bot reaches its database and its homeserver.
func (b *Bot) healthy(ctx context.Context) error {
	if err := b.rawDB.RawDB.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	last := monitor.LastSync()
	if err := monitor.SyncFailing(); err != nil {
		return fmt.Errorf("homeserver unreachable: %w", err)
	}
	switch {
	case last.IsZero():
		return fmt.Errorf("not synced with the homeserver yet")
	case b.now().Sub(last) > syncStale:
		return fmt.Errorf("no sync with the homeserver for %s", b.now().Sub(last).Round(time.Second))
	}
	return nil
}
