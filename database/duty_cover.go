package database

import (
	"context"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	dutyCoverColumns   = `id, coalition_id, person, cover, start_at, until_at, offer_event, awaiting, created_by, created_at`
	insertDutyCoverSQL = `
		INSERT INTO duty_cover (coalition_id, person, cover, start_at, until_at, offer_event, awaiting, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
	activeDutyCoversSQL = `SELECT ` + dutyCoverColumns + ` FROM duty_cover WHERE coalition_id=$1 AND awaiting='' AND until_at>$2 ORDER BY id`
	confirmDutyCoverSQL = `UPDATE duty_cover SET awaiting='' WHERE offer_event=$1 AND awaiting=$2 AND created_at>=$3`
	offerDutyCoversSQL  = `SELECT ` + dutyCoverColumns + ` FROM duty_cover WHERE offer_event=$1 ORDER BY id`
	deleteDutyCoversSQL = `DELETE FROM duty_cover WHERE coalition_id=$1`
	pruneDutyCoversSQL  = `DELETE FROM duty_cover WHERE until_at<=$1 OR (awaiting<>'' AND created_at<$2)`
)

// DutyCover is someone taking another person's duty turns for a while.
type DutyCover struct {
	ID          int64
	CoalitionID string
	// Cover takes Person's turns from Start until Until.
	Person, Cover id.UserID
	Start, Until  time.Time
	// OfferEvent asks Awaiting for consent; Awaiting is "" once given.
	OfferEvent id.EventID
	Awaiting   id.UserID
	CreatedBy  id.UserID
	CreatedAt  time.Time
}

func newDutyCover(_ *dbutil.QueryHelper[*DutyCover]) *DutyCover { return &DutyCover{} }

func (c *DutyCover) Scan(row dbutil.Scannable) (*DutyCover, error) {
	var start, until, created int64
	if err := row.Scan(&c.ID, &c.CoalitionID, &c.Person, &c.Cover, &start, &until, &c.OfferEvent, &c.Awaiting, &c.CreatedBy, &created); err != nil {
		return nil, err
	}
	c.Start, c.Until, c.CreatedAt = ms(start), ms(until), ms(created)
	return c, nil
}

type DutyCoverQuery struct {
	*dbutil.QueryHelper[*DutyCover]
}

// Insert stores covers, all or none: the two halves of a swap stand together.
func (q *DutyCoverQuery) Insert(ctx context.Context, covers ...*DutyCover) error {
	err := q.GetDB().DoTxn(ctx, nil, func(ctx context.Context) error {
		for _, c := range covers {
			if err := q.GetDB().QueryRow(ctx, insertDutyCoverSQL, c.CoalitionID, c.Person, c.Cover, c.Start.UnixMilli(), c.Until.UnixMilli(),
				c.OfferEvent, c.Awaiting, c.CreatedBy, c.CreatedAt.UnixMilli()).Scan(&c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("failed to store duty cover: %w", err)
	}
	return nil
}

// Active are the coalition's agreed covers that have not ended by now, in
// the order they were offered: a later one stands over an earlier.
func (q *DutyCoverQuery) Active(ctx context.Context, coalitionID string, now time.Time) ([]*DutyCover, error) {
	covers, err := q.QueryMany(ctx, activeDutyCoversSQL, coalitionID, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("failed to list duty covers: %w", err)
	}
	return covers, nil
}

// Offer is what the offer posted as eventID proposes, agreed or not.
func (q *DutyCoverQuery) Offer(ctx context.Context, eventID id.EventID) ([]*DutyCover, error) {
	covers, err := q.QueryMany(ctx, offerDutyCoversSQL, eventID)
	if err != nil {
		return nil, fmt.Errorf("failed to read duty offer: %w", err)
	}
	return covers, nil
}

// Confirm gives by's consent to the offer posted as eventID, if it awaits
// theirs and was made after since; false when it did not.
func (q *DutyCoverQuery) Confirm(ctx context.Context, eventID id.EventID, by id.UserID, since time.Time) (bool, error) {
	res, err := q.GetDB().Exec(ctx, confirmDutyCoverSQL, eventID, by, since.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("failed to confirm duty cover: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeleteCoalition removes every cover of the coalition, with its rota.
func (q *DutyCoverQuery) DeleteCoalition(ctx context.Context, coalitionID string) error {
	if err := q.Exec(ctx, deleteDutyCoversSQL, coalitionID); err != nil {
		return fmt.Errorf("failed to delete duty covers: %w", err)
	}
	return nil
}

// Prune deletes covers that have ended, and offers made before offeredBefore
// that nobody agreed to.
func (q *DutyCoverQuery) Prune(ctx context.Context, now, offeredBefore time.Time) error {
	if err := q.Exec(ctx, pruneDutyCoversSQL, now.UnixMilli(), offeredBefore.UnixMilli()); err != nil {
		return fmt.Errorf("failed to prune duty covers: %w", err)
	}
	return nil
}
