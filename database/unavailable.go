package database

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/lib/pq"
	"github.com/mattn/go-sqlite3"
)

// Unavailable tells an error of a database that cannot answer now — a
// PostgreSQL restart, a lost connection, SQLite locked past the wait — from
// one about the query or the data. Work that met the first kind is worth
// doing again in a moment; work that met the second would fail again.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var netErr net.Error
	var pqErr *pq.Error
	var liteErr sqlite3.Error
	switch {
	case errors.As(err, &netErr), errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &pqErr):
		// Class 08: connection exception; 57P01–57P03: the server is
		// shutting down, or starting.
		return pqErr.Code.Class() == "08" || pqErr.Code == "57P01" || pqErr.Code == "57P02" || pqErr.Code == "57P03"
	case errors.As(err, &liteErr):
		return liteErr.Code == sqlite3.ErrBusy || liteErr.Code == sqlite3.ErrLocked
	}
	// Never judged by the error's text: it can quote what a sender chose
	// (a session id, an event id), and a sender who could make every error
	// look like an outage would have the bot replay their event for ever.
	return false
}
