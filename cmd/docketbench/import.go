package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
)

// importSource is the name the imported hearings are kept under.
const importSource = "eoir"

// hearingColumns are the columns of the hearings table a sync writes on creation, in the order hearingValues
// gives them.
var hearingColumns = []string{"case_id", "source", "source_key", "start", "zone", "court_code", "location_code",
	"type", "type_code", "medium", "medium_code", "judge", "web_ex", "address", "status", "sequence", "first_seen",
	"last_seen", "missing_since", "changed_at", "created_at", "updated_at"}

// importBatch is the rows per INSERT of the raw baseline, the batch size the store uses for creates.
const importBatch = 500

// runImport measures ingest.Syncer importing the tbl_schedule file into a fresh SQLite store (the first run),
// then running it again over the unchanged file, which must write nothing.
func runImport(ctx context.Context, o *options) (metrics, error) {
	path := scratch(o, "import.db")
	db, spec, err := importStore(ctx, o, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	syncer := &ingest.Syncer{DB: db}
	start := time.Now()
	rep, err := syncer.Run(ctx, spec, false, nil)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "hearings": float64(rep.Created),
		"rejected": float64(rep.Rejected)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["import_peak_rss"] = float64(hwm)
	}

	mark := time.Now()
	start = time.Now()
	rep, err = syncer.Run(ctx, spec, false, nil)
	if err != nil {
		return nil, fmt.Errorf("re-sync: %w", err)
	}
	m["resync_seconds"] = time.Since(start).Seconds()
	m["resync_unchanged"] = float64(rep.Unchanged)
	written, err := rowsWrittenSince(ctx, path, mark)
	if err != nil {
		return nil, err
	}
	m["resync_written"] = float64(written)
	return m, nil
}

// importStore is where an import goes: the run's tbl_schedule file of o.Rows rows, a new store at at (a SQLite
// file's path, or a PostgreSQL URL, whose schema is dropped first) and the file's source spec. The caller closes
// the store.
func importStore(ctx context.Context, o *options, at string) (*store.DB, ingest.SourceSpec, error) {
	file, err := scheduleFile(o, o.Rows)
	if err != nil {
		return nil, ingest.SourceSpec{}, err
	}
	if at == o.Postgres {
		if err := resetPostgres(ctx, at); err != nil {
			return nil, ingest.SourceSpec{}, err
		}
	}
	db, err := openStore(ctx, at)
	if err != nil {
		return nil, ingest.SourceSpec{}, err
	}
	spec, err := eoirSpec(ctx, db, file)
	if err != nil {
		db.Close()
		return nil, ingest.SourceSpec{}, err
	}
	return db, spec, nil
}

// eoirSpec is the source as docketd runs an EOIR dump: complete, with its grace period and refusal threshold.
func eoirSpec(ctx context.Context, db *store.DB, file string) (ingest.SourceSpec, error) {
	zones, err := db.Zones(ctx)
	if err != nil {
		return ingest.SourceSpec{}, err
	}
	return ingest.SourceSpec{Name: importSource, Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
		Reader: &source.EOIRBulk{Path: file, Zoner: zones}}, nil
}

// rowsWrittenSince counts hearings, cases and change-log entries written at or after mark, by the timestamps the
// store sets on every write.
func rowsWrittenSince(ctx context.Context, path string, mark time.Time) (int64, error) {
	raw, err := openRaw(path)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	var n int64
	for _, q := range []string{
		"SELECT COUNT(*) FROM hearings WHERE updated_at >= ? OR last_seen >= ?",
		"SELECT COUNT(*) FROM cases WHERE created_at >= ? OR created_at >= ?",
		"SELECT COUNT(*) FROM hearing_changes WHERE at >= ? OR at >= ?",
	} {
		var k int64
		if err := raw.QueryRowContext(ctx, q, mark.UTC(), mark.UTC()).Scan(&k); err != nil {
			return 0, fmt.Errorf("count writes: %w", err)
		}
		n += k
	}
	return n, nil
}

// runImportRaw is the limit for runImport: the same file read by the same reader, its cases and hearings written
// with hand-written multi-row INSERTs through database/sql on the same driver and pragmas, in one transaction, with
// no lookups (the database is empty and case ids are kept in a map).
func runImportRaw(ctx context.Context, o *options) (metrics, error) {
	return importRaw(ctx, o, "import-raw.db", nil, false)
}

// rawCachePragmas give the raw load a 64 MiB page cache instead of SQLite's default 2 MiB, which a load of
// hundreds of thousands of rows outgrows: spilling dirty pages is then much of its CPU.
var rawCachePragmas = []string{"cache_size(-65536)"}

// runImportRawCache is runImportRaw with a 64 MiB page cache: a floor the store's own pragmas do not reach.
func runImportRawCache(ctx context.Context, o *options) (metrics, error) {
	return importRaw(ctx, o, "import-raw-cache.db", rawCachePragmas, false)
}

// runImportRawBulk is the cheapest load SQLite does: runImportRaw with the 64 MiB page cache, no rollback journal,
// no syncs, and the tables' secondary indexes (the unique ones too) dropped before the load and built after it, the
// index builds counted in its time. No store could run so, but it shows what writing the rows costs at all.
func runImportRawBulk(ctx context.Context, o *options) (metrics, error) {
	return importRaw(ctx, o, "import-raw-bulk.db", append(slices.Clone(rawCachePragmas), "journal_mode(OFF)",
		"synchronous(OFF)"), true)
}

// importRaw runs the raw load into a fresh database named name, opened with the store's pragmas and then pragmas;
// with indexesAfter, the secondary indexes of cases and hearings are dropped first and rebuilt after the load.
func importRaw(ctx context.Context, o *options, name string, pragmas []string, indexesAfter bool) (metrics, error) {
	file, err := scheduleFile(o, o.Rows)
	if err != nil {
		return nil, err
	}
	path := scratch(o, name)
	db, err := openStore(ctx, path) // the schema, and the court zones the reader needs
	if err != nil {
		return nil, err
	}
	spec, err := eoirSpec(ctx, db, file)
	db.Close()
	if err != nil {
		return nil, err
	}
	raw, err := openRaw(path, pragmas...)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	var indexes []string
	if indexesAfter {
		if indexes, err = dropIndexes(ctx, raw, "cases", "hearings"); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	n, err := rawImport(ctx, raw, spec.Reader)
	if err != nil {
		return nil, fmt.Errorf("raw import: %w", err)
	}
	for _, create := range indexes {
		if _, err := raw.ExecContext(ctx, create); err != nil {
			return nil, fmt.Errorf("build index: %w", err)
		}
	}
	m := metrics{"seconds": time.Since(start).Seconds(), "hearings": float64(n)}
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
		m["peak_rss"] = float64(hwm)
	}
	return m, nil
}

// dropIndexes drops the indexes of tables that SQLite did not make itself (those have no SQL: the primary keys)
// and returns the statements that build them again.
func dropIndexes(ctx context.Context, raw *sql.DB, tables ...string) ([]string, error) {
	var names, creates []string
	for _, table := range tables {
		rows, err := raw.QueryContext(ctx,
			"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var name, create string
			if err := rows.Scan(&name, &create); err != nil {
				rows.Close()
				return nil, err
			}
			names, creates = append(names, name), append(creates, create)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, name := range names {
		if _, err := raw.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	return creates, nil
}

// caseColumns are the columns of the cases table the raw baselines write.
var caseColumns = []string{"id", "eoir_case_id", "court_code", "created_at"}

// hearingValues is the row of hearingColumns that a sync creates for rec, of case id, at now.
func hearingValues(id int64, rec docket.SourceRecord, now time.Time) []any {
	return []any{id, importSource, rec.Key, rec.Start.UTC(), rec.Start.Location().String(), rec.Court, rec.Location,
		string(rec.Type), rec.TypeCode, string(rec.Medium), rec.MediumCode, rec.Judge, rec.WebEx, rec.Address,
		string(docket.StatusScheduled), 0, now, now, nil, now, now, now}
}

func rawImport(ctx context.Context, raw *sql.DB, r source.Reader) (int64, error) {
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	cases := newBatchInsert(tx, "cases", caseColumns, "", importBatch)
	defer cases.Close()
	hearings := newBatchInsert(tx, "hearings", hearingColumns, "", importBatch)
	defer hearings.Close()
	hearings.Before = cases.Flush // hearings refer to their cases
	caseIDs := map[string]int64{}
	now := time.Now().UTC()
	err = r.Read(ctx, func(rec docket.SourceRecord) error {
		id, ok := caseIDs[rec.CaseID]
		if !ok {
			id = int64(len(caseIDs) + 1)
			caseIDs[rec.CaseID] = id
			if err := cases.Add(ctx, id, rec.CaseID, rec.Court, now); err != nil {
				return err
			}
		}
		return hearings.Add(ctx, hearingValues(id, rec, now)...)
	}, nil)
	if err != nil {
		return 0, err
	}
	if err := hearings.Flush(ctx); err != nil {
		return 0, err
	}
	return hearings.Rows, tx.Commit()
}
