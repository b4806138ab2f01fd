// Package store keeps docketd's data with gorm, in SQLite (one machine) or PostgreSQL (several replicas): the
// models, opening and migrating the database, the embedded EOIR court table, and every query.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/ncruces/go-sqlite3/gormlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// ErrNotFound is returned when a requested row does not exist; it is the vocabulary's, so rooms that never import
// the store can tell it apart.
var ErrNotFound = docket.ErrNotFound

// DB is the store.
type DB struct {
	gorm    *gorm.DB
	dialect string // "sqlite" or "postgres"
	// stageDir is where a sync pass stages a large source: beside a SQLite database (a disk known to be writable and
	// large enough, where /tmp may be memory), the system's temporary folder for PostgreSQL.
	stageDir string
	path     string // the SQLite file; "" on PostgreSQL
	// Now is the clock used for timestamps the store sets itself.
	Now func() time.Time
	// planned counts outbox rows planned since the statistics were last refreshed (Optimize).
	planned atomic.Int64
	// sendMu takes turns, on SQLite, among the dispatcher's own writes (claims, outcomes, send slots): SQLite has
	// one writer at a time, and a writer that finds the file locked sleeps in its busy handler for milliseconds
	// where a turn in the process takes microseconds.
	sendMu    sync.Mutex
	keptMu    sync.Mutex
	keptStmts map[string]*sql.Stmt // see kept
}

// Open connects to url: "sqlite:PATH" or "postgres://…". It does not migrate; call Migrate.
func Open(rawURL string) (*DB, error) {
	var dialector gorm.Dialector
	var dialect, path string
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path = strings.TrimPrefix(rawURL, "sqlite:")
		if path == "" {
			return nil, fmt.Errorf("open store: sqlite: needs a path")
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("open store: %w", err)
			}
		}
		dialector = gormlite.Open(SQLiteDSN(path))
		dialect = "sqlite"
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		dialector = postgres.Open(customPlans(rawURL))
		dialect = "postgres"
	default:
		return nil, fmt.Errorf("open store: unsupported database url %q (want sqlite:PATH or postgres://…)", RedactURL(rawURL))
	}
	db := &DB{dialect: dialect, path: path, Now: time.Now}
	if dialect == "sqlite" {
		db.stageDir = filepath.Dir(path)
		// The first connection to a new file turns it to WAL, which needs the file to itself, and SQLite answers
		// "database is locked" at once, without waiting out the busy timeout, to a second process doing the same at
		// that moment. So the first connection (gorm pings on open, then Open does) is made under the migration
		// lock. Once the file is in WAL (it stays so) the pragma changes nothing and later connections need no lock.
		release, err := lockFile(context.Background(), migrationLockPath(path))
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		defer release()
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		Logger: logger.Discard,
		// Created and updated times come from the store's clock too, so a test or a --now run sees its own time.
		NowFunc:        db.now,
		TranslateError: true,
		// Methods that need a transaction open one (db.tx); gorm's implicit one around every write would, inside
		// them, add a savepoint per batch (a SQLite sub-journal file each time).
		SkipDefaultTransaction: true,
		// The dispatcher's statements (db.hot) are prepared once and kept, a bounded number of them: an IN list of
		// another length is another statement, and an unbounded cache ran SQLite out of memory on a large import.
		PrepareStmtMaxSize: hotStatements,
		PrepareStmtTTL:     time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", RedactURL(rawURL), err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if dialect == "sqlite" {
		// One writer at a time is SQLite's rule; a small pool keeps readers concurrent under WAL.
		sqlDB.SetMaxOpenConns(4)
	} else {
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	db.gorm = g
	if err := db.Ping(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", RedactURL(rawURL), err)
	}
	return db, nil
}

// customPlans adds plan_cache_mode=force_custom_plan to a PostgreSQL URL that does not set it. Statements are kept
// prepared on each connection, and after five runs PostgreSQL may plan a kept statement once for every value: a
// plan made while a table was nearly empty (a first import, a new outbox) then scans the whole table for ever after,
// which made an import of 100,000 rows take 14 times COPY's time. A custom plan is made for each run's values and
// the table's size as it is.
func customPlans(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL // the driver reports it
	}
	q := u.Query()
	if q.Has("plan_cache_mode") {
		return rawURL
	}
	q.Set("plan_cache_mode", "force_custom_plan")
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteDSN is the driver DSN of a SQLite store at path; raw database/sql baselines use it too, so they run with
// the store's own pragmas. It sets them on every pooled connection (a PRAGMA statement would reach only one): WAL so
// readers never block the writer, a busy timeout instead of instant SQLITE_BUSY (first, so the pragmas after it wait
// for a busy database too), foreign keys on, immediate write transactions so two writers queue instead of
// deadlocking on upgrade, and times stored as integer microseconds so they compare correctly whatever their zone.
func SQLiteDSN(path string) string { return sqliteDSN(path, 10*time.Second) }

// sqliteDSN is SQLiteDSN with another busy timeout (tests play a writer that gives up sooner).
func sqliteDSN(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds())) // first, so the pragmas after it wait for a busy database too
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	q.Set("_timefmt", "unixepoch_micro")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// RedactURL hides the password of a database URL, for logs, errors and `check --print`: the one in the user
// part and any query parameter that names one (PostgreSQL reads ?password= and ?sslpassword= too). A URL that does
// not parse keeps only its scheme, since where its password is cannot be known.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.Index(s, "://"); i >= 0 {
			return s[:i+3] + "xxxxx"
		}
		return "xxxxx"
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		hidden := err != nil
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q[k] = []string{"xxxxx"}
				hidden = true
			}
		}
		if err != nil {
			u.RawQuery = "xxxxx"
		} else if hidden {
			u.RawQuery = q.Encode()
		}
	}
	if u.User == nil {
		return u.String()
	}
	return u.Redacted()
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close closes the connections.
func (db *DB) Close() error {
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	db.keptMu.Lock()
	for q, s := range db.keptStmts {
		_ = s.Close() // the kept statements (kept), before the connections they are prepared on
		delete(db.keptStmts, q)
	}
	db.keptMu.Unlock()
	return sqlDB.Close()
}

func (db *DB) now() time.Time { return db.Now().UTC() }

// tx runs fn in one transaction.
func (db *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.gorm.WithContext(ctx).Transaction(fn)
}

// largeWrite is how many rows a sync or a plan writes before the store refreshes SQLite's statistics: the claim of
// due reminders keeps to its best index only when the query planner knows how the rows are spread.
const largeWrite = 10_000

// Optimize refreshes SQLite's statistics of the tables that need it (PRAGMA optimize, with a bounded sample so it
// takes milliseconds on a large database; tables never analyzed are analyzed too). It is run after migrations and
// after large syncs and plans. PostgreSQL's autovacuum keeps its own statistics: nothing is done there.
func (db *DB) Optimize(ctx context.Context) error {
	if db.dialect != "sqlite" {
		return nil
	}
	return db.gorm.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("PRAGMA analysis_limit = 1000").Error; err != nil {
			return err
		}
		return conn.Exec("PRAGMA optimize = 0x10002").Error
	})
}

// sendTurn takes the dispatcher's turn to write on SQLite (see sendMu); it returns the function that ends it.
func (db *DB) sendTurn() func() {
	if db.dialect != "sqlite" {
		return func() {}
	}
	db.sendMu.Lock()
	return db.sendMu.Unlock
}

// hotStatements bounds the prepared statements the dispatcher's path keeps.
const hotStatements = 64

// hot is the store's handle for the statements run for every message sent (claims, outcomes, opt-outs, a batch's
// hearings): prepared once and kept (least recently used go first), instead of parsed for every message.
func (db *DB) hot(ctx context.Context) *gorm.DB {
	return db.gorm.WithContext(ctx).Session(&gorm.Session{PrepareStmt: true})
}

// notFound maps gorm's not-found error to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// ErrBackupUnsupported is returned by Backup on PostgreSQL, whose own tools do it better.
var ErrBackupUnsupported = errors.New("backup of PostgreSQL: use pg_dump (for example pg_dump -Fc -f docketd.dump DATABASE_URL)")

// Backup writes a consistent copy of a SQLite database to path (which must not exist) while the daemon runs.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect != "sqlite" {
		return ErrBackupUnsupported
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s already exists", path)
	}
	if err := db.gorm.WithContext(ctx).Exec("VACUUM INTO ?", path).Error; err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
