package e2e

import (
	"testing"
	"time"
)

// The full tests of each area again, with the bot's tables in PostgreSQL:
// a coalition outgrows SQLite by changing the database URI alone.
func TestOnPostgres(t *testing.T) {
	for _, tc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"relay across three languages", TestRelayAcrossThreeLanguages},
		{"relay survives a crash", TestRelaySurvivesACrash},
		{"check-in across languages and zones", TestCheckinAcrossLanguagesAndZones},
		{"needs assessment across languages", TestNeedsAssessmentAcrossLanguages},
		{"incident reports reach responders", TestIncidentReportsReachResponders},
	} {
		t.Run(tc.name, func(t *testing.T) {
			postgres(t)
			tc.test(t)
		})
	}
}

// PostgreSQL restarts (every connection cut) in the middle of a burst of
// 30: the bot reconnects, and every copy arrives once, in order.
func TestPostgresRestartDuringTraffic(t *testing.T) {
	postgres(t)
	c := newCoalition(t, "es", "en")
	es, en := c.rooms["es"], c.rooms["en"]
	go burst(es, "Pgrq", 1, 30)
	c.copyIn(t, "en", "Pgrq005")
	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	allCopies(t, en, c.setup.userID, "Pgrq", 30, 2*time.Minute)
	if !c.bot.Running() {
		t.Fatal("the bot's process ended when its database restarted")
	}
}
