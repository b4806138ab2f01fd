// Package storetest opens real, migrated stores for tests: a SQLite file in the test's temporary directory, or a
// fresh schema of a PostgreSQL database when DOCKETD_TEST_POSTGRES names one. It opens them through store.Open, so
// the SQLite DSN and pragmas are always the store's own.
//
// Package store's own tests cannot import it (store would import itself); they keep their opener.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", to create and drop the test's schema

	"github.com/docketd/docketd/store"
)

// PostgresEnv is the environment variable that names a PostgreSQL server for tests, as a URL
// (postgres://user@host:port/db?sslmode=disable); unset, tests use SQLite.
const PostgresEnv = "DOCKETD_TEST_POSTGRES"

// Open returns a migrated store of its own for tb: on the PostgreSQL database PostgresEnv names, in a schema
// nothing else sees, or else in a new SQLite file in tb.TempDir(). It is closed (and the schema dropped) when the
// test ends.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	if base := os.Getenv(PostgresEnv); base != "" {
		return OpenPostgres(tb, base)
	}
	return OpenSQLite(tb)
}

// URL returns the store URL of a new, empty database of tb's own, as Open would use: a fresh schema of the
// PostgreSQL database PostgresEnv names (dropped when the test ends), or else a new SQLite file in tb.TempDir(). It is
// for a test that reaches the database beside the store too (with RawSQL), or opens it more than once (OpenURL).
func URL(tb testing.TB) string {
	tb.Helper()
	if base := os.Getenv(PostgresEnv); base != "" {
		return PostgresSchema(tb, base)
	}
	return SQLiteURL(tb)
}

// OpenURL returns a migrated store at rawURL (one URL and SQLiteURL give), closed when the test ends.
func OpenURL(tb testing.TB, rawURL string) *store.DB {
	tb.Helper()
	return open(tb, rawURL)
}

// RawSQL opens database/sql on the database at the store URL rawURL, with the store's own SQLite pragmas, for a
// test that does to the database what no store method does (plays an earlier version, or a rebuild). It is closed
// when the test ends. Its queries use the database's own placeholders: ? on SQLite, $1 on PostgreSQL.
func RawSQL(tb testing.TB, rawURL string) *sql.DB {
	tb.Helper()
	driver, dsn := "pgx", rawURL
	if path, ok := strings.CutPrefix(rawURL, "sqlite:"); ok {
		driver, dsn = "sqlite3", store.SQLiteDSN(path)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenSQLite returns a migrated store in a new SQLite file in tb.TempDir(), closed when the test ends: for a test
// about SQLite itself (a file, a backup), whatever PostgresEnv says.
func OpenSQLite(tb testing.TB) *store.DB {
	tb.Helper()
	return open(tb, SQLiteURL(tb))
}

// OpenPostgres returns a migrated store in a fresh schema of the PostgreSQL database at base, closed and its schema
// dropped when the test ends.
func OpenPostgres(tb testing.TB, base string) *store.DB {
	tb.Helper()
	return open(tb, PostgresSchema(tb, base))
}

// SQLiteURL returns the store URL ("sqlite:PATH") of a new database file in tb.TempDir(), for a test that opens
// the store itself or hands the URL to a daemon.
func SQLiteURL(tb testing.TB) string {
	tb.Helper()
	return "sqlite:" + filepath.Join(tb.TempDir(), "test.db")
}

func open(tb testing.TB, rawURL string) *store.DB {
	tb.Helper()
	db, err := store.Open(rawURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

var schemaSeq atomic.Int64

// PostgresSchema creates a new, empty schema in the PostgreSQL database at base and returns base with its
// search_path set to it, so that every connection opened with the URL (a store, a daemon, database/sql) works in
// it alone. The schema is dropped when the test ends, after the cleanups registered later (which close those
// connections) have run.
func PostgresSchema(tb testing.TB, base string) string {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", PostgresEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	schema := fmt.Sprintf("t_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
