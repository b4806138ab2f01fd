package store

import (
	"context"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// A judge's filing deadline is kept with its hearing, and a new one is a change of the hearing: logged, with a new
// sequence and change time, so counsel's feed re-sequences the deadline's event.
func TestFilingDeadlineIsKeptAndChangesTheHearing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		rec := record("EV-1", "201555101", time.Date(2028, 3, 15, 8, 30, 0, 0, chicago))
		rec.Type = docket.TypeIndividual
		rec.FilingDeadline = "2028-02-25"
		if _, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0}, rec); err != nil {
			t.Fatal(err)
		}
		hs, err := db.Hearings(ctx, docket.HearingFilter{})
		if err != nil || len(hs) != 1 {
			t.Fatalf("hearings: %v, %+v", err, hs)
		}
		if got, want := hs[0].FilingDeadline, "2028-02-25"; got != want {
			t.Errorf("filing deadline: got %q, want %q", got, want)
		}
		// Unchanged: nothing written.
		res, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0.Add(time.Hour)}, rec)
		if err != nil || res.Unchanged != 1 {
			t.Fatalf("same record again: %+v, %v", res, err)
		}
		rec.FilingDeadline = ""
		later := t0.Add(2 * time.Hour)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: later}, rec); err != nil {
			t.Fatal(err)
		}
		h, err := db.Hearing(ctx, hs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.FilingDeadline != "" || h.Sequence != 1 || !h.ChangedAt.Equal(later) {
			t.Errorf("after the order was lifted: deadline %q, sequence %d, changed %v; want \"\", 1, %v",
				h.FilingDeadline, h.Sequence, h.ChangedAt, later)
		}
		changes, err := db.LastChange(ctx, h)
		if err != nil || len(changes) != 1 || changes[0].Field != "filing_deadline" || changes[0].From != "2028-02-25" {
			t.Errorf("change log: %+v, %v; want filing_deadline from 2028-02-25", changes, err)
		}
	})
}

// A database of the version before 0013 keeps its hearings, with no filing deadline of a judge's.
func TestMigrationDeadlinesOnAnExistingDatabase(t *testing.T) {
	db := MustOpenSQLite(t)
	ctx := context.Background()
	if err := db.gorm.Migrator().DropColumn(&hearingRow{}, "FilingDeadline"); err != nil {
		t.Fatal(err)
	}
	if err := db.gorm.Exec("DELETE FROM "+migrationsTable+" WHERE id = ?", "0013_deadlines").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.gorm.Exec(`INSERT INTO cases (a_number, court_code, created_at) VALUES ('201555101', 'DAL', ?)`, t0).Error; err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 14, 30, 0, 0, time.UTC)
	if err := db.gorm.Exec(`INSERT INTO hearings (case_id, source, source_key, start, zone, first_start, court_code,
		type, medium, status, sequence, first_seen, last_seen, changed_at, created_at, updated_at)
		VALUES (1, 'office', 'EV-1', ?, 'America/Chicago', ?, 'DAL', 'individual', 'in_person', 'scheduled', 0, ?, ?, ?, ?, ?)`,
		start, start, t0, t0, t0, t0, t0).Error; err != nil {
		t.Fatal(err)
	}
	st, err := db.Migrations(ctx)
	if err != nil || len(st.Pending) != 1 || st.Pending[0] != "0013_deadlines" {
		t.Fatalf("before: pending %v, %v; want 0013_deadlines", st.Pending, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := db.Hearings(ctx, docket.HearingFilter{})
	if err != nil || len(hs) != 1 || hs[0].FilingDeadline != "" || hs[0].Type != docket.TypeIndividual {
		t.Fatalf("after: %v, %+v", err, hs)
	}
}
