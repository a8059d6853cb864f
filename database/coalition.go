package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	insertCoalitionQuery = `INSERT INTO coalition (id, name, created_by, created_at) VALUES ($1, $2, $3, $4)`
	getCoalitionQuery    = `SELECT id, name, created_by, created_at FROM coalition WHERE id=$1`
	deleteCoalitionQuery = `DELETE FROM coalition WHERE id=$1`
	namedCoalitionQuery  = `SELECT id, name, created_by, created_at FROM coalition WHERE id=$1 OR name=$1 ORDER BY created_at`
)

// Coalition is a group of linked rooms.
type Coalition struct {
	ID        string
	Name      string
	CreatedBy id.UserID
	CreatedAt time.Time
}

func newCoalition(_ *dbutil.QueryHelper[*Coalition]) *Coalition { return &Coalition{} }

func (c *Coalition) Scan(row dbutil.Scannable) (*Coalition, error) {
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &c.CreatedBy, &created); err != nil {
		return nil, err
	}
	c.CreatedAt = time.UnixMilli(created)
	return c, nil
}

type CoalitionQuery struct {
	*dbutil.QueryHelper[*Coalition]
}

func (q *CoalitionQuery) Insert(ctx context.Context, c *Coalition) error {
	if err := q.Exec(ctx, insertCoalitionQuery, c.ID, c.Name, c.CreatedBy, c.CreatedAt.UnixMilli()); err != nil {
		return fmt.Errorf("failed to insert coalition: %w", err)
	}
	return nil
}

// Get returns the coalition or nil.
func (q *CoalitionQuery) Get(ctx context.Context, coalitionID string) (*Coalition, error) {
	c, err := q.QueryOne(ctx, getCoalitionQuery, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to get coalition: %w", err)
	}
	return c, nil
}

func (q *CoalitionQuery) Delete(ctx context.Context, coalitionID string) error {
	if err := q.Exec(ctx, deleteCoalitionQuery, coalitionID); err != nil {
		return fmt.Errorf("failed to delete coalition: %w", err)
	}
	return nil
}

// Named are the coalitions with this id or name.
func (q *CoalitionQuery) Named(ctx context.Context, idOrName string) ([]*Coalition, error) {
	cs, err := q.QueryMany(ctx, namedCoalitionQuery, idOrName)
	if err != nil {
		return nil, fmt.Errorf("failed to find coalition: %w", err)
	}
	return cs, nil
}
