// Package database holds Starling's own tables. The bot's crypto and Matrix
// state stores share the same database under their own version tables.
// One file per table; numbered upgrades in upgrades/. It imports nothing of
// Starling's but its upgrades: what a row means is its owner's business.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	_ "go.mau.fi/util/dbutil/litestream" // registers the sqlite3-fk-wal driver

	_ "github.com/lib/pq" // registers the postgres driver

	"starling/database/upgrades"
)

// Database is Starling's view of its tables.
type Database struct {
	*dbutil.Database
	Room          *RoomQuery
	Person        *PersonQuery
	HandledEvent  *HandledEventQuery
	BotState      *BotStateQuery
	Coalition     *CoalitionQuery
	CoalitionRoom *CoalitionRoomQuery
	JoinCode      *JoinCodeQuery
	DutyRota      *DutyRotaQuery
	DutyCover     *DutyCoverQuery
	Glossary      *GlossaryTermQuery
	RelayJob      *RelayJobQuery
	RelayFailure  *RelayFailureQuery
	RelayCopy     *RelayCopyQuery
	RelayReaction *RelayReactionQuery
	SentTxn       *SentTxnQuery
	Schedule      *ScheduleQuery
	Occurrence    *OccurrenceQuery
	Post          *OccurrencePostQuery
	Report        *CheckinReportQuery
	RSVP          *VigilRSVPQuery
	Form          *FormQuery
	Conversation  *ConversationQuery
	Incident      *IncidentQuery
	Addition      *IncidentAdditionQuery
	RoomMove      *RoomMoveQuery
	Ledger        *LedgerEntryQuery
	LedgerAudit   *LedgerAuditQuery
	WatchRoom     *WatchRoomQuery
}

// Open connects to the database at uri with the given dbutil dialect. A new
// SQLite file is created readable by its owner only.
func Open(uri, dialect string, maxOpenConns int) (*dbutil.Database, error) {
	if dialect == "sqlite3-fk-wal" {
		if err := secureSQLiteFile(uri); err != nil {
			return nil, err
		}
	}
	driverName := dialect
	if dialect == "sqlite3-fk-wal" {
		driverName = sqliteDriver
	}
	db, err := dbutil.NewWithDialect(uri, driverName)
	if err != nil {
		return nil, fmt.Errorf("failed to open database: %w", err)
	}
	db.Owner = "starling"
	db.RawDB.SetMaxOpenConns(maxOpenConns)
	return db, nil
}

// SQLitePath is the file behind a file: URI ("" for an in-memory database).
func SQLitePath(uri string) string {
	path := strings.TrimPrefix(uri, "file:")
	path, _, _ = strings.Cut(path, "?")
	if path == "" || path == ":memory:" || strings.Contains(uri, "mode=memory") {
		return ""
	}
	return path
}

// secureSQLiteFile creates the database file with mode 0600 before SQLite
// does, and tightens an existing one; SQLite gives its -wal and -shm files the
// same mode as the main file.
func secureSQLiteFile(uri string) error {
	path := SQLitePath(uri)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("failed to create database file: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("failed to create database file: %w", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err = os.Chmod(p, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("failed to restrict database file mode: %w", err)
		}
	}
	return nil
}

// New wraps db with Starling's tables; call Upgrade before use.
func New(db *dbutil.Database, log zerolog.Logger) *Database {
	child := db.Child("starling_version", upgrades.Table, dbutil.ZeroLogger(log.With().Str("db_section", "starling").Logger()))
	return &Database{
		Database:      child,
		Room:          &RoomQuery{dbutil.MakeQueryHelper(child, newRoom)},
		Person:        &PersonQuery{dbutil.MakeQueryHelper(child, newPerson)},
		HandledEvent:  &HandledEventQuery{db: child},
		BotState:      &BotStateQuery{db: child},
		Coalition:     &CoalitionQuery{dbutil.MakeQueryHelper(child, newCoalition)},
		CoalitionRoom: &CoalitionRoomQuery{dbutil.MakeQueryHelper(child, newCoalitionRoom)},
		JoinCode:      &JoinCodeQuery{db: child},
		DutyRota:      &DutyRotaQuery{dbutil.MakeQueryHelper(child, newDutyRota)},
		DutyCover:     &DutyCoverQuery{dbutil.MakeQueryHelper(child, newDutyCover)},
		Glossary:      &GlossaryTermQuery{dbutil.MakeQueryHelper(child, newGlossaryTerm)},
		RelayJob:      &RelayJobQuery{db: child},
		RelayCopy:     &RelayCopyQuery{dbutil.MakeQueryHelper(child, newCopy)},
		RelayReaction: &RelayReactionQuery{db: child},
		RelayFailure:  &RelayFailureQuery{db: child},
		SentTxn:       &SentTxnQuery{db: child},
		Schedule:      &ScheduleQuery{dbutil.MakeQueryHelper(child, newSchedule)},
		Occurrence:    &OccurrenceQuery{dbutil.MakeQueryHelper(child, newOccurrence)},
		Post:          &OccurrencePostQuery{db: child},
		Report:        &CheckinReportQuery{dbutil.MakeQueryHelper(child, newReport)},
		RSVP:          &VigilRSVPQuery{db: child},
		Form:          &FormQuery{dbutil.MakeQueryHelper(child, newForm)},
		Conversation:  &ConversationQuery{dbutil.MakeQueryHelper(child, newConversation)},
		Incident:      &IncidentQuery{dbutil.MakeQueryHelper(child, newIncident)},
		Addition:      &IncidentAdditionQuery{dbutil.MakeQueryHelper(child, newAddition)},
		RoomMove:      &RoomMoveQuery{dbutil.MakeQueryHelper(child, newRoomMove)},
		Ledger:        &LedgerEntryQuery{dbutil.MakeQueryHelper(child, newLedgerEntry)},
		LedgerAudit:   &LedgerAuditQuery{dbutil.MakeQueryHelper(child, newLedgerAudit)},
		WatchRoom:     &WatchRoomQuery{db: child},
	}
}

// Upgrade brings the schema to the latest revision.
func (db *Database) Upgrade(ctx context.Context) error {
	if err := db.checkIsolated(ctx); err != nil {
		return err
	}
	if err := db.Database.Upgrade(ctx); err != nil {
		return fmt.Errorf("failed to upgrade database: %w", err)
	}
	return nil
}

// otherInstanceQuery finds the tables of another instance the role can see.
// Several instances share one PostgreSQL database with a schema each, named
// after its role. dbutil looks version tables up by name in every schema,
// so a role that can see another instance's tables would skip or break its
// own upgrades, and it could read that instance's reports: such a role is
// refused before anything is created.
const otherInstanceQuery = `
	SELECT table_schema FROM information_schema.tables
	WHERE table_name IN ('starling_version', 'crypto_version', 'mx_version')
	  AND table_schema <> COALESCE(current_schema(), '')
	LIMIT 1`

var ErrSharedSchema = errors.New("the database role can see another Starling instance's tables")

func (db *Database) checkIsolated(ctx context.Context) error {
	if db.Dialect != dbutil.Postgres {
		return nil
	}
	var current sql.NullString
	if err := db.QueryRow(ctx, "SELECT current_schema()").Scan(&current); err != nil {
		return fmt.Errorf("failed to read the current schema: %w", err)
	} else if !current.Valid {
		return errors.New("no schema to create tables in: create one named after the database role (CREATE SCHEMA AUTHORIZATION <role>)")
	}
	var other string
	err := db.QueryRow(ctx, otherInstanceQuery).Scan(&other)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("failed to check the schema is the instance's own: %w", err)
	}
	return fmt.Errorf("%w in schema %q (this one uses %q): give each instance its own role and a schema of the same name", ErrSharedSchema, other, current.String)
}
