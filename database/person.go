package database

import (
	"context"
	"database/sql"
	"fmt"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	getPersonQuery         = `SELECT user_id, language, timezone FROM person WHERE user_id=$1`
	setPersonLanguageQuery = `
		INSERT INTO person (user_id, language) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET language=excluded.language`
	setPersonTimezoneQuery = `
		INSERT INTO person (user_id, timezone) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET timezone=excluded.timezone`
)

// Person holds what someone chose for themselves; empty means not chosen.
type Person struct {
	UserID   id.UserID
	Language string
	Timezone string
}

func newPerson(_ *dbutil.QueryHelper[*Person]) *Person { return &Person{} }

func (p *Person) Scan(row dbutil.Scannable) (*Person, error) {
	var lang, tz sql.NullString
	if err := row.Scan(&p.UserID, &lang, &tz); err != nil {
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
		p = &Person{UserID: userID}
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
