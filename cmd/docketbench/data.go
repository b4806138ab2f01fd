package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver" // the driver store's gormlite uses, for the raw baselines

	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
)

// syntheticSeed makes every run write the same file for the same size.
const syntheticSeed = 20270101

// scheduleFile returns a tbl_schedule file of n rows in the working directory, writing it the first time: the
// children of one run share it. Its hearings begin tomorrow, so all are upcoming.
func scheduleFile(o *options, n int) (string, error) {
	path := filepath.Join(o.Dir, fmt.Sprintf("tbl_schedule-%d.tsv", n))
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	tmp, err := os.CreateTemp(o.Dir, "tbl_schedule-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	start := time.Now().UTC().AddDate(0, 0, 1)
	if err := source.WriteSyntheticSchedule(tmp, n, syntheticSeed, start); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

// dbURL is the store URL of a scenario's database: a PostgreSQL URL as it is, anything else a SQLite file's path.
func dbURL(path string) string {
	if strings.HasPrefix(path, "postgres://") || strings.HasPrefix(path, "postgresql://") {
		return path
	}
	return "sqlite:" + path
}

// openStore opens and migrates a store at path (a SQLite file, or a PostgreSQL URL).
func openStore(ctx context.Context, path string) (*store.DB, error) {
	db, err := store.Open(dbURL(path))
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openRaw opens path through database/sql on the store's driver and pragmas, then the pragmas given (each as
// "name(value)"), with one connection so every statement of a baseline runs on the same one, as the store's
// transaction does. The journal mode asked for, if any, is checked: SQLite answers a change it refuses with the
// old mode, not an error.
func openRaw(path string, pragmas ...string) (*sql.DB, error) {
	dsn := store.SQLiteDSN(path) // the store's own pragmas, or the comparison would measure them
	var journal string
	for _, p := range pragmas {
		dsn += "&_pragma=" + url.QueryEscape(p)
		if v, ok := strings.CutPrefix(p, "journal_mode("); ok {
			journal = strings.ToLower(strings.TrimSuffix(v, ")"))
		}
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if journal != "" {
		var got string
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&got); err != nil {
			db.Close()
			return nil, err
		}
		if got != journal {
			db.Close()
			return nil, fmt.Errorf("%s: journal mode is %s, not %s", path, got, journal)
		}
	}
	return db, nil
}

// batchInsert inserts rows of cols values each, size rows per statement, in tx: the way one would write a bulk
// load by hand, with a prepared statement for full batches.
type batchInsert struct {
	tx     *sql.Tx
	prefix string // "INSERT INTO t (a, b) VALUES "
	suffix string // e.g. " ON CONFLICT DO NOTHING"
	cols   int
	size   int
	args   []any
	full   *sql.Stmt
	// Before, when set, runs before each statement: a child table's batch flushes its parent's first.
	Before func(ctx context.Context) error
	// Rows counts the rows the database reported inserted.
	Rows int64
}

func newBatchInsert(tx *sql.Tx, table string, columns []string, suffix string, size int) *batchInsert {
	prefix := "INSERT INTO " + table + " ("
	for i, c := range columns {
		if i > 0 {
			prefix += ", "
		}
		prefix += `"` + c + `"`
	}
	return &batchInsert{tx: tx, prefix: prefix + ") VALUES ", suffix: suffix, cols: len(columns), size: size}
}

func (b *batchInsert) sql(rows int) string {
	one := "("
	for i := range b.cols {
		if i > 0 {
			one += ","
		}
		one += "?"
	}
	one += ")"
	s := b.prefix
	for i := range rows {
		if i > 0 {
			s += ","
		}
		s += one
	}
	return s + b.suffix
}

// Add queues one row, writing a batch when full.
func (b *batchInsert) Add(ctx context.Context, values ...any) error {
	b.args = append(b.args, values...)
	if len(b.args) < b.cols*b.size {
		return nil
	}
	if b.Before != nil {
		if err := b.Before(ctx); err != nil {
			return err
		}
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.sql(b.size))
		if err != nil {
			return err
		}
		b.full = st
	}
	res, err := b.full.ExecContext(ctx, b.args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	b.Rows += n
	b.args = b.args[:0]
	return nil
}

// Flush writes the rows queued so far, a partial batch.
func (b *batchInsert) Flush(ctx context.Context) error {
	if len(b.args) == 0 {
		return nil
	}
	if b.Before != nil {
		if err := b.Before(ctx); err != nil {
			return err
		}
	}
	res, err := b.tx.ExecContext(ctx, b.sql(len(b.args)/b.cols), b.args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	b.Rows += n
	b.args = b.args[:0]
	return nil
}

// Close releases the prepared statement.
func (b *batchInsert) Close() {
	if b.full != nil {
		b.full.Close()
	}
}
