package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.mau.fi/util/dbutil"
	"maunium.net/go/mautrix/crypto"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"starling/database"
	"starling/internal/pgtest"
)

var (
	pgOnce sync.Once
	pg     *pgtest.Server
	pgErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		pg.Stop()
	}
	os.Exit(code)
}

func postgres(t *testing.T) *pgtest.Server {
	t.Helper()
	pgOnce.Do(func() { pg, pgErr = pgtest.Shared() })
	if pgErr != nil {
		t.Fatalf("PostgreSQL for tests: %v", pgErr)
	}
	return pg
}

const (
	testPickleKey = "test-pickle-key-0123456789"
	testRoom      = id.RoomID("!room:example.org")
	testDevice    = id.DeviceID("BACKUPDEV")
)

// writeConfig writes a config whose database is uri.
func writeConfig(t *testing.T, uri string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf("homeserver: {url: 'http://127.0.0.1:1'}\nbot: {user_id: '@starling:example.org', password: pw}\n"+
		"encryption: {pickle_key: %q}\ndatabase: {uri: %q}\n", testPickleKey, uri)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// botDB is a database as the bot leaves it: Starling's tables and a crypto
// store with a device, a room key it can decrypt with and the outgoing
// session it encrypts with.
type botDB struct {
	raw     *dbutil.Database
	db      *database.Database
	inbound id.SessionID
}

func newBotDB(t *testing.T, uri, dialect string) *botDB {
	t.Helper()
	ctx := context.Background()
	raw, err := database.Open(uri, dialect, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	db := database.New(raw, zerolog.Nop())
	if err = db.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if err = db.BotState.Set(ctx, "marker", "kept"); err != nil {
		t.Fatal(err)
	}
	store := cryptoStore(t, raw)
	account := crypto.NewOlmAccount()
	if err = store.PutAccount(ctx, account); err != nil {
		t.Fatal(err)
	}
	out, err := crypto.NewOutboundGroupSession(testRoom, &event.EncryptionEventContent{Algorithm: id.AlgorithmMegolmV1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err = store.AddOutboundGroupSession(ctx, out); err != nil {
		t.Fatal(err)
	}
	in, err := crypto.NewInboundGroupSession(account.IdentityKey(), account.SigningKey(), testRoom, out.Internal.Key(), 0, 0, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if err = store.PutGroupSession(ctx, in); err != nil {
		t.Fatal(err)
	}
	return &botDB{raw: raw, db: db, inbound: in.ID()}
}

func cryptoStore(t *testing.T, raw *dbutil.Database) *crypto.SQLCryptoStore {
	t.Helper()
	store := crypto.NewSQLCryptoStore(raw, dbutil.NoopLogger, "", testDevice, []byte(testPickleKey))
	if err := store.DB.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	return store
}

// assertRestorable opens a restored database as the bot would: the same
// device and room keys, read with the same pickle key, Starling's own rows,
// and no outgoing session to reuse.
func assertRestorable(t *testing.T, uri, dialect string, inbound id.SessionID) {
	t.Helper()
	ctx := context.Background()
	raw, err := database.Open(uri, dialect, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	db := database.New(raw, zerolog.Nop())
	if err = db.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := db.BotState.Get(ctx, "marker"); err != nil || !ok || v != "kept" {
		t.Errorf("Starling's own rows: %q %v %v", v, ok, err)
	}
	store := cryptoStore(t, raw)
	if account, err := store.GetAccount(ctx); err != nil || account == nil {
		t.Fatalf("the device's account did not come back: %v", err)
	}
	var device id.DeviceID
	if err = raw.QueryRow(ctx, "SELECT device_id FROM crypto_account").Scan(&device); err != nil || device != testDevice {
		t.Errorf("device %q (%v), want %s", device, err, testDevice)
	}
	if sess, err := store.GetGroupSession(ctx, testRoom, inbound); err != nil || sess == nil {
		t.Errorf("the room key did not come back: %v", err)
	}
	if out, err := store.GetOutboundGroupSession(ctx, testRoom); err != nil || out != nil {
		t.Errorf("the outgoing Megolm session was kept (%v): a restored bot would reuse its message numbers", err)
	}
}

func TestBackupSQLiteWhileTheBotWrites(t *testing.T) {
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "starling.db") + "?_txlock=immediate"
	bdb := newBotDB(t, uri, "sqlite3-fk-wal")
	config := writeConfig(t, uri)

	// The running bot keeps writing while the copy is made.
	ctx, cancel := context.WithCancel(context.Background())
	writes := make(chan int)
	go func() {
		n := 0
		for ; ctx.Err() == nil; n++ {
			if err := bdb.db.BotState.Set(ctx, fmt.Sprintf("write-%d", n%50), time.Now().String()); err != nil && ctx.Err() == nil {
				t.Errorf("the bot's write failed during the backup: %v", err)
				break
			}
		}
		writes <- n
	}()
	target := filepath.Join(t.TempDir(), "backup.db")
	code, stdout, stderr := runCmd("-c", config, "backup", target)
	cancel()
	if n := <-writes; n == 0 {
		t.Error("the bot wrote nothing during the backup")
	}
	if code != 0 {
		t.Fatalf("backup exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, target) || !strings.Contains(stdout, "device "+string(testDevice)) {
		t.Errorf("the report does not name the file and the device:\n%s", stdout)
	}
	info, err := os.Stat(target)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("backup mode %o, want 600", mode)
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(target + suffix); err == nil {
			t.Errorf("%s was left beside the backup", target+suffix)
		}
	}
	// The live database still has its outgoing session: only the copy drops it.
	if out, err := cryptoStore(t, bdb.raw).GetOutboundGroupSession(context.Background(), testRoom); err != nil || out == nil {
		t.Errorf("the live database lost its outgoing session: %v", err)
	}

	// Restore: copy the file to the new machine's database path.
	restored := filepath.Join(t.TempDir(), "starling.db")
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if err = os.WriteFile(restored, data, 0o600); err != nil {
		t.Fatal(err)
	}
	assertRestorable(t, "file:"+restored+"?_txlock=immediate", "sqlite3-fk-wal", bdb.inbound)

	// Never over an existing file; flags may follow the command.
	code, _, stderr = runCmd("backup", "-c", config, target)
	if code != 1 || !strings.Contains(stderr, "already exists") {
		t.Errorf("a backup over an existing file: exit %d, %s", code, stderr)
	}
	if after, err := os.ReadFile(target); err != nil || !bytes.Equal(after, data) {
		t.Error("the existing backup was changed")
	}
}

func TestBackupIntoAFolder(t *testing.T) {
	uri := "file:" + filepath.Join(t.TempDir(), "starling.db") + "?_txlock=immediate"
	newBotDB(t, uri, "sqlite3-fk-wal")
	folder := t.TempDir()
	if code, _, stderr := runCmd("-c", writeConfig(t, uri), "backup", folder); code != 0 {
		t.Fatalf("backup exited %d: %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(folder, "starling-*.db"))
	if len(files) != 1 {
		t.Fatalf("the folder holds %v, want one starling-<time>.db", files)
	}
}

func TestBackupErrors(t *testing.T) {
	missing := "file:" + filepath.Join(t.TempDir(), "none.db") + "?_txlock=immediate"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"-c", writeConfig(t, missing), "backup"}, 2, "usage: starling [-c config.yaml] backup"},
		{"two files", []string{"-c", writeConfig(t, missing), "backup", "a", "b"}, 2, "usage:"},
		{"no database yet", []string{"-c", writeConfig(t, missing), "backup", filepath.Join(t.TempDir(), "b.db")}, 1, "no database at"},
		{"in memory", []string{"-c", writeConfig(t, "file::memory:"), "backup", filepath.Join(t.TempDir(), "b.db")}, 1, "in-memory"},
		{"unknown command", []string{"restore", "x"}, 2, `unknown command "restore"`},
		{"bad config", []string{"-c", filepath.Join(t.TempDir(), "none.yaml"), "backup", "x"}, 1, "failed to read config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCmd(tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, tc.code, tc.want)
			}
		})
	}
	if _, err := os.Stat(strings.TrimSuffix(strings.TrimPrefix(missing, "file:"), "?_txlock=immediate")); err == nil {
		t.Error("backup created the database it did not find")
	}
}

// withPassword puts a password into a postgres:// URI; the test server
// trusts every local connection, so any password works.
func withPassword(uri, password string) string {
	return strings.Replace(uri, "postgres://starling@", "postgres://starling:"+password+"@", 1)
}

func TestBackupPostgresWithPgDump(t *testing.T) {
	if _, err := exec.LookPath("pg_dump"); err != nil {
		t.Fatal("pg_dump is not installed (Debian's postgresql package, which make deps installs, brings it)")
	}
	server := postgres(t)
	uri := server.NewDatabase(t)
	bdb := newBotDB(t, uri, "postgres")
	const password = "s3cret-Pa55"
	target := filepath.Join(t.TempDir(), "starling.dump")
	code, stdout, stderr := runCmd("-c", writeConfig(t, withPassword(uri, password)+"&binary_parameters=yes"), "backup", target)
	if code != 0 {
		t.Fatalf("backup exited %d: %s", code, stderr)
	}
	if strings.Contains(stdout+stderr, password) {
		t.Errorf("the password was printed:\n%s%s", stdout, stderr)
	}
	if !strings.Contains(stdout, "PGPASSWORD='<the password in database.uri>' pg_dump") || !strings.Contains(stdout, "pg_restore") {
		t.Errorf("the report does not show the command and the restore:\n%s", stdout)
	}
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("PGDMP")) {
		t.Errorf("not a pg_dump custom-format file: %q", data[:min(len(data), 16)])
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %o, want 600", info.Mode().Perm())
	}

	// Restore as the README says: pg_restore into an empty database.
	fresh := server.NewDatabase(t)
	if out, err := exec.Command("pg_restore", "--no-owner", "--dbname="+fresh, target).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	assertRestorable(t, fresh, "postgres", bdb.inbound)
}

func TestBackupPostgresWithoutPgDump(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	const password = "s3cret-Pa55"
	config := writeConfig(t, "postgres://starling:"+password+"@db.example.org:5432/starling?sslmode=require")
	code, stdout, stderr := runCmd("-c", config, "backup", filepath.Join(t.TempDir(), "x.dump"))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := "PGPASSWORD='<the password in database.uri>' pg_dump --format=custom --exclude-table-data=crypto_megolm_outbound_session " +
		"'--dbname=postgres://starling@db.example.org:5432/starling?sslmode=require' > "
	if !strings.Contains(stderr, "pg_dump is not installed") || !strings.Contains(stderr, want) {
		t.Errorf("stderr does not say how to run pg_dump:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, password) {
		t.Errorf("the password was printed:\n%s", stderr)
	}
}

func TestPgDumpDSN(t *testing.T) {
	dsn, password, err := pgDumpDSN("postgres://bot:p%40ss@h:5433/db?sslmode=disable&binary_parameters=yes")
	if err != nil {
		t.Fatal(err)
	}
	if dsn != "postgres://bot@h:5433/db?sslmode=disable" || password != "p@ss" {
		t.Errorf("got %q %q", dsn, password)
	}
}
