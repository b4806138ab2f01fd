package main

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
)

// copyBatch is the hearings per COPY of the raw PostgreSQL import. Each batch copies its new cases first, since
// its hearings refer to them, and bounds the rows held in memory.
const copyBatch = 20_000

// runImportPG is runImport's first import on PostgreSQL: ingest.Syncer over the tbl_schedule file into an emptied
// database, through the store as docketd opens it.
func runImportPG(ctx context.Context, o *options) (metrics, error) {
	if o.Postgres == "" {
		return metrics{}, nil
	}
	db, spec, err := importStore(ctx, o, o.Postgres)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	start := time.Now()
	rep, err := (&ingest.Syncer{DB: db}).Run(ctx, spec, false, nil)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "hearings": float64(rep.Created)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}
	return m, nil
}

// runImportPGCopy is the limit for runImportPG: the same file read by the same reader into the same emptied
// schema, its cases and hearings written with COPY … FROM STDIN (pgx's CopyFrom, the binary format) in one
// transaction, with no lookups (case ids are kept in a map).
func runImportPGCopy(ctx context.Context, o *options) (metrics, error) {
	if o.Postgres == "" {
		return metrics{}, nil
	}
	db, spec, err := importStore(ctx, o, o.Postgres) // the schema, and the court zones the reader needs
	if err != nil {
		return nil, err
	}
	db.Close()
	raw, err := openRawPG(o.Postgres)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	start := time.Now()
	var n int64
	err = withPgx(ctx, raw, func(conn *pgx.Conn) error {
		n, err = copyImport(ctx, conn, spec.Reader)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("copy import: %w", err)
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "hearings": float64(n)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}
	return m, nil
}

func copyImport(ctx context.Context, conn *pgx.Conn, r source.Reader) (int64, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	var cases, hearings [][]any
	var n int64
	flush := func() error {
		if len(cases) > 0 {
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cases"}, caseColumns, pgx.CopyFromRows(cases)); err != nil {
				return fmt.Errorf("copy cases: %w", err)
			}
			cases = cases[:0]
		}
		k, err := tx.CopyFrom(ctx, pgx.Identifier{"hearings"}, hearingColumns, pgx.CopyFromRows(hearings))
		if err != nil {
			return fmt.Errorf("copy hearings: %w", err)
		}
		n += k
		hearings = hearings[:0]
		return nil
	}
	caseIDs := map[string]int64{}
	now := time.Now().UTC()
	err = r.Read(ctx, func(rec docket.SourceRecord) error {
		id, ok := caseIDs[rec.CaseID]
		if !ok {
			id = int64(len(caseIDs) + 1)
			caseIDs[rec.CaseID] = id
			cases = append(cases, []any{id, rec.CaseID, rec.Court, now})
		}
		hearings = append(hearings, hearingValues(id, rec, now))
		if len(hearings) == copyBatch {
			return flush()
		}
		return nil
	}, nil)
	if err != nil {
		return 0, err
	}
	if len(hearings) > 0 {
		if err := flush(); err != nil {
			return 0, err
		}
	}
	return n, tx.Commit(ctx)
}

// runPlanPG is runPlan on PostgreSQL: the planner over seedHearings' store in an emptied database.
func runPlanPG(ctx context.Context, o *options) (metrics, error) {
	if o.Postgres == "" {
		return metrics{}, nil
	}
	if err := seedPostgres(ctx, o); err != nil {
		return nil, err
	}
	db, err := store.Open(dbURL(o.Postgres))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return plan(ctx, db)
}

// runPlanPGCopy is the limit for runPlanPG: the same seeded database, the upcoming hearings and their clients
// read with two plain queries, the planner's rows computed by hand (plannedRows) and written into the empty outbox
// with one COPY … FROM STDIN. The run checks that it wrote as many rows as the planner.
func runPlanPGCopy(ctx context.Context, o *options) (metrics, error) {
	if o.Postgres == "" {
		return metrics{}, nil
	}
	if err := seedPostgres(ctx, o); err != nil {
		return nil, err
	}
	raw, err := openRawPG(o.Postgres)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	now := time.Now()
	start := time.Now()
	hs, err := loadPlanHearings(ctx, raw, true, now)
	if err != nil {
		return nil, err
	}
	planned, err := plannedRows(hs, now)
	if err != nil {
		return nil, err
	}
	rows, stop := copySource(planned)
	defer stop()
	var n int64
	err = withPgx(ctx, raw, func(conn *pgx.Conn) error {
		n, err = conn.CopyFrom(ctx, pgx.Identifier{"outboxes"}, outboxColumns, rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("copy outbox: %w", err)
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "rows": float64(n)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}
	return m, nil
}

// seedPostgres leaves seedHearings' store of o.Hearings hearings in the PostgreSQL database with an empty outbox.
// Seeding takes far longer than planning, so it is done once a run: the first call empties the database, seeds it,
// notes the run's working directory in docketbench_seed, and gathers the tables' statistics (so the measured side
// does not run into autovacuum's first ANALYZE); later calls of the same run only empty the outbox, which is all
// the planner and its limit write.
func seedPostgres(ctx context.Context, o *options) error {
	raw, err := openRawPG(o.Postgres)
	if err != nil {
		return err
	}
	defer raw.Close()
	var n int
	err = raw.QueryRowContext(ctx, "SELECT hearings FROM docketbench_seed WHERE dir = $1", o.Dir).Scan(&n)
	if err == nil && n == o.Hearings {
		_, err = raw.ExecContext(ctx, "TRUNCATE outboxes RESTART IDENTITY; ANALYZE outboxes")
		return err
	}
	// No seed of this run (no table, another run's, or a scenario since emptied the database): seed anew.
	if err := resetPostgres(ctx, o.Postgres); err != nil {
		return err
	}
	if err := seedHearings(ctx, o.Postgres, o.Hearings, planClients, time.Now()); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if _, err := raw.ExecContext(ctx, "CREATE TABLE docketbench_seed (dir text PRIMARY KEY, hearings integer)"); err != nil {
		return err
	}
	if _, err := raw.ExecContext(ctx, "INSERT INTO docketbench_seed VALUES ($1, $2)", o.Dir, o.Hearings); err != nil {
		return err
	}
	_, err = raw.ExecContext(ctx, "ANALYZE")
	return err
}

// openRawPG opens the PostgreSQL database through database/sql on pgx, with one connection, as openRaw does.
func openRawPG(url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// withPgx runs f on the pgx connection under one of db's connections, for what database/sql has no call for
// (COPY).
func withPgx(ctx context.Context, db *sql.DB, f func(*pgx.Conn) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error { return f(dc.(*stdlib.Conn).Conn()) })
}

// copySource hands rows to CopyFrom as it asks for them; stop releases the iteration if CopyFrom gave up early.
func copySource(rows iter.Seq[[]any]) (src pgx.CopyFromSource, stop func()) {
	next, stop := iter.Pull(rows)
	return pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := next()
		if !ok {
			return nil, nil
		}
		return row, nil
	}), stop
}
