package database

import (
	"database/sql"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3"
)

// sqliteDriver is SQLite as dbutil's sqlite3-fk-wal sets it up, but waiting
// longer for a lock: a backup, a maintenance script or a second process
// holding the file for several seconds must cost a moment, not an event
// whose handler gave up on SQLITE_BUSY after dbutil's five seconds.
const sqliteDriver = "sqlite3-starling"

// sqliteBusyTimeout is how long a statement waits for another writer.
const sqliteBusyTimeout = "30000"

func init() {
	sql.Register(sqliteDriver, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			for _, pragma := range []string{
				"PRAGMA foreign_keys = ON",
				"PRAGMA journal_mode = WAL",
				"PRAGMA synchronous = NORMAL",
				"PRAGMA busy_timeout = " + sqliteBusyTimeout,
			} {
				if _, err := conn.Exec(pragma, []driver.Value{}); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
