package database

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/id"
)

const (
	formColumns       = `id, template, room_id, coalition_id, created_by, created_at, deadline, closed, results_everywhere, origin, results_posted`
	insertFormQuery   = `INSERT INTO form (template, room_id, coalition_id, created_by, created_at, deadline, results_everywhere, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
	getFormQuery      = `SELECT ` + formColumns + ` FROM form WHERE id=$1`
	formByOriginQuery = `SELECT ` + formColumns + ` FROM form WHERE origin=$1 AND origin<>''`
	visibleFormQuery  = `SELECT ` + formColumns + ` FROM form WHERE room_id=$1 OR (coalition_id<>'' AND coalition_id=$2) ORDER BY id`
	openFormsQuery    = `SELECT ` + formColumns + ` FROM form WHERE NOT closed ORDER BY id`
	// dueFormsQuery: forms past their deadline, and closed forms whose
	// results are still owed.
	dueFormsQuery      = `SELECT ` + formColumns + ` FROM form WHERE NOT results_posted AND (closed OR (deadline>0 AND deadline<=$1))`
	closeFormQuery     = `UPDATE form SET closed=true WHERE id=$1 AND NOT closed`
	resultsPostedQuery = `UPDATE form SET results_posted=true WHERE id=$1`

	insertInvitationQuery = `INSERT INTO form_invitation (event_id, form_id, room_id) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING`
	invitationFormQuery   = `SELECT form_id FROM form_invitation WHERE event_id=$1`
	invitedRoomsQuery     = `SELECT room_id FROM form_invitation WHERE form_id=$1`
	addParticipantQuery   = `INSERT INTO form_participant (form_id, user_id) VALUES ($1, $2) ON CONFLICT (form_id, user_id) DO NOTHING`
	isParticipantQuery    = `SELECT EXISTS (SELECT 1 FROM form_participant WHERE form_id=$1 AND user_id=$2)`

	upsertResponseQuery = `
		INSERT INTO form_response (form_id, user_id, lang, submitted_at, answers) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (form_id, user_id) DO UPDATE SET lang=excluded.lang, submitted_at=excluded.submitted_at, answers=excluded.answers`
	listResponsesQuery = `SELECT user_id, lang, submitted_at, answers FROM form_response WHERE form_id=$1 ORDER BY submitted_at, user_id`
)

// Form is one run of a template in a room (and its coalition).
type Form struct {
	ID          int64
	Template    string
	RoomID      id.RoomID
	CoalitionID string
	CreatedBy   id.UserID
	CreatedAt   time.Time
	Deadline    time.Time
	Closed      bool
	// ResultsEverywhere sends the results to every room of the coalition,
	// each in its language (a listening circle's retro).
	ResultsEverywhere bool
	// Origin is what opened the form when no person did
	// ("circle:<schedule>:<occurrence>"): one form per origin, answered
	// only by the participants it was opened for.
	Origin string
	// ResultsPosted: the closed form's results reached every room.
	ResultsPosted bool
}

func newForm(_ *dbutil.QueryHelper[*Form]) *Form { return &Form{} }

func (f *Form) Scan(row dbutil.Scannable) (*Form, error) {
	var created, deadline int64
	if err := row.Scan(&f.ID, &f.Template, &f.RoomID, &f.CoalitionID, &f.CreatedBy, &created, &deadline, &f.Closed, &f.ResultsEverywhere, &f.Origin, &f.ResultsPosted); err != nil {
		return nil, err
	}
	f.CreatedAt = time.UnixMilli(created)
	if deadline > 0 {
		f.Deadline = time.UnixMilli(deadline)
	}
	return f, nil
}

type FormQuery struct {
	*dbutil.QueryHelper[*Form]
}

func (q *FormQuery) Insert(ctx context.Context, f *Form) error {
	var deadline int64
	if !f.Deadline.IsZero() {
		deadline = f.Deadline.UnixMilli()
	}
	err := q.GetDB().QueryRow(ctx, insertFormQuery, f.Template, f.RoomID, f.CoalitionID, f.CreatedBy, f.CreatedAt.UnixMilli(), deadline, f.ResultsEverywhere, f.Origin).Scan(&f.ID)
	if err != nil {
		return fmt.Errorf("failed to store form: %w", err)
	}
	return nil
}

// ByOrigin is the form origin opened, or nil.
func (q *FormQuery) ByOrigin(ctx context.Context, origin string) (*Form, error) {
	f, err := q.QueryOne(ctx, formByOriginQuery, origin)
	if err != nil {
		return nil, fmt.Errorf("failed to get form: %w", err)
	}
	return f, nil
}

// InvitedRooms are the rooms a form's invitation was posted in.
func (q *FormQuery) InvitedRooms(ctx context.Context, formID int64) ([]id.RoomID, error) {
	rows, err := q.GetDB().Query(ctx, invitedRoomsQuery, formID)
	out, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.RoomID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list a form's invitations: %w", err)
	}
	return out, nil
}

// AddParticipants lets the people answer a form opened by invitation only.
func (q *FormQuery) AddParticipants(ctx context.Context, formID int64, people []id.UserID) error {
	return q.GetDB().DoTxn(ctx, nil, func(ctx context.Context) error {
		for _, p := range people {
			if _, err := q.GetDB().Exec(ctx, addParticipantQuery, formID, p); err != nil {
				return fmt.Errorf("failed to add a form's participant: %w", err)
			}
		}
		return nil
	})
}

// IsParticipant tells whether the person was invited to answer the form.
func (q *FormQuery) IsParticipant(ctx context.Context, formID int64, userID id.UserID) (bool, error) {
	var ok bool
	if err := q.GetDB().QueryRow(ctx, isParticipantQuery, formID, userID).Scan(&ok); err != nil {
		return false, fmt.Errorf("failed to check a form's participant: %w", err)
	}
	return ok, nil
}

func (q *FormQuery) Get(ctx context.Context, formID int64) (*Form, error) {
	f, err := q.QueryOne(ctx, getFormQuery, formID)
	if err != nil {
		return nil, fmt.Errorf("failed to get form: %w", err)
	}
	return f, nil
}

// Visible lists the forms of a room and of its coalition.
func (q *FormQuery) Visible(ctx context.Context, roomID id.RoomID, coalitionID string) ([]*Form, error) {
	f, err := q.QueryMany(ctx, visibleFormQuery, roomID, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to list forms: %w", err)
	}
	return f, nil
}

// Open lists the forms not closed.
func (q *FormQuery) Open(ctx context.Context) ([]*Form, error) {
	f, err := q.QueryMany(ctx, openFormsQuery)
	if err != nil {
		return nil, fmt.Errorf("failed to list open forms: %w", err)
	}
	return f, nil
}

// Due lists open forms whose deadline has passed.
func (q *FormQuery) Due(ctx context.Context, now time.Time) ([]*Form, error) {
	f, err := q.QueryMany(ctx, dueFormsQuery, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("failed to list due forms: %w", err)
	}
	return f, nil
}

// Close closes the form; it returns false if it was closed already.
func (q *FormQuery) Close(ctx context.Context, formID int64) (bool, error) {
	res, err := q.GetDB().Exec(ctx, closeFormQuery, formID)
	if err != nil {
		return false, fmt.Errorf("failed to close form: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ResultsPosted records that a closed form's results reached every room.
func (q *FormQuery) ResultsPosted(ctx context.Context, formID int64) error {
	if _, err := q.GetDB().Exec(ctx, resultsPostedQuery, formID); err != nil {
		return fmt.Errorf("failed to record a form's results: %w", err)
	}
	return nil
}

func (q *FormQuery) PutInvitation(ctx context.Context, eventID id.EventID, formID int64, roomID id.RoomID) error {
	if _, err := q.GetDB().Exec(ctx, insertInvitationQuery, eventID, formID, roomID); err != nil {
		return fmt.Errorf("failed to record invitation: %w", err)
	}
	return nil
}

// InvitationForm returns the form an invitation event belongs to, or 0.
func (q *FormQuery) InvitationForm(ctx context.Context, eventID id.EventID) (int64, error) {
	var formID int64
	err := q.GetDB().QueryRow(ctx, invitationFormQuery, eventID).Scan(&formID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return formID, err
}

// Response is one person's submitted answers.
type Response struct {
	UserID      id.UserID
	Lang        string
	SubmittedAt time.Time
	Answers     map[string]StoredAnswer
}

// StoredAnswer is an answer as kept: a language-independent value and what
// the person wrote.
type StoredAnswer struct {
	Value string `json:"value"`
	Shown string `json:"shown"`
}

// PutResponse stores (or replaces) a person's answers.
func (q *FormQuery) PutResponse(ctx context.Context, formID int64, r *Response) error {
	data, err := json.Marshal(r.Answers)
	if err != nil {
		return err
	}
	if _, err = q.GetDB().Exec(ctx, upsertResponseQuery, formID, r.UserID, r.Lang, r.SubmittedAt.UnixMilli(), string(data)); err != nil {
		return fmt.Errorf("failed to store response: %w", err)
	}
	return nil
}

func (q *FormQuery) Responses(ctx context.Context, formID int64) ([]*Response, error) {
	rows, err := q.GetDB().Query(ctx, listResponsesQuery, formID)
	if err != nil {
		return nil, fmt.Errorf("failed to list responses: %w", err)
	}
	defer rows.Close()
	var out []*Response
	for rows.Next() {
		var r Response
		var at int64
		var answers string
		if err = rows.Scan(&r.UserID, &r.Lang, &at, &answers); err != nil {
			return nil, err
		}
		r.SubmittedAt = time.UnixMilli(at)
		if err = json.Unmarshal([]byte(answers), &r.Answers); err != nil {
			return nil, fmt.Errorf("failed to read response: %w", err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}
