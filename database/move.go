package database

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"maunium.net/go/mautrix/id"
)

// Move is a coalition on its way from one instance to another: the rows
// that make it up, enough for the other instance's bot to go on serving its
// rooms, and the history mapping that keeps replies, edits and deletions of
// earlier messages reaching their copies.
type Move struct {
	Version    int                 `json:"version"`
	From       id.UserID           `json:"from"`
	To         id.UserID           `json:"to"`
	ExportedAt time.Time           `json:"exported_at"`
	Coalition  string              `json:"coalition"`
	Rooms      []id.RoomID         `json:"rooms"`
	Tables     map[string][][]any  `json:"tables"`
	Columns    map[string][]string `json:"columns"`
	// Ledger is the coalition's reciprocity ledger, each entry with its
	// audit trail; entries get new ids where they go.
	Ledger []*MovedLedgerEntry `json:"ledger,omitempty"`
}

// MovedLedgerEntry is a ledger entry and its audit trail, on the move.
type MovedLedgerEntry struct {
	Entry *LedgerEntry   `json:"entry"`
	Audit []*LedgerAudit `json:"audit"`
}

const moveVersion = 1

// moveTable is one table's part of a move: which of its columns travel and
// which rows belong to the coalition ($1) and its rooms (the rooms CTE).
type moveTable struct {
	name string
	// columns are name:kind, kind t (text), i (integer) or b (boolean), so
	// values read from one engine are written to the other as they were.
	columns []string
	where   string
	// conflict is the ON CONFLICT clause of the import ("" fails on a clash).
	conflict string
}

// moved lists the tables in the order they are written (parents first).
// A schedule and a cover get new ids; a schedule keeps its last occurrence,
// so nothing fires twice.
var moved = []moveTable{
	{name: "coalition", columns: []string{"id:t", "name:t", "created_by:t", "created_at:i"}, where: "id=$1"},
	{name: "room", columns: []string{"room_id:t", "language:t", "timezone:t", "mixed:b"}, where: "room_id IN (SELECT room_id FROM moved_rooms)",
		conflict: "ON CONFLICT (room_id) DO UPDATE SET language=excluded.language, timezone=excluded.timezone, mixed=excluded.mixed"},
	{name: "coalition_room", columns: []string{"room_id:t", "coalition_id:t", "paused:b", "added_by:t", "added_at:i"}, where: "coalition_id=$1"},
	{name: "glossary_term", columns: []string{"coalition_id:t", "term_key:t", "term:t", "forms:t", "encrypted:b"}, where: "coalition_id=$1"},
	{name: "watch_room", columns: []string{"coalition_id:t", "room_id:t"}, where: "coalition_id=$1"},
	{name: "responder_room", columns: []string{"coalition_id:t", "room_id:t", "policy:t", "vacated_by:t"}, where: "coalition_id=$1"},
	{name: "duty_rota", columns: []string{"coalition_id:t", "people:t", "daily:b", "weekday:i", "minute:i", "anchor:t", "created_by:t", "created_at:i"}, where: "coalition_id=$1"},
	// Offers still waiting for consent stay behind: the reaction that would
	// agree to one reaches the old bot's message.
	{name: "duty_cover", columns: []string{"coalition_id:t", "person:t", "cover:t", "start_at:i", "until_at:i", "created_by:t", "created_at:i"}, where: "coalition_id=$1 AND awaiting=''"},
	{name: "schedule", columns: []string{"kind:t", "room_id:t", "coalition_id:t", "created_by:t", "created_at:i", "when_text:t", "zone:t", "text:t", "lang:t",
		"window_ms:i", "rotation:t", "paused:b", "last_occurrence:i", "occurrences:i", "encrypted:b", "template:t"},
		where: "cancelled=false AND (coalition_id=$1 OR (coalition_id='' AND room_id IN (SELECT room_id FROM moved_rooms)))"},
	{name: "relay_copy", columns: []string{"source_event:t", "source_room:t", "target_room:t", "copy_event:t", "source_sender:t", "copied_at:i", "translation:t", "route:t", "copied_by:t"},
		where: "source_room IN (SELECT room_id FROM moved_rooms) AND target_room IN (SELECT room_id FROM moved_rooms)", conflict: "ON CONFLICT DO NOTHING"},
}

const movedRoomsCTE = `WITH moved_rooms AS (SELECT room_id FROM coalition_room WHERE coalition_id=$1) `

// ErrMoveBlocked is why a coalition cannot move yet.
var ErrMoveBlocked = errors.New("the coalition cannot move yet")

// moveBlockers are what would be lost or answered twice if the coalition
// moved now: work the old bot must finish first.
var moveBlockers = []struct{ query, what string }{
	{`SELECT count(*) FROM incident WHERE coalition_id=$1 AND state<>'resolved'`, "open incident reports (resolve them first)"},
	{`SELECT count(*) FROM form WHERE closed=false AND (coalition_id=$1 OR room_id IN (SELECT room_id FROM moved_rooms))`, "open forms (close them first)"},
	{`SELECT count(*) FROM relay_delivery WHERE done=false AND target_room IN (SELECT room_id FROM moved_rooms)`, "copies still to send (let the bot finish sending them)"},
}

// ExportCoalition reads the coalition's move to the bot to, and hands its
// rooms over in this database: the coalition is gone from it, and each room
// is waiting for this bot to invite the other and leave. Nothing changes
// when something would be lost; write is called with the move before the
// hand-over is committed, so a move that was not written did not happen.
func (db *Database) ExportCoalition(ctx context.Context, coalitionID string, from, to id.UserID, now time.Time, write func(*Move) error) error {
	return db.DoTxn(ctx, nil, func(ctx context.Context) error {
		c, err := db.Coalition.Get(ctx, coalitionID)
		if err != nil {
			return err
		} else if c == nil {
			return fmt.Errorf("no coalition %q", coalitionID)
		}
		var blocked []string
		for _, b := range moveBlockers {
			var n int
			if err = db.QueryRow(ctx, movedRoomsCTE+b.query, coalitionID).Scan(&n); err != nil {
				return fmt.Errorf("failed to check the coalition can move: %w", err)
			} else if n > 0 {
				blocked = append(blocked, fmt.Sprintf("%d %s", n, b.what))
			}
		}
		if len(blocked) > 0 {
			return fmt.Errorf("%w: %s", ErrMoveBlocked, strings.Join(blocked, "; "))
		}
		links, err := db.CoalitionRoom.List(ctx, coalitionID)
		if err != nil {
			return err
		}
		m := &Move{Version: moveVersion, From: from, To: to, ExportedAt: now.UTC(), Coalition: coalitionID,
			Tables: map[string][][]any{}, Columns: map[string][]string{}}
		for _, l := range links {
			m.Rooms = append(m.Rooms, l.RoomID)
		}
		for _, t := range moved {
			if m.Tables[t.name], err = db.readMoved(ctx, t, coalitionID); err != nil {
				return err
			}
			m.Columns[t.name] = t.columns
		}
		if m.Ledger, err = db.readLedger(ctx, coalitionID); err != nil {
			return err
		}
		// This bot's copies are another bot's where they are going.
		for _, row := range m.Tables["relay_copy"] {
			if by := row[len(row)-1].(**string); *by == nil || **by == "" {
				made := from.String()
				*by = &made
			}
		}
		if err = write(m); err != nil {
			return err
		}
		return db.handOver(ctx, m, now)
	})
}

// handOver forgets what moved and has the bot leave the rooms; the rows
// the coalition's deletion does not reach go by hand.
func (db *Database) handOver(ctx context.Context, m *Move, now time.Time) error {
	for _, room := range m.Rooms {
		if err := db.RoomMove.Put(ctx, &RoomMove{RoomID: room, MovedTo: m.To, MovedAt: now}); err != nil {
			return err
		}
	}
	for _, q := range []string{
		`UPDATE schedule SET cancelled=true WHERE cancelled=false AND (coalition_id=$1 OR (coalition_id='' AND room_id IN (SELECT room_id FROM moved_rooms)))`,
		`DELETE FROM relay_copy WHERE source_room IN (SELECT room_id FROM moved_rooms) OR target_room IN (SELECT room_id FROM moved_rooms)`,
		`DELETE FROM responder_room WHERE coalition_id=$1`,
		// Events from now on are another bot's work (see Bot.fresh).
		`UPDATE room SET joined_at=NULL WHERE room_id IN (SELECT room_id FROM moved_rooms)`,
	} {
		if _, err := db.Exec(ctx, movedRoomsCTE+q, m.Coalition); err != nil {
			return fmt.Errorf("failed to hand the coalition over: %w", err)
		}
	}
	return db.Coalition.Delete(ctx, m.Coalition)
}

func (db *Database) readMoved(ctx context.Context, t moveTable, coalitionID string) ([][]any, error) {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], _, _ = strings.Cut(c, ":")
	}
	rows, err := db.Query(ctx, movedRoomsCTE+`SELECT `+strings.Join(names, ", ")+` FROM `+t.name+` WHERE `+t.where, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", t.name, err)
	}
	defer rows.Close()
	out := [][]any{}
	for rows.Next() {
		values := make([]any, len(t.columns))
		for i, c := range t.columns {
			switch c[len(c)-1] {
			case 't':
				values[i] = new(*string)
			case 'i':
				values[i] = new(*int64)
			case 'b':
				values[i] = new(*bool)
			}
		}
		if err = rows.Scan(values...); err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", t.name, err)
		}
		out = append(out, values)
	}
	return out, rows.Err()
}

// ImportCoalition writes a move into this database, for the bot self: its
// rooms keep their settings and links, and the bot serves them once it is
// invited in. A move meant for another bot, or one whose coalition or rooms
// this instance already serves, is refused whole.
func (db *Database) ImportCoalition(ctx context.Context, m *Move, self id.UserID) error {
	if m.Version != moveVersion {
		return fmt.Errorf("a move of version %d, this bot reads %d", m.Version, moveVersion)
	}
	if m.To != self {
		return fmt.Errorf("the move is for %s, this bot is %s", m.To, self)
	}
	return db.DoTxn(ctx, nil, func(ctx context.Context) error {
		if c, err := db.Coalition.Get(ctx, m.Coalition); err != nil {
			return err
		} else if c != nil {
			return fmt.Errorf("coalition %q is already here", m.Coalition)
		}
		for _, room := range m.Rooms {
			if l, err := db.CoalitionRoom.Get(ctx, room); err != nil {
				return err
			} else if l != nil {
				return fmt.Errorf("room %s is already in a coalition here", room)
			}
		}
		for _, t := range moved {
			if err := db.writeMoved(ctx, t, m); err != nil {
				return err
			}
		}
		return db.writeLedger(ctx, m)
	})
}

const (
	movedLedgerQuery       = `SELECT ` + ledgerColumns + ` FROM ledger_entry WHERE coalition_id=$1 ORDER BY id`
	insertMovedLedgerQuery = `
		INSERT INTO ledger_entry (coalition_id, from_room, to_room, kind, hundredths, unit, note, note_lang, link_event, author,
			encrypted, created_at, updated_at, withdrawn)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`
)

// readLedger is the coalition's ledger with every entry's audit trail.
func (db *Database) readLedger(ctx context.Context, coalitionID string) ([]*MovedLedgerEntry, error) {
	entries, err := db.Ledger.QueryMany(ctx, movedLedgerQuery, coalitionID)
	if err != nil {
		return nil, fmt.Errorf("failed to read the ledger: %w", err)
	}
	out := make([]*MovedLedgerEntry, len(entries))
	for i, e := range entries {
		audit, err := db.LedgerAudit.List(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out[i] = &MovedLedgerEntry{Entry: e, Audit: audit}
	}
	return out, nil
}

// writeLedger writes the moved ledger, each entry under a new id with its
// audit trail as it was.
func (db *Database) writeLedger(ctx context.Context, m *Move) error {
	for _, moved := range m.Ledger {
		e := moved.Entry
		if e == nil || e.CoalitionID != m.Coalition {
			return fmt.Errorf("the move's ledger holds an entry of another coalition")
		}
		var newID int64
		if err := db.QueryRow(ctx, insertMovedLedgerQuery, e.CoalitionID, e.FromRoom, e.ToRoom, e.Kind, e.Hundredths, e.Unit, e.Note,
			e.NoteLang, e.LinkEvent, e.Author, e.Encrypted, e.CreatedAt.UnixMilli(), e.UpdatedAt.UnixMilli(), e.Withdrawn).Scan(&newID); err != nil {
			return fmt.Errorf("failed to write the ledger: %w", err)
		}
		for _, a := range moved.Audit {
			if err := auditLedger(ctx, db.Database, newID, a.At, a.Actor, a.Action, a.Before); err != nil {
				return err
			}
		}
	}
	return nil
}

func (db *Database) writeMoved(ctx context.Context, t moveTable, m *Move) error {
	if strings.Join(m.Columns[t.name], ",") != strings.Join(t.columns, ",") {
		return fmt.Errorf("the move's %s has columns %v, want %v", t.name, m.Columns[t.name], t.columns)
	}
	names := make([]string, len(t.columns))
	params := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i], _, _ = strings.Cut(c, ":")
		params[i] = fmt.Sprintf("$%d", i+1)
	}
	insert := `INSERT INTO ` + t.name + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(params, ", ") + `) ` + t.conflict
	for _, row := range m.Tables[t.name] {
		values, err := moveValues(t.columns, row)
		if err != nil {
			return fmt.Errorf("the move's %s: %w", t.name, err)
		}
		if _, err = db.Exec(ctx, insert, values...); err != nil {
			return fmt.Errorf("failed to write %s: %w", t.name, err)
		}
	}
	return nil
}

// moveValues types a row read back from JSON by its columns' kinds.
func moveValues(columns []string, row []any) ([]any, error) {
	if len(row) != len(columns) {
		return nil, fmt.Errorf("a row of %d values for %d columns", len(row), len(columns))
	}
	out := make([]any, len(row))
	for i, c := range columns {
		if row[i] == nil {
			continue
		}
		var ok bool
		switch c[len(c)-1] {
		case 't':
			out[i], ok = row[i].(string)
		case 'i':
			// Read with UseNumber: milliseconds stay exact.
			var n json.Number
			if n, ok = row[i].(json.Number); ok {
				v, err := n.Int64()
				if err != nil {
					return nil, fmt.Errorf("column %s: %w", c, err)
				}
				out[i] = v
			}
		case 'b':
			out[i], ok = row[i].(bool)
		}
		if !ok {
			return nil, fmt.Errorf("column %s holds %T", c, row[i])
		}
	}
	return out, nil
}
