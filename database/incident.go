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

// Incident states.
const (
	IncidentOpen         = "open"
	IncidentAcknowledged = "acknowledged"
	IncidentResolved     = "resolved"
)

const (
	incidentColumns = `id, coalition_id, responder_room, reporter, reporter_room, reporter_lang, anonymous, severity, answers,
		state, created_at, acked_at, resolved_at, relayed_event, escalations, next_escalation, acked_by, round, merged_into`
	insertIncidentQuery = `
		INSERT INTO incident (coalition_id, responder_room, reporter, reporter_room, reporter_lang, anonymous, severity, answers,
			state, created_at, next_escalation)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`
	getIncidentQuery        = `SELECT ` + incidentColumns + ` FROM incident WHERE id=$1`
	countOpenIncidentsQuery = `SELECT COUNT(*) FROM incident WHERE state='open'`
	unrelayedIncidentsQuery = `SELECT ` + incidentColumns + ` FROM incident WHERE relayed_event='' AND state<>'resolved' ORDER BY id`
	dueEscalationsQuery     = `SELECT ` + incidentColumns + ` FROM incident WHERE state IN ('open', 'acknowledged') AND relayed_event<>'' AND next_escalation>0 AND next_escalation<=$1 ORDER BY next_escalation`
	openByRoomQuery         = `SELECT ` + incidentColumns + ` FROM incident WHERE responder_room=$1 AND state<>'resolved' ORDER BY id`
	latestOpenByReporter    = `
		SELECT ` + incidentColumns + ` FROM incident WHERE reporter=$1 AND reporter_room=$2
			AND (state<>'resolved' OR merged_into IN (SELECT id FROM incident WHERE state<>'resolved'))
		ORDER BY id DESC LIMIT 1`
	setRelayedQuery         = `UPDATE incident SET relayed_event=$2 WHERE id=$1`
	reassignIncidentsQuery  = `UPDATE incident SET responder_room=$2 WHERE coalition_id=$1 AND relayed_event='' AND state<>'resolved'`
	assignIncidentQuery     = `UPDATE incident SET coalition_id=$2, responder_room=$3, next_escalation=$4 WHERE id=$1 AND responder_room=''`
	setEscalationQuery      = `UPDATE incident SET escalations=$2, next_escalation=$3 WHERE id=$1 AND escalations=$4 AND state='open'`
	setSeverityQuery        = `UPDATE incident SET severity=$2, escalations=0, round=round+1, next_escalation=$3 WHERE id=$1 AND state='open'`
	openByReporterQuery     = `SELECT ` + incidentColumns + ` FROM incident WHERE reporter=$1 AND state<>'resolved' ORDER BY id`
	holdEscalationQuery     = `UPDATE incident SET next_escalation=$2 WHERE id=$1 AND state<>'resolved' AND next_escalation>0`
	holdOpenQuery           = `UPDATE incident SET next_escalation=$2 WHERE id=$1 AND state='open' AND next_escalation>0`
	ackIncidentQuery        = `UPDATE incident SET state='acknowledged', acked_at=$2, acked_by=$3, next_escalation=$4 WHERE id=$1 AND state='open'`
	reopenIncidentQuery     = `UPDATE incident SET state='open', acked_by='', escalations=0, round=round+1, next_escalation=$2 WHERE id=$1 AND state='acknowledged' AND acked_at=$3`
	resolveIncidentQuery    = `UPDATE incident SET state='resolved', resolved_at=$2, next_escalation=0 WHERE id=$1 AND state<>'resolved'`
	remergeIncidentsQuery   = `UPDATE incident SET merged_into=$2 WHERE merged_into=$1`
	mergeIncidentQuery      = `UPDATE incident SET state='resolved', resolved_at=$2, next_escalation=0, merged_into=$3 WHERE id=$1 AND state<>'resolved'`
	purgeIncidentsQuery     = `DELETE FROM incident WHERE created_at < $1`
	insertAuditQuery        = `INSERT INTO incident_audit (incident_id, at, actor, action, detail) VALUES ($1, $2, $3, $4, $5)`
	listAuditQuery          = `SELECT at, actor, action, detail FROM incident_audit WHERE incident_id=$1 ORDER BY at`
	insertIncidentPostQuery = `INSERT INTO incident_post (event_id, incident_id) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING`
	incidentByPostQuery     = `SELECT incident_id FROM incident_post WHERE event_id=$1`
	getResponderRoomQuery   = `SELECT room_id, policy FROM responder_room WHERE coalition_id=$1`
	setResponderRoomQuery   = `
		INSERT INTO responder_room (coalition_id, room_id, vacated_by) VALUES ($1, $2, '')
		ON CONFLICT (coalition_id) DO UPDATE SET room_id=excluded.room_id, vacated_by=''`
	// moveResponderRoomQuery moves the role only from the room it was read
	// to be in ($3, '' for none), and only to a room of the coalition: of two
	// moves at once, or a move and the room's removal, one wins.
	moveResponderRoomQuery = `
		INSERT INTO responder_room (coalition_id, room_id, vacated_by)
		SELECT $1, $2, '' WHERE EXISTS (SELECT 1 FROM coalition_room WHERE coalition_id=$1 AND room_id=$2)
		ON CONFLICT (coalition_id) DO UPDATE SET room_id=excluded.room_id, vacated_by=''
		WHERE responder_room.room_id=$3`
	vacateResponderRoomQuery = `UPDATE responder_room SET room_id='', vacated_by=$2 WHERE coalition_id=$1`
	formerResponderQuery     = `SELECT vacated_by FROM responder_room WHERE coalition_id=$1`
	setPolicyQuery           = `UPDATE responder_room SET policy=$2 WHERE coalition_id=$1`
	// The reporter's direct chat moved: every open report follows.
	setReporterRoomQuery = `UPDATE incident SET reporter_room=$2 WHERE reporter=$1 AND state<>'resolved'`
	reportersInQuery     = `SELECT DISTINCT reporter FROM incident WHERE reporter_room=$1 AND state<>'resolved'`
	latestOpenOfQuery    = `SELECT ` + incidentColumns + ` FROM incident WHERE reporter=$1 AND state<>'resolved' ORDER BY id DESC LIMIT 1`
)

// Incident is one report and what happened to it.
type Incident struct {
	ID             int64
	CoalitionID    string
	ResponderRoom  id.RoomID
	Reporter       id.UserID
	ReporterRoom   id.RoomID
	ReporterLang   string
	Anonymous      bool
	Severity       string
	Answers        map[string]StoredAnswer
	State          string
	CreatedAt      time.Time
	AckedAt        time.Time
	ResolvedAt     time.Time
	RelayedEvent   id.EventID
	Escalations    int
	NextEscalation time.Time
	// AckedBy took the incident ("" when nobody has, or it lapsed).
	AckedBy id.UserID
	// Round counts the times its escalation started again.
	Round int
	// MergedInto is the report this one was merged into (0: none).
	MergedInto int64
}

func newIncident(_ *dbutil.QueryHelper[*Incident]) *Incident { return &Incident{} }

func ms(t int64) time.Time {
	if t == 0 {
		return time.Time{}
	}
	return time.UnixMilli(t)
}

func unixMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func (i *Incident) Scan(row dbutil.Scannable) (*Incident, error) {
	var answers string
	var created, acked, resolved, next int64
	if err := row.Scan(&i.ID, &i.CoalitionID, &i.ResponderRoom, &i.Reporter, &i.ReporterRoom, &i.ReporterLang, &i.Anonymous,
		&i.Severity, &answers, &i.State, &created, &acked, &resolved, &i.RelayedEvent, &i.Escalations, &next, &i.AckedBy, &i.Round, &i.MergedInto); err != nil {
		return nil, err
	}
	i.CreatedAt, i.AckedAt, i.ResolvedAt, i.NextEscalation = ms(created), ms(acked), ms(resolved), ms(next)
	return i, json.Unmarshal([]byte(answers), &i.Answers)
}

type IncidentQuery struct {
	*dbutil.QueryHelper[*Incident]
}

// Insert stores a new report; it is durable when this returns.
func (q *IncidentQuery) Insert(ctx context.Context, i *Incident) error {
	answers, err := json.Marshal(i.Answers)
	if err != nil {
		return err
	}
	err = q.GetDB().QueryRow(ctx, insertIncidentQuery, i.CoalitionID, i.ResponderRoom, i.Reporter, i.ReporterRoom, i.ReporterLang,
		i.Anonymous, i.Severity, string(answers), i.State, i.CreatedAt.UnixMilli(), unixMS(i.NextEscalation)).Scan(&i.ID)
	if err != nil {
		return fmt.Errorf("failed to store incident: %w", err)
	}
	return nil
}

// CountOpen counts reports no responder has acknowledged yet.
func (q *IncidentQuery) CountOpen(ctx context.Context) (int, error) {
	var n int
	if err := q.GetDB().QueryRow(ctx, countOpenIncidentsQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("failed to count open incidents: %w", err)
	}
	return n, nil
}

func (q *IncidentQuery) Get(ctx context.Context, incidentID int64) (*Incident, error) {
	i, err := q.QueryOne(ctx, getIncidentQuery, incidentID)
	if err != nil {
		return nil, fmt.Errorf("failed to get incident: %w", err)
	}
	return i, nil
}

// Unrelayed lists reports not yet posted to responders.
func (q *IncidentQuery) Unrelayed(ctx context.Context) ([]*Incident, error) {
	return q.QueryMany(ctx, unrelayedIncidentsQuery)
}

// DueEscalations lists open reports whose next escalation is due.
func (q *IncidentQuery) DueEscalations(ctx context.Context, now time.Time) ([]*Incident, error) {
	return q.QueryMany(ctx, dueEscalationsQuery, now.UnixMilli())
}

// OpenIn lists the reports of a responder room that are not resolved.
func (q *IncidentQuery) OpenIn(ctx context.Context, roomID id.RoomID) ([]*Incident, error) {
	return q.QueryMany(ctx, openByRoomQuery, roomID)
}

// LatestOpenBy is the reporter's most recent unresolved report from that
// direct chat, or nil.
func (q *IncidentQuery) LatestOpenBy(ctx context.Context, reporter id.UserID, roomID id.RoomID) (*Incident, error) {
	return q.QueryOne(ctx, latestOpenByReporter, reporter, roomID)
}

func (q *IncidentQuery) SetRelayed(ctx context.Context, incidentID int64, eventID id.EventID) error {
	return q.Exec(ctx, setRelayedQuery, incidentID, eventID)
}

// Reassign moves the coalition's reports not yet posted to its new
// responder room.
func (q *IncidentQuery) Reassign(ctx context.Context, coalitionID string, roomID id.RoomID) error {
	return q.Exec(ctx, reassignIncidentsQuery, coalitionID, roomID)
}

// Assign gives a report stored without responders the room it goes to.
func (q *IncidentQuery) Assign(ctx context.Context, incidentID int64, coalitionID string, roomID id.RoomID, nextEscalation time.Time) error {
	return q.Exec(ctx, assignIncidentQuery, incidentID, coalitionID, roomID, unixMS(nextEscalation))
}

// SetEscalation records step `done` as sent; it returns false when another
// pass recorded it first.
func (q *IncidentQuery) SetEscalation(ctx context.Context, incidentID int64, done int, next time.Time) (bool, error) {
	res, err := q.GetDB().Exec(ctx, setEscalationQuery, incidentID, done, unixMS(next), done-1)
	if err != nil {
		return false, fmt.Errorf("failed to record escalation: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetSeverity changes an open incident's severity and starts its
// escalation again (next zero: never).
func (q *IncidentQuery) SetSeverity(ctx context.Context, incidentID int64, severity string, next time.Time) (bool, error) {
	return q.changed(q.GetDB().Exec(ctx, setSeverityQuery, incidentID, severity, unixMS(next)))
}

// OpenByReporter lists the reporter's reports not yet resolved.
func (q *IncidentQuery) OpenByReporter(ctx context.Context, reporter id.UserID) ([]*Incident, error) {
	list, err := q.QueryMany(ctx, openByReporterQuery, reporter)
	if err != nil {
		return nil, fmt.Errorf("failed to list reports: %w", err)
	}
	return list, nil
}

// Hold puts the next escalation off until then, without counting one.
func (q *IncidentQuery) Hold(ctx context.Context, incidentID int64, until time.Time) error {
	if _, err := q.GetDB().Exec(ctx, holdEscalationQuery, incidentID, unixMS(until)); err != nil {
		return fmt.Errorf("failed to hold escalation: %w", err)
	}
	return nil
}

// Ack acknowledges an open report; false when it was not open.
// by took it; deadline is when, not resolved by then, they are paged
// again (zero: never).
func (q *IncidentQuery) Ack(ctx context.Context, incidentID int64, at time.Time, by id.UserID, deadline time.Time) (bool, error) {
	return q.changed(q.GetDB().Exec(ctx, ackIncidentQuery, incidentID, at.UnixMilli(), by, unixMS(deadline)))
}

// Reopen hands back an incident taken at ackedAt (and by nobody since): it
// escalates again from the start, in a new round, next at next.
func (q *IncidentQuery) Reopen(ctx context.Context, incidentID int64, ackedAt, next time.Time) (bool, error) {
	return q.changed(q.GetDB().Exec(ctx, reopenIncidentQuery, incidentID, unixMS(next), ackedAt.UnixMilli()))
}

// HoldOpen is Hold for an incident nobody has taken: the escalation's own
// wait, which a fresh ack must not inherit.
func (q *IncidentQuery) HoldOpen(ctx context.Context, incidentID int64, until time.Time) error {
	if _, err := q.GetDB().Exec(ctx, holdOpenQuery, incidentID, unixMS(until)); err != nil {
		return fmt.Errorf("failed to hold escalation: %w", err)
	}
	return nil
}

// Resolve resolves a report; false when it was resolved already.
func (q *IncidentQuery) Resolve(ctx context.Context, incidentID int64, at time.Time) (bool, error) {
	return q.changed(q.GetDB().Exec(ctx, resolveIncidentQuery, incidentID, at.UnixMilli()))
}

// Merge closes a report as a duplicate of into; false when it was
// resolved already.
func (q *IncidentQuery) Merge(ctx context.Context, incidentID, into int64, at time.Time) (bool, error) {
	merged, err := q.changed(q.GetDB().Exec(ctx, mergeIncidentQuery, incidentID, at.UnixMilli(), into))
	if err != nil || !merged {
		return merged, err
	}
	// Reports merged into this one follow it.
	if _, err = q.GetDB().Exec(ctx, remergeIncidentsQuery, incidentID, into); err != nil {
		return true, fmt.Errorf("failed to follow a merge: %w", err)
	}
	return true, nil
}

func (q *IncidentQuery) changed(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("failed to update incident: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Purge deletes reports (with their audit and posts) created before cutoff.
func (q *IncidentQuery) Purge(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.GetDB().Exec(ctx, purgeIncidentsQuery, before.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("failed to purge incidents: %w", err)
	}
	return res.RowsAffected()
}

// AuditEntry is one line of an incident's audit trail.
type AuditEntry struct {
	At     time.Time
	Actor  string
	Action string
	Detail string
}

func (q *IncidentQuery) Audit(ctx context.Context, incidentID int64, e AuditEntry) error {
	if err := q.Exec(ctx, insertAuditQuery, incidentID, e.At.UnixMilli(), e.Actor, e.Action, e.Detail); err != nil {
		return fmt.Errorf("failed to write audit: %w", err)
	}
	return nil
}

func (q *IncidentQuery) AuditTrail(ctx context.Context, incidentID int64) ([]AuditEntry, error) {
	rows, err := q.GetDB().Query(ctx, listAuditQuery, incidentID)
	if err != nil {
		return nil, fmt.Errorf("failed to read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err = rows.Scan(&at, &e.Actor, &e.Action, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (q *IncidentQuery) PutPost(ctx context.Context, eventID id.EventID, incidentID int64) error {
	return q.Exec(ctx, insertIncidentPostQuery, eventID, incidentID)
}

// ByPost returns the incident a responder-room post belongs to, or 0.
func (q *IncidentQuery) ByPost(ctx context.Context, eventID id.EventID) (int64, error) {
	var incidentID int64
	err := q.GetDB().QueryRow(ctx, incidentByPostQuery, eventID).Scan(&incidentID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return incidentID, err
}

// ResponderRoom returns a coalition's responder room and policy JSON.
func (q *IncidentQuery) ResponderRoom(ctx context.Context, coalitionID string) (id.RoomID, string, error) {
	var room id.RoomID
	var policy string
	err := q.GetDB().QueryRow(ctx, getResponderRoomQuery, coalitionID).Scan(&room, &policy)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return room, policy, err
}

func (q *IncidentQuery) SetResponderRoom(ctx context.Context, coalitionID string, roomID id.RoomID) error {
	return q.Exec(ctx, setResponderRoomQuery, coalitionID, roomID)
}

// MoveResponderRoom moves the coalition's responder role from the room
// that has it (from, "" for none) to roomID, a room of the coalition. It
// tells whether it did: not when the role or the room's membership changed
// since they were read.
func (q *IncidentQuery) MoveResponderRoom(ctx context.Context, coalitionID string, from, roomID id.RoomID) (bool, error) {
	res, err := q.GetDB().Exec(ctx, moveResponderRoomQuery, coalitionID, roomID, from)
	if err != nil {
		return false, fmt.Errorf("failed to move responder room: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// VacateResponderRoom leaves a coalition without a responder room after
// its responder room was taken out by others: that room's moderators still
// decide where the role goes next.
func (q *IncidentQuery) VacateResponderRoom(ctx context.Context, coalitionID string, former id.RoomID) error {
	if err := q.Exec(ctx, vacateResponderRoomQuery, coalitionID, former); err != nil {
		return fmt.Errorf("failed to vacate responder room: %w", err)
	}
	return nil
}

// FormerResponder is the responder room taken out of the coalition by
// others, while no new one was set ("" otherwise).
func (q *IncidentQuery) FormerResponder(ctx context.Context, coalitionID string) (id.RoomID, error) {
	var room id.RoomID
	err := q.GetDB().QueryRow(ctx, formerResponderQuery, coalitionID).Scan(&room)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("failed to get former responder room: %w", err)
	}
	return room, nil
}

func (q *IncidentQuery) SetPolicy(ctx context.Context, coalitionID, policy string) error {
	return q.Exec(ctx, setPolicyQuery, coalitionID, policy)
}

// SetReporterRoom moves the reporter's open incidents to another direct chat.
func (q *IncidentQuery) SetReporterRoom(ctx context.Context, reporter id.UserID, roomID id.RoomID) error {
	if err := q.Exec(ctx, setReporterRoomQuery, reporter, roomID); err != nil {
		return fmt.Errorf("failed to move reporter's direct chat: %w", err)
	}
	return nil
}

// ReportersIn lists who reported open incidents from the room.
func (q *IncidentQuery) ReportersIn(ctx context.Context, roomID id.RoomID) ([]id.UserID, error) {
	rows, err := q.GetDB().Query(ctx, reportersInQuery, roomID)
	out, err := dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[id.UserID], err).AsList()
	if err != nil {
		return nil, fmt.Errorf("failed to list reporters in room: %w", err)
	}
	return out, nil
}

// LatestOpenOf is the reporter's most recent unresolved incident, or nil.
func (q *IncidentQuery) LatestOpenOf(ctx context.Context, reporter id.UserID) (*Incident, error) {
	inc, err := q.QueryOne(ctx, latestOpenOfQuery, reporter)
	if err != nil {
		return nil, fmt.Errorf("failed to get open incident: %w", err)
	}
	return inc, nil
}
