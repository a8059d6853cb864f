// Package dbtest gives unit tests a real SQLite database with Starling's
// whole schema, in a file of the test's own.
package dbtest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"starling/database"
)

// Open creates a fresh database for the test.
func Open(t testing.TB) *database.Database {
	t.Helper()
	return OpenAt(t, filepath.Join(t.TempDir(), "starling.db"))
}

// OpenAt opens (or creates) the database at path, so a test can reopen it
// as a restarted bot would.
func OpenAt(t testing.TB, path string) *database.Database {
	t.Helper()
	raw, err := database.Open("file:"+path+"?_txlock=immediate", "sqlite3-fk-wal", 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	db := database.New(raw, zerolog.Nop())
	if err = db.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
