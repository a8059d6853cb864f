package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"starling/config"
	"starling/database"
)

// backupUsage is the one line the backup command is explained with.
const backupUsage = "starling [-c config.yaml] backup <file or folder>"

// backupCommand writes a consistent copy of the bot's database (its own
// tables, the crypto store and the Matrix state, which share it) to a new
// file, also while the bot runs. A folder gets a file named by the time.
func backupCommand(ctx context.Context, cfg *config.Config, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" {
		fmt.Fprintf(stderr, "usage: %s\n", backupUsage)
		return 2
	}
	dialect, err := cfg.Database.Dialect()
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: %v\n", err)
		return 1
	}
	if dialect == "postgres" {
		return backupPostgres(ctx, cfg.Database.URI, args[0], stdout, stderr)
	}
	target, err := backupTarget(args[0], ".db", time.Now())
	if err == nil {
		err = backupSQLite(ctx, cfg.Database.URI, dialect, target)
	}
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: %v\n", err)
		return 1
	}
	device, err := describeBackup(ctx, target)
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: the copy at %s is not usable: %v\n", target, err)
		return 1
	}
	fmt.Fprintf(stdout, "Backed up %s to %s (%s).\n"+
		"Restore: stop the bot, copy the file to the path in database.uri (no -wal or -shm files beside it), "+
		"and start it with the same encryption.pickle_key.\n",
		database.SQLitePath(cfg.Database.URI), target, device)
	return 0
}

// backupTarget is the file to write: path itself, or a new name inside it
// when it is a folder. It must not exist yet.
func backupTarget(path, ext string, now time.Time) (string, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "starling-"+now.UTC().Format("20060102-150405")+ext)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return abs, nil
}

// createExclusive creates the backup file readable by its owner only, and
// never over an existing file.
func createExclusive(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("%s already exists: a backup never overwrites a file; choose a new name or a folder", path)
	case err != nil:
		return nil, fmt.Errorf("failed to create the backup file: %w", err)
	}
	// The umask may have taken bits away, never added them; be explicit anyway.
	if err = f.Chmod(0o600); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("failed to restrict the backup file's mode: %w", err)
	}
	return f, nil
}

// backupSQLite copies the live database with VACUUM INTO: one read
// transaction, so the copy is consistent while the bot keeps writing, and
// compact. The empty file is made first (mode 0600), which VACUUM INTO accepts.
func backupSQLite(ctx context.Context, uri, dialect, target string) (err error) {
	src := database.SQLitePath(uri)
	if src == "" {
		return errors.New("database.uri is an in-memory database; there is nothing to back up")
	}
	if _, err = os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no database at %s (database.uri; a relative path starts in the current folder)", src)
	} else if err != nil {
		return fmt.Errorf("cannot read the database: %w", err)
	}
	f, err := createExclusive(target)
	if err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("failed to create the backup file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(target)
		}
	}()
	db, err := database.Open(uri, dialect, 1)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err = db.RawDB.ExecContext(ctx, "VACUUM INTO ?", target); err != nil {
		return fmt.Errorf("failed to copy %s: %w", src, err)
	}
	return forgetOutboundSessions(ctx, target)
}

// forgetOutboundSessions removes the bot's outgoing Megolm sessions from the
// copy. The bot goes on sending after a backup; restored with them, it would
// reuse message numbers it has already sent, and clients reject those
// messages as replays. Without them it starts new sessions and shares them.
// VACUUM then drops the removed keys from the file's free pages.
func forgetOutboundSessions(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DELETE FROM crypto_megolm_outbound_session")
	var sqliteErr sqlite3.Error
	if err != nil && !(errors.As(err, &sqliteErr) && strings.Contains(sqliteErr.Error(), "no such table")) {
		return fmt.Errorf("failed to remove outgoing Megolm sessions from the copy: %w", err)
	}
	if _, err = db.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("failed to compact the copy: %w", err)
	}
	return db.Close()
}

// describeBackup checks the copy and says what it holds: the bot's device
// lives in the crypto store, without which a restore would be a new device
// that cannot read the rooms' history.
func describeBackup(ctx context.Context, path string) (string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var check string
	if err = db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return "", err
	} else if check != "ok" {
		return "", fmt.Errorf("integrity check: %s", check)
	}
	var device string
	err = db.QueryRowContext(ctx, "SELECT device_id FROM crypto_account LIMIT 1").Scan(&device)
	var sqliteErr sqlite3.Error
	switch {
	case errors.Is(err, sql.ErrNoRows), errors.As(err, &sqliteErr) && strings.Contains(sqliteErr.Error(), "no such table"):
		return "no device yet: the bot has not logged in with this database", nil
	case err != nil:
		return "", err
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("device %s, %.1f MB", device, float64(info.Size())/1e6), nil
}

// backupPostgres runs pg_dump when it is installed; otherwise it prints the
// command to run. The password never appears on a command line: pg_dump
// gets it in PGPASSWORD.
func backupPostgres(ctx context.Context, uri, path string, stdout, stderr io.Writer) int {
	dsn, password, err := pgDumpDSN(uri)
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: database.uri: %v\n", err)
		return 1
	}
	target, err := backupTarget(path, ".dump", time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: %v\n", err)
		return 1
	}
	args := pgDumpArgs(dsn)
	shown := "pg_dump " + strings.Join(quoteAll(args), " ") + " > " + shellQuote(target)
	if password != "" {
		shown = "PGPASSWORD='<the password in database.uri>' " + shown
	}
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: the database is PostgreSQL, which pg_dump backs up, and pg_dump is not installed "+
			"(Debian: apt-get install postgresql-client, the same major version as the server). Then run:\n\n    umask 077\n    %s\n", shown)
		return 1
	}
	f, err := createExclusive(target)
	if err != nil {
		fmt.Fprintf(stderr, "starling backup: %v\n", err)
		return 1
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = os.Environ()
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	cmd.Stdout, cmd.Stderr = f, stderr
	err = cmd.Run()
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(target)
		fmt.Fprintf(stderr, "starling backup: pg_dump failed: %v\nThe command was:\n\n    %s\n", err, shown)
		return 1
	}
	fmt.Fprintf(stdout, "Backed up the PostgreSQL database to %s with:\n\n    %s\n\n"+
		"Restore: create an empty database, run pg_restore --no-owner --dbname=<its URI> %s, "+
		"and start the bot with the same encryption.pickle_key.\n", target, shown, shellQuote(target))
	return 0
}

// pgDumpArgs leaves out the bot's outgoing Megolm sessions: a restored bot
// that went on with them would reuse message numbers already sent, which
// clients reject; without them it starts new sessions.
func pgDumpArgs(dsn string) []string {
	return []string{"--format=custom", "--exclude-table-data=crypto_megolm_outbound_session", "--dbname=" + dsn}
}

// libpqUnknown are lib/pq connection parameters that pg_dump's libpq refuses.
var libpqUnknown = []string{"binary_parameters", "disable_prepared_binary_result"}

// pgDumpDSN splits the password off a postgres:// URI and drops parameters
// only the Go driver knows.
func pgDumpDSN(uri string) (dsn, password string, err error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", "", errors.New("not a valid URI")
	}
	if u.User != nil {
		password, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	q := u.Query()
	for _, k := range libpqUnknown {
		q.Del(k)
	}
	u.RawQuery = q.Encode()
	return u.String(), password, nil
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = shellQuote(a)
	}
	return out
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
