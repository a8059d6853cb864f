package database

import (
	"context"
	"database/sql"
	"fmt"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	getPersonQuery         = `SELECT user_id, language, timezone, away_from, away_until, quiet_start, quiet_end FROM person WHERE user_id=$1`
	setPersonLanguageQuery = `
		INSERT INTO person (user_id, language) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET language=excluded.language`
	setPersonTimezoneQuery = `
		INSERT INTO person (user_id, timezone) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET timezone=excluded.timezone`
	setPersonAwayQuery = `
		INSERT INTO person (user_id, away_from, away_until) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET away_from=excluded.away_from, away_until=excluded.away_until`
	setPersonQuietQuery = `
		INSERT INTO person (user_id, quiet_start, quiet_end) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET quiet_start=excluded.quiet_start, quiet_end=excluded.quiet_end`
)

// Person holds what someone chose for themselves; empty means not chosen.
type Person struct {
	UserID   id.UserID
	Language string
	Timezone string
	// AwayFrom and AwayUntil are calendar days in the person's zone, both
	// included ("" when not away).
	AwayFrom, AwayUntil string
	// QuietStart and QuietEnd are minutes after midnight in the person's
	// zone (-1 when none); the hours may run past midnight.
	QuietStart, QuietEnd int
}

func newPerson(_ *dbutil.QueryHelper[*Person]) *Person { return &Person{QuietStart: -1, QuietEnd: -1} }

func (p *Person) Scan(row dbutil.Scannable) (*Person, error) {
	var lang, tz sql.NullString
	if err := row.Scan(&p.UserID, &lang, &tz, &p.AwayFrom, &p.AwayUntil, &p.QuietStart, &p.QuietEnd); err != nil {
		return nil, err
	}
	p.Language, p.Timezone = lang.String, tz.String
	return p, nil
}

type PersonQuery struct {
	*dbutil.QueryHelper[*Person]
}

// Get returns the person's row, or an empty one for someone who chose nothing.
func (q *PersonQuery) Get(ctx context.Context, userID id.UserID) (*Person, error) {
	p, err := q.QueryOne(ctx, getPersonQuery, userID)
	if err != nil {
		return nil, fmt.Errorf("failed to get person %s: %w", userID, err)
	}
	if p == nil {
		p = &Person{UserID: userID, QuietStart: -1, QuietEnd: -1}
	}
	return p, nil
}

func (q *PersonQuery) SetLanguage(ctx context.Context, userID id.UserID, lang string) error {
	if err := q.Exec(ctx, setPersonLanguageQuery, userID, lang); err != nil {
		return fmt.Errorf("failed to set personal language: %w", err)
	}
	return nil
}

func (q *PersonQuery) SetTimezone(ctx context.Context, userID id.UserID, tz string) error {
	if err := q.Exec(ctx, setPersonTimezoneQuery, userID, tz); err != nil {
		return fmt.Errorf("failed to set personal time zone: %w", err)
	}
	return nil
}

// SetAway records the days the person is away ("", "": not away).
func (q *PersonQuery) SetAway(ctx context.Context, userID id.UserID, from, until string) error {
	if err := q.Exec(ctx, setPersonAwayQuery, userID, from, until); err != nil {
		return fmt.Errorf("failed to set time away: %w", err)
	}
	return nil
}

// SetQuiet records the person's quiet hours (-1, -1: none).
func (q *PersonQuery) SetQuiet(ctx context.Context, userID id.UserID, start, end int) error {
	if err := q.Exec(ctx, setPersonQuietQuery, userID, start, end); err != nil {
		return fmt.Errorf("failed to set quiet hours: %w", err)
	}
	return nil
}
