package database

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.mau.fi/util/dbutil"
)

// compareSchemas lists what only want has and what only got has.
func compareSchemas(want, got []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}

// schemaOf describes every table as far as the bot can tell them apart:
// columns with type, nullability and default, indexes, keys and foreign
// keys, one sorted line each. Column order is left out: ALTER TABLE can only
// append, and no query depends on it.
func schemaOf(t *testing.T, db *dbutil.Database) []string {
	t.Helper()
	var out []string
	var err error
	switch db.Dialect {
	case dbutil.SQLite:
		out, err = sqliteSchema(context.Background(), db)
	case dbutil.Postgres:
		out, err = postgresSchema(context.Background(), db)
	default:
		t.Fatalf("no schema description for %s", db.Dialect)
	}
	if err != nil {
		t.Fatalf("failed to describe schema: %v", err)
	}
	slices.Sort(out)
	return out
}

func sqliteSchema(ctx context.Context, db *dbutil.Database) ([]string, error) {
	tables, err := strings1(ctx, db, `SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, table := range tables {
		out = append(out, "table "+table)
		var withoutRowID, strict bool
		if err = db.QueryRow(ctx, `SELECT wr, strict FROM pragma_table_list WHERE schema='main' AND name=$1`, table).Scan(&withoutRowID, &strict); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%s: without rowid %v, strict %v", table, withoutRowID, strict))
		rows, err := db.Query(ctx, `SELECT name, type, "notnull", COALESCE(dflt_value, 'NULL'), pk FROM pragma_table_info($1)`, table)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, typ, def string
			var notNull bool
			var pk int
			if err = rows.Scan(&name, &typ, &notNull, &def, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, fmt.Sprintf("%s.%s %s%s default %s, primary key part %d", table, name, strings.ToUpper(typ), notNullText(notNull), def, pk))
		}
		if err = closeRows(rows); err != nil {
			return nil, err
		}
		rows, err = db.Query(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list($1)`, table)
		if err != nil {
			return nil, err
		}
		type index struct {
			name, origin    string
			unique, partial bool
		}
		var indexes []index
		for rows.Next() {
			var ix index
			if err = rows.Scan(&ix.name, &ix.unique, &ix.origin, &ix.partial); err != nil {
				rows.Close()
				return nil, err
			}
			indexes = append(indexes, ix)
		}
		if err = closeRows(rows); err != nil {
			return nil, err
		}
		for _, ix := range indexes {
			cols, err := strings1(ctx, db, `SELECT COALESCE(name, '<expr>') FROM pragma_index_xinfo($1) WHERE key ORDER BY seqno`, ix.name)
			if err != nil {
				return nil, err
			}
			// The names SQLite gives a table's own key and unique indexes
			// count the constraints; the columns are what matters.
			name := ix.name
			if ix.origin != "c" {
				name = map[string]string{"pk": "primary key", "u": "unique constraint"}[ix.origin]
			}
			out = append(out, fmt.Sprintf("%s: index %s (%s) unique %v partial %v", table, name, strings.Join(cols, ", "), ix.unique, ix.partial))
		}
		rows, err = db.Query(ctx, `SELECT id, "table", "from", COALESCE("to", ''), on_update, on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq`, table)
		if err != nil {
			return nil, err
		}
		keys := map[int]*[5]string{}
		var ids []int
		for rows.Next() {
			var n int
			var parent, from, to, onUpdate, onDelete string
			if err = rows.Scan(&n, &parent, &from, &to, &onUpdate, &onDelete); err != nil {
				rows.Close()
				return nil, err
			}
			if keys[n] == nil {
				keys[n] = &[5]string{parent, "", "", onUpdate, onDelete}
				ids = append(ids, n)
			}
			keys[n][1] = strings.TrimPrefix(keys[n][1]+", "+from, ", ")
			keys[n][2] = strings.TrimPrefix(keys[n][2]+", "+to, ", ")
		}
		if err = closeRows(rows); err != nil {
			return nil, err
		}
		for _, n := range ids {
			k := keys[n]
			out = append(out, fmt.Sprintf("%s: foreign key (%s) references %s (%s) on update %s on delete %s", table, k[1], k[0], k[2], k[3], k[4]))
		}
	}
	return out, nil
}

func postgresSchema(ctx context.Context, db *dbutil.Database) ([]string, error) {
	var out []string
	tables, err := strings1(ctx, db, `SELECT 'table ' || tablename FROM pg_tables WHERE schemaname=current_schema()`)
	if err != nil {
		return nil, err
	}
	out = append(out, tables...)
	rows, err := db.Query(ctx, `
		SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
			COALESCE(pg_get_expr(d.adbin, d.adrelid), 'NULL'), a.attidentity
		FROM pg_attribute a
		JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var table, name, typ, def, identity string
		var notNull bool
		if err = rows.Scan(&table, &name, &typ, &notNull, &def, &identity); err != nil {
			rows.Close()
			return nil, err
		}
		identity = map[string]string{"": "", "a": ", generated always as identity", "d": ", generated by default as identity"}[identity]
		out = append(out, fmt.Sprintf("%s.%s %s%s default %s%s", table, name, strings.ToUpper(typ), notNullText(notNull), def, identity))
	}
	if err = closeRows(rows); err != nil {
		return nil, err
	}
	indexes, err := strings1(ctx, db, `SELECT tablename || ': ' || indexdef FROM pg_indexes WHERE schemaname=current_schema()`)
	if err != nil {
		return nil, err
	}
	out = append(out, indexes...)
	constraints, err := strings1(ctx, db, `
		SELECT c.relname || ': constraint ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
		FROM pg_constraint con
		JOIN pg_class c ON c.oid = con.conrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema()`)
	if err != nil {
		return nil, err
	}
	return append(out, constraints...), nil
}

func notNullText(notNull bool) string {
	if notNull {
		return " not null"
	}
	return ""
}

// strings1 reads a one-column result.
func strings1(ctx context.Context, db *dbutil.Database, query string, args ...any) ([]string, error) {
	rows, err := db.Query(ctx, query, args...)
	return dbutil.NewRowIterWithError(rows, dbutil.ScanSingleColumn[string], err).AsList()
}

func closeRows(rows dbutil.Rows) error {
	err := rows.Err()
	if closeErr := rows.Close(); err == nil {
		err = closeErr
	}
	return err
}
