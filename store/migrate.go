package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// ErrNewerDatabase is returned when the database was migrated by a newer docketd than this one.
var ErrNewerDatabase = errors.New("database is newer than this docketd")

// migrationLockKey is the PostgreSQL advisory lock held while migrating, so replicas starting together take turns.
const migrationLockKey = 0x646f636b6574 // "docket"

const migrationsTable = "schema_migrations"

// migrations is the schema history. Never edit a migration that has shipped: add a new one. The first migration
// creates the tables from the models as they stood then; when a model changes, add a migration with the explicit
// change (AutoMigrate never drops columns and rebuilds SQLite tables).
var migrations = []*gormigrate.Migration{
	{
		ID: "0001_initial",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(models()...)
		},
		Rollback: func(tx *gorm.DB) error {
			ms := models()
			for i := len(ms) - 1; i >= 0; i-- {
				if err := tx.Migrator().DropTable(ms[i]); err != nil {
					return err
				}
			}
			return nil
		},
	},
	{
		// Clients named by a source's records (a CSV export's phone column) live beside the config's clients.
		ID: "0002_client_origin",
		Migrate: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&clientRow{}, "Origin") {
				return nil // created by 0001 on a new database
			}
			return tx.Migrator().AddColumn(&clientRow{}, "Origin")
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn(&clientRow{}, "Origin") },
	},
	{
		// A claim is a lease with an owner and an expiry: only an expired lease is taken over. Rows a dispatcher of
		// an earlier version left "sending" have no lease, and count as expired.
		ID: "0003_outbox_lease",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"LeaseOwner", "LeaseUntil"} {
				if !tx.Migrator().HasColumn(&outboxRow{}, col) {
					if err := tx.Migrator().AddColumn(&outboxRow{}, col); err != nil {
						return err
					}
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, col := range []string{"LeaseOwner", "LeaseUntil"} {
				if err := tx.Migrator().DropColumn(&outboxRow{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	},
	{
		// Inbound messages acted on, by MessageSid: a replayed webhook is answered but acted on once.
		ID:       "0004_inbound_messages",
		Migrate:  func(tx *gorm.DB) error { return tx.Migrator().CreateTable(&inboundMessageRow{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&inboundMessageRow{}) },
	},
	{
		// A source whose moves and cancellations the mass-change guard holds, until a forced pass applies them.
		ID: "0005_sync_holds",
		Migrate: func(tx *gorm.DB) error {
			if tx.Migrator().HasTable(&syncHoldRow{}) {
				return nil // created by 0001 on a new database
			}
			return tx.Migrator().CreateTable(&syncHoldRow{})
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&syncHoldRow{}) },
	},
	{
		// Each hearing's first slot, which ties a hearing one source moved to another source's report of the slot
		// they both listed (docket.Prevailing). Rows of earlier versions get it from their change log: the "from"
		// of their first change of start, else their start.
		ID:       "0006_hearing_first_start",
		Migrate:  migrateFirstStart,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn(&hearingRow{}, "FirstStart") },
	},
	{
		// A hearing whose source gave the date and no time of day is kept with its date and marked, so that nobody
		// is told a time that is not known. Existing hearings all have their time.
		ID: "0007_hearing_time_unknown",
		Migrate: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&hearingRow{}, "TimeUnknown") {
				return nil // created by 0001 on a new database
			}
			return tx.Migrator().AddColumn(&hearingRow{}, "TimeUnknown")
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn(&hearingRow{}, "TimeUnknown") },
	},
	{
		// A client's US state, whose law on the hours of texts applies when it is stricter; existing clients have
		// none, and their phone's area code decides.
		ID: "0008_client_state",
		Migrate: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&clientRow{}, "State") {
				return nil // created by 0001 on a new database
			}
			return tx.Migrator().AddColumn(&clientRow{}, "State")
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn(&clientRow{}, "State") },
	},
	{
		// A client's custody, the name they are greeted by, their city and the contact person of a detained client;
		// a hearing on a detained docket. Existing clients and hearings are not detained until the config or a
		// source says so.
		ID:       "0009_custody_names",
		Migrate:  func(tx *gorm.DB) error { return addColumns(tx, custodyColumns) },
		Rollback: func(tx *gorm.DB) error { return dropColumns(tx, custodyColumns) },
	},
	{
		// Outbox rows are keyed by their hearing's identity (docket.DedupeKey) rather than its row id, so a rebuilt
		// database plans no reminder twice and loses none. Every row whose hearing exists gets the key the planner
		// now makes for it; a row whose hearing is gone keeps its key (nothing plans it again). Rollback gives the
		// rows back the keys of row ids that earlier versions make, in the same way.
		ID:       "0010_outbox_identity_keys",
		Migrate:  func(tx *gorm.DB) error { return rekeyOutbox(tx, identityKey) },
		Rollback: func(tx *gorm.DB) error { return rekeyOutbox(tx, rowIDKey) },
	},
	{
		// Clients' texts that are not keywords, for staff: forwarded by email and listed by `docketd inbox`.
		ID:       "0011_inbox",
		Migrate:  func(tx *gorm.DB) error { return tx.Migrator().CreateTable(&inboxMessageRow{}) },
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&inboxMessageRow{}) },
	},
	{
		// Counsel's call list of each day, claimed before it is sent and recorded after: sent once a day.
		ID:       "0012_call_lists",
		Migrate:  migrateCallLists,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&callListRow{}) },
	},
	{
		// A judge's filing deadline for a hearing (a [[hearings]] filing_deadline), shown in counsel's feeds in
		// place of the Practice Manual's default. Existing hearings have none.
		ID:       "0013_deadlines",
		Migrate:  func(tx *gorm.DB) error { return addColumns(tx, deadlineColumns) },
		Rollback: func(tx *gorm.DB) error { return dropColumns(tx, deadlineColumns) },
	},
	{
		// A client's order of channels (texts, WhatsApp, calls, email); existing clients have none: texts only.
		ID: "0014_channels",
		Migrate: func(tx *gorm.DB) error {
			if tx.Migrator().HasColumn(&clientRow{}, "Channels") {
				return nil // created by 0001 on a new database
			}
			return tx.Migrator().AddColumn(&clientRow{}, "Channels")
		},
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropColumn(&clientRow{}, "Channels") },
	},
	{
		// The office's page: its sessions (hashed tokens) and failed sign-ins, and a held sync's changes (old slot
		// → new slot) for the page to show.
		ID:       "0015_staff",
		Migrate:  migrateStaff,
		Rollback: rollbackStaff,
	},
	{
		// Each channel's send budget, shared by every process on the database: the rate is the office's.
		ID:       "0016_send_budget",
		Migrate:  migrateSendBudget,
		Rollback: func(tx *gorm.DB) error { return tx.Migrator().DropTable(&sendBudgetRow{}) },
	},
}

// deadlineColumns are the columns 0013_deadlines adds.
var deadlineColumns = []modelColumns{{&hearingRow{}, []string{"FilingDeadline"}}}

// custodyColumns are the columns 0009_custody_names adds, by model.
var custodyColumns = []modelColumns{
	{&clientRow{}, []string{"Detained", "GreetingName", "City", "ContactName", "ContactPhone", "ContactEmail",
		"ContactLanguage"}},
	{&hearingRow{}, []string{"Detained"}},
}

// modelColumns names columns of one model.
type modelColumns struct {
	model   any
	columns []string
}

// addColumns adds the columns a database lacks: on a new database 0001 created them from the models.
func addColumns(tx *gorm.DB, mcs []modelColumns) error {
	for _, mc := range mcs {
		for _, col := range mc.columns {
			if tx.Migrator().HasColumn(mc.model, col) {
				continue
			}
			if err := tx.Migrator().AddColumn(mc.model, col); err != nil {
				return fmt.Errorf("add column %s: %w", col, err)
			}
		}
	}
	return nil
}

func dropColumns(tx *gorm.DB, mcs []modelColumns) error {
	for _, mc := range mcs {
		for _, col := range mc.columns {
			if err := tx.Migrator().DropColumn(mc.model, col); err != nil {
				return fmt.Errorf("drop column %s: %w", col, err)
			}
		}
	}
	return nil
}

func migrateFirstStart(tx *gorm.DB) error {
	if !tx.Migrator().HasColumn(&hearingRow{}, "FirstStart") {
		if err := tx.Migrator().AddColumn(&hearingRow{}, "FirstStart"); err != nil {
			return err
		}
	}
	var moved []changeRow
	if err := tx.Where("field = ? AND id IN (?)", "start",
		tx.Model(&changeRow{}).Select("MIN(id)").Where("field = ?", "start").Group("hearing_id")).
		Find(&moved).Error; err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	for _, c := range moved {
		first, err := time.Parse(time.RFC3339, c.From)
		if err != nil {
			continue // not a time this docketd wrote; the row takes its start below
		}
		if err := tx.Model(&hearingRow{}).Where("id = ? AND first_start IS NULL", c.HearingID).
			UpdateColumn("first_start", first.UTC()).Error; err != nil {
			return fmt.Errorf("first start: %w", err)
		}
	}
	return tx.Model(&hearingRow{}).Where("first_start IS NULL").UpdateColumn("first_start", gorm.Expr("start")).Error
}

// SchemaVersion returns the id of the newest migration this binary knows.
func SchemaVersion() string { return migrations[len(migrations)-1].ID }

// MigrationStatus tells which migrations a database has and lacks.
type MigrationStatus struct {
	Applied []string
	Pending []string
	Unknown []string // applied by a newer docketd
}

// Migrations reports the migration state without changing anything.
func (db *DB) Migrations(ctx context.Context) (MigrationStatus, error) {
	var st MigrationStatus
	applied := map[string]bool{}
	g := db.gorm.WithContext(ctx)
	if g.Migrator().HasTable(migrationsTable) {
		var ids []string
		if err := g.Table(migrationsTable).Order("id").Pluck("id", &ids).Error; err != nil {
			return st, fmt.Errorf("read migrations: %w", err)
		}
		for _, id := range ids {
			applied[id] = true
		}
	}
	known := map[string]bool{}
	for _, m := range migrations {
		known[m.ID] = true
		if applied[m.ID] {
			st.Applied = append(st.Applied, m.ID)
		} else {
			st.Pending = append(st.Pending, m.ID)
		}
	}
	for id := range applied {
		if !known[id] {
			st.Unknown = append(st.Unknown, id)
		}
	}
	return st, nil
}

// Migrate brings the schema up to date and seeds the embedded court table. It refuses a database that a newer
// docketd has migrated. Processes starting together on one new database take turns, so each finds either nothing
// or a finished schema and every one of them succeeds: on PostgreSQL under an advisory lock held by the session that
// migrates, on SQLite under an operating-system lock on a file beside the database (see migrationLockPath). The
// lock covers reading the applied migrations, applying the missing ones and seeding the courts.
func (db *DB) Migrate(ctx context.Context) error {
	run := func(g *gorm.DB) error {
		st, err := (&DB{gorm: g, dialect: db.dialect, path: db.path, Now: db.Now}).Migrations(ctx)
		if err != nil {
			return err
		}
		if len(st.Unknown) > 0 {
			return fmt.Errorf("%w: it has migration %v, this binary knows up to %s; upgrade docketd", ErrNewerDatabase,
				st.Unknown, SchemaVersion())
		}
		opts := *gormigrate.DefaultOptions
		opts.TableName = migrationsTable
		opts.UseTransaction = db.dialect == "postgres" // SQLite DDL in one transaction works, but AutoMigrate manages its own
		if err := gormigrate.New(g, &opts, migrations).Migrate(); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		return seedCourts(g)
	}
	g := db.gorm.WithContext(ctx)
	if db.dialect != "postgres" {
		// SQLite's own locks cannot cover this: its busy timeout bounds the wait, and the migrations manage their
		// own transactions (a table rebuild needs foreign keys off, which a transaction cannot change).
		release, err := lockFile(ctx, migrationLockPath(db.path))
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer release()
		if err := run(g); err != nil {
			return err
		}
		return db.Optimize(ctx)
	}
	return g.Connection(func(conn *gorm.DB) error {
		sqlConn, ok := conn.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("migration lock: no dedicated connection (%T)", conn.Statement.ConnPool)
		}
		// A replica whose host vanishes mid-migration must not keep every other one from starting for hours.
		if err := keepAlive(ctx, sqlConn); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if _, err := sqlConn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		defer unlock(sqlConn, migrationLockKey)
		return run(conn)
	})
}

// migrationLockPath is the file beside a SQLite database whose lock the migrating process holds: PATH.lock.
func migrationLockPath(dbPath string) string { return dbPath + ".lock" }
