package store

import (
	"context"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestFirstStartIsKeptThroughMovesAndBackfilledFromTheChangeLog(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		opts := docket.SyncOptions{Source: "office", Now: t0}
		start := time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
		moved := time.Date(2027, 3, 16, 8, 30, 0, 0, chicago)
		again := time.Date(2027, 4, 6, 13, 0, 0, 0, chicago)
		if _, err := runSync(t, db, opts, record("k1", "201555101", start), record("k2", "201555102", start)); err != nil {
			t.Fatal(err)
		}
		for _, to := range []time.Time{moved, again} {
			opts.Now = opts.Now.Add(time.Hour)
			if _, err := runSync(t, db, opts, record("k1", "201555101", to), record("k2", "201555102", start)); err != nil {
				t.Fatal(err)
			}
		}
		check := func(when string) {
			t.Helper()
			hs, err := db.Hearings(ctx, docket.HearingFilter{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]time.Time{}
			for _, h := range hs {
				got[h.SourceKey] = [2]time.Time{h.Start, h.FirstStart}
			}
			if k1 := got["k1"]; !k1[0].Equal(again) || !k1[1].Equal(start) {
				t.Errorf("%s: moved hearing starts %v, first %v; want %v, first %v", when, k1[0], k1[1], again, start)
			}
			if k2 := got["k2"]; !k2[0].Equal(start) || !k2[1].Equal(start) {
				t.Errorf("%s: unmoved hearing starts %v, first %v; want %v for both", when, k2[0], k2[1], start)
			}
		}
		check("kept through moves")

		// A database of the version before: no first_start column, and 0006 not applied. On PostgreSQL the column
		// is emptied instead: a dropped and re-added column invalidates the plans this connection pool cached, which a
		// new process upgrading the database does not have.
		var drop error
		if db.dialect == "postgres" {
			drop = db.gorm.Exec("UPDATE hearings SET first_start = NULL").Error
		} else {
			drop = db.gorm.Migrator().DropColumn(&hearingRow{}, "FirstStart")
		}
		if drop != nil {
			t.Fatal(drop)
		}
		if err := db.gorm.Exec("DELETE FROM "+migrationsTable+" WHERE id = ?", "0006_hearing_first_start").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("backfilled")
	})
}
