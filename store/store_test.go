package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

var schemaSeq atomic.Int64

// forEachDB runs fn against a fresh SQLite file and, when DOCKETD_TEST_POSTGRES is set, a fresh PostgreSQL schema.
func forEachDB(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenSQLite(t)) })
	if url := os.Getenv("DOCKETD_TEST_POSTGRES"); url != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, MustOpenPostgres(t, url)) })
	}
}

// MustOpenSQLite opens and migrates a new SQLite database in a temporary directory.
func MustOpenSQLite(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open("sqlite:" + filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

// MustOpenPostgres opens and migrates a new schema of the PostgreSQL database at url, dropped after the test.
func MustOpenPostgres(tb testing.TB, url string) *DB {
	tb.Helper()
	admin, err := Open(url)
	if err != nil {
		tb.Fatal(err)
	}
	schema := fmt.Sprintf("t_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if err := admin.gorm.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		tb.Fatal(err)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db, err := Open(url + sep + "search_path=" + schema)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		admin.gorm.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}

func TestMigrateSeedsCourtsAndIsIdempotent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		for code, zone := range map[string]string{"DAL": "America/Chicago", "ELP": "America/Denver", "SNA": "America/Chicago",
			"SNC": "America/Los_Angeles", "PHO": "America/Phoenix"} {
			c, err := db.Court(ctx, code)
			if err != nil {
				t.Fatalf("court %s: %v", code, err)
			}
			if got, want := c.Zone, zone; got != want {
				t.Errorf("court %s zone: got %s, want %s", code, got, want)
			}
		}
		if _, err := db.Court(ctx, "ZZZ"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown court: got %v, want ErrNotFound", err)
		}
		st, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(st.Pending), 0; got != want {
			t.Errorf("pending migrations: got %d, want %d", got, want)
		}
	})
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.gorm.Exec("INSERT INTO "+migrationsTable+" (id) VALUES (?)", "9999_future").Error; err != nil {
			t.Fatal(err)
		}
		err := db.Migrate(ctx)
		if !errors.Is(err, ErrNewerDatabase) {
			t.Fatalf("got %v, want ErrNewerDatabase", err)
		}
	})
}

func TestCourtOverrides(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		err := db.ApplyCourts(ctx, []docket.Court{{Code: "DAL", Phone: "+12147675000"},
			{Code: "XYZ", Name: "Pop-up Court", Zone: "America/Phoenix"}})
		if err != nil {
			t.Fatal(err)
		}
		dal, _ := db.Court(ctx, "DAL")
		if got, want := dal.Phone, "+12147675000"; got != want {
			t.Errorf("DAL phone: got %q, want %q", got, want)
		}
		if got, want := dal.Name, "Dallas"; got != want {
			t.Errorf("DAL name kept: got %q, want %q", got, want)
		}
		z, err := db.Zones(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := z.Zone("XYZ", "DAL")
		if err != nil || loc.String() != "America/Phoenix" {
			t.Errorf("location zone first: got %v, %v", loc, err)
		}
		// Removing the override from the config removes the court and the phone.
		if err := db.ApplyCourts(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Court(ctx, "XYZ"); !errors.Is(err, ErrNotFound) {
			t.Errorf("removed court: got %v, want ErrNotFound", err)
		}
	})
}

var (
	chicago, _ = time.LoadLocation("America/Chicago")
	denver, _  = time.LoadLocation("America/Denver")
	t0         = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
)

func record(key string, anum docket.ANumber, start time.Time) docket.HearingRecord {
	return docket.HearingRecord{Key: key, ANumber: anum, Start: start, Zone: start.Location().String(), CourtCode: "DAL",
		Type: "master", Medium: "in_person"}
}

// marchRecords returns n hearings of distinct cases keyed k0, k1…, one a day from March 2, 2027.
func marchRecords(n int) []docket.HearingRecord {
	recs := make([]docket.HearingRecord, n)
	for i := range recs {
		recs[i] = record(fmt.Sprintf("k%d", i), docket.ANumber(fmt.Sprintf("2015551%02d", i)),
			time.Date(2027, 3, 2+i, 9, 0, 0, 0, chicago))
	}
	return recs
}

func runSync(t *testing.T, db *DB, opts docket.SyncOptions, recs ...docket.HearingRecord) (docket.SyncResult, error) {
	t.Helper()
	s, err := db.BeginSync(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(recs); err != nil {
		s.Abort()
		return docket.SyncResult{}, err
	}
	return s.Finish()
}

func TestSyncCreatesMovesAndKeepsIdentity(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		opts := docket.SyncOptions{Source: "office", Now: t0}
		start := time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
		res, err := runSync(t, db, opts, record("k1", "201555101", start), record("k2", "201555102", start))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res.Created, 2; got != want {
			t.Fatalf("created: got %d, want %d", got, want)
		}
		before, _ := db.Hearings(ctx, docket.HearingFilter{})

		opts.Now = t0.Add(time.Hour)
		res, err = runSync(t, db, opts, record("k1", "201555101", start), record("k2", "201555102", start))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res, (docket.SyncResult{Unchanged: 2}); got != want {
			t.Errorf("re-sync: got %+v, want %+v", got, want)
		}
		after, _ := db.Hearings(ctx, docket.HearingFilter{})
		for i := range before {
			if !after[i].UpdatedAt.Equal(before[i].UpdatedAt) {
				t.Errorf("unchanged hearing %d was written", after[i].ID)
			}
		}

		moved := time.Date(2027, 4, 20, 13, 0, 0, 0, chicago)
		res, err = runSync(t, db, opts, record("k1", "201555101", moved), record("k2", "201555102", start))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := res, (docket.SyncResult{Changed: 1, Moved: 1, Unchanged: 1}); got != want {
			t.Errorf("move: got %+v, want %+v", got, want)
		}
		hs, _ := db.Hearings(ctx, docket.HearingFilter{})
		var h docket.Hearing
		for _, x := range hs {
			if x.SourceKey == "k1" {
				h = x
			}
		}
		if h.ID != before[0].ID || h.Sequence != 1 || !h.Start.Equal(moved) {
			t.Errorf("moved hearing: got id %d seq %d start %v, want id %d seq 1 start %v", h.ID, h.Sequence, h.Start,
				before[0].ID, moved)
		}
		changes, _ := db.HearingChanges(ctx, h.ID)
		if len(changes) != 1 || changes[0].Field != "start" || changes[0].Source != "office" {
			t.Errorf("change log: got %+v", changes)
		}
	})
}

func TestSyncCompleteSourceGraceAndRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		recs := marchRecords(10)
		opts := docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Now: t0}
		if _, err := runSync(t, db, opts, recs...); err != nil {
			t.Fatal(err)
		}

		// An empty file is refused and changes nothing.
		_, err := runSync(t, db, opts)
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("empty: got %v, want ErrRefused", err)
		}
		// Half a file is held: its cancellations wait for a person.
		res, err := runSync(t, db, opts, recs[:5]...)
		if err != nil || res.Hold == nil || res.Hold.Changes != 5 || res.Hold.Slots != 10 || res.Missing != 0 {
			t.Fatalf("half: got %+v, %v; want 5 of 10 slots held, nothing missing", res, err)
		}
		hs, _ := db.Hearings(ctx, docket.HearingFilter{Status: []docket.HearingStatus{docket.StatusScheduled}})
		if got, want := len(hs), 10; got != want {
			t.Fatalf("after refusals: got %d scheduled, want %d", got, want)
		}
		for _, h := range hs {
			if h.MissingSince != nil {
				t.Fatalf("refused pass marked hearing %d missing", h.ID)
			}
		}

		// One hearing goes missing, comes back within the grace period, and is never cancelled.
		opts.Now = t0.Add(time.Hour)
		res, err = runSync(t, db, opts, recs[1:]...)
		if err != nil || res.Missing != 1 {
			t.Fatalf("missing: got %+v, %v; want Missing 1", res, err)
		}
		opts.Now = t0.Add(48 * time.Hour)
		if res, err = runSync(t, db, opts, recs[1:]...); err != nil || res.Cancelled != 0 {
			t.Fatalf("within grace: got %+v, %v", res, err)
		}
		opts.Now = t0.Add(60 * time.Hour)
		if res, err = runSync(t, db, opts, recs...); err != nil || res.Restored != 1 {
			t.Fatalf("back: got %+v, %v; want Restored 1", res, err)
		}
		h, _ := db.Hearings(ctx, docket.HearingFilter{Status: []docket.HearingStatus{docket.StatusCancelled}})
		if len(h) != 0 {
			t.Fatalf("a hearing back within grace was cancelled")
		}

		// Missing past the grace period: cancelled, with sequence raised.
		opts.Now = t0.Add(70 * time.Hour)
		runSync(t, db, opts, recs[1:]...)
		opts.Now = t0.Add(70*time.Hour + 72*time.Hour)
		res, err = runSync(t, db, opts, recs[1:]...)
		if err != nil || res.Cancelled != 1 {
			t.Fatalf("after grace: got %+v, %v; want Cancelled 1", res, err)
		}
		cancelled, _ := db.Hearings(ctx, docket.HearingFilter{Status: []docket.HearingStatus{docket.StatusCancelled}})
		if len(cancelled) != 1 || cancelled[0].SourceKey != "k0" || cancelled[0].Sequence != 1 {
			t.Fatalf("cancelled: got %+v", cancelled)
		}
	})
}

func TestSyncWithoutGraceCancelsOnThePassThatMisses(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		recs := marchRecords(3)
		opts := docket.SyncOptions{Source: "config", Complete: true, Force: true, Now: t0}
		if _, err := runSync(t, db, opts, recs...); err != nil {
			t.Fatal(err)
		}

		// A reject that names no hearing could be any of them: nothing is cancelled.
		opts.Now = t0.Add(time.Minute)
		s, err := db.BeginSync(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		s.Protect("", "")
		if err := s.Apply(recs[1:]); err != nil {
			t.Fatal(err)
		}
		if res, err := s.Finish(); err != nil || res.Cancelled != 0 || res.Held != 1 {
			t.Fatalf("unmatched reject: got %+v, %v; want 1 held", res, err)
		}

		opts.Now = t0.Add(time.Hour)
		res, err := runSync(t, db, opts, recs[2:]...)
		if err != nil || res.Cancelled != 2 || res.Missing != 0 {
			t.Fatalf("got %+v, %v; want 2 cancelled at once", res, err)
		}
		cancelled, _ := db.Hearings(ctx, docket.HearingFilter{Status: []docket.HearingStatus{docket.StatusCancelled}})
		if got, want := len(cancelled), 2; got != want {
			t.Fatalf("cancelled: got %d, want %d", got, want)
		}
		for _, h := range cancelled {
			if h.Sequence != 1 || h.MissingSince == nil {
				t.Errorf("%s: got sequence %d, missing since %v; want 1 and set", h.SourceKey, h.Sequence, h.MissingSince)
			}
		}
	})
}

func TestHearingViewsAndNotFound(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		att := "lf"
		err := db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}},
			[]docket.Client{{ID: "rosa", Name: "Rosa", ANumber: "201555101", AttorneyID: &att},
				{ID: "sam", Name: "Samuel", ANumber: "208555310"}})
		if err != nil {
			t.Fatal(err)
		}
		elp := docket.HearingRecord{Key: "x", ANumber: "208555310", Start: time.Date(2028, 4, 11, 9, 0, 0, 0, denver),
			Zone: "America/Denver", CourtCode: "ELP", Type: "individual"}
		if _, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0},
			record("r", "201555101", time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)), elp); err != nil {
			t.Fatal(err)
		}
		hs, err := db.Hearings(ctx, docket.HearingFilter{From: t0, Court: "ELP"})
		if err != nil || len(hs) != 1 {
			t.Fatalf("ELP hearings: got %d, %v", len(hs), err)
		}
		if got, want := hs[0].Local().Format("Jan 2 3:04 PM MST"), "Apr 11 9:00 AM MDT"; got != want {
			t.Errorf("local: got %q, want %q", got, want)
		}
		if got, want := hs[0].Court.Name, "El Paso"; got != want {
			t.Errorf("court: got %q, want %q", got, want)
		}
		mine, _ := db.Hearings(ctx, docket.HearingFilter{Attorney: att})
		if len(mine) != 1 || len(mine[0].Attorneys) != 1 || mine[0].Clients[0].ID != "rosa" {
			t.Errorf("attorney filter: got %+v", mine)
		}
		if _, err := db.Hearing(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Hearing(9999): got %v, want ErrNotFound", err)
		}
		// Dropping a client from the config keeps the row, inactive.
		if err := db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}}, nil); err != nil {
			t.Fatal(err)
		}
		cs, _ := db.Clients(ctx)
		if len(cs) != 0 {
			t.Errorf("active clients: got %d, want 0", len(cs))
		}
		var n int64
		db.gorm.Model(&clientRow{}).Count(&n)
		if n != 2 {
			t.Errorf("client rows kept: got %d, want 2", n)
		}
	})
}

func TestBackupIsAConsistentCopy(t *testing.T) {
	db := MustOpenSQLite(t)
	ctx := context.Background()
	if err := db.ReplacePeople(ctx, nil, []docket.Client{{ID: "c", Name: "Client"}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(ctx, path); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Error("second backup over the first: got nil error")
	}
	cp, err := Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	cs, err := cp.Clients(ctx)
	if err != nil || len(cs) != 1 {
		t.Errorf("copy: got %d clients, %v; want 1", len(cs), err)
	}
}

func TestSourceContactsBecomeClientsUnlessTheConfigHasThem(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		att := "lf"
		if err := db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}},
			[]docket.Client{{ID: "rosa", Name: "Rosa", ANumber: "201555101", Phone: "+12145550142", AttorneyID: &att}}); err != nil {
			t.Fatal(err)
		}
		start := time.Date(2028, 3, 21, 13, 0, 0, 0, denver)
		nilda := docket.HearingRecord{Key: "EV-1", ANumber: "209555427", Start: start, Zone: "America/Denver", CourtCode: "ELP",
			Contact: &docket.ContactDetails{Name: "Nilda Quispe Mamani", Phone: "+19155550190", Language: "es", Attorney: "lucía fernández"}}
		rosa := record("EV-2", "201555101", time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))
		rosa.Contact = &docket.ContactDetails{Name: "Rosa M. (as the export spells it)", Phone: "+12145550999"}
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, nilda, rosa); err != nil {
			t.Fatal(err)
		}
		cs, _ := db.Clients(ctx)
		if len(cs) != 2 {
			t.Fatalf("clients: got %d, want 2 (the config's Rosa and the export's Nilda)", len(cs))
		}
		var n docket.Client
		for _, c := range cs {
			if c.ANumber == "209555427" {
				n = c
			}
			if c.ANumber == "201555101" && c.Phone != "+12145550142" {
				t.Errorf("the export overwrote the config's client: %+v", c)
			}
		}
		if n.ID != "office:209555427" || n.Origin != "office" || n.AttorneyID == nil || *n.AttorneyID != att {
			t.Errorf("client from the export: %+v", n)
		}
		// Reloading the config keeps the export's client.
		if err := db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}},
			[]docket.Client{{ID: "rosa", Name: "Rosa", ANumber: "201555101", AttorneyID: &att}}); err != nil {
			t.Fatal(err)
		}
		if cs, _ := db.Clients(ctx); len(cs) != 2 {
			t.Errorf("after a config reload: %d active clients, want 2", len(cs))
		}
	})
}

// An export lists one client on two rows (a master and an individual hearing): one client, with the later row's
// details, as writing the rows in order gives.
func TestSourceNamingAClientTwiceKeepsTheLaterRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		att := "lf"
		if err := db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}}, nil); err != nil {
			t.Fatal(err)
		}
		first := record("EV-1", "209555427", time.Date(2028, 3, 21, 13, 0, 0, 0, denver))
		first.Contact = &docket.ContactDetails{Name: "Nilda Quispe Mamani", Phone: "+19155550190", Attorney: "LUCÍA FERNÁNDEZ"}
		second := record("EV-2", "209555427", time.Date(2028, 6, 2, 9, 0, 0, 0, denver))
		second.Contact = &docket.ContactDetails{Name: "Nilda Quispe Mamani", Phone: "+19155550191", Attorney: "lf"}
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, first, second); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].Phone != "+19155550191" || cs[0].AttorneyID == nil || *cs[0].AttorneyID != att {
			t.Fatalf("clients: %+v, want Nilda once, with the later row's phone and counsel lf", cs)
		}
	})
}

// A family of four in consolidated proceedings is reset: 4 of the source's 5 hearings move together to one new
// slot. That is one change of a slot, under max_change_min: the pass applies it.
func TestSyncFamilyResetIsOneChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		opts := docket.SyncOptions{Source: "office", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Now: t0}
		at := time.Date(2027, 3, 15, 9, 0, 0, 0, chicago)
		var recs []docket.HearingRecord
		for i := range 4 {
			recs = append(recs, record(fmt.Sprintf("family-%d", i), docket.ANumber(fmt.Sprintf("20155510%d", i)), at))
		}
		recs = append(recs, record("other", "201555200", at.Add(48*time.Hour)))
		if _, err := runSync(t, db, opts, recs...); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			recs[i].Start = time.Date(2027, 3, 29, 13, 0, 0, 0, chicago)
		}
		res, err := runSync(t, db, opts, recs...)
		if err != nil || res.Hold != nil || res.Moved != 4 {
			t.Fatalf("family reset: got %+v, hold %+v, %v; want 4 moved, nothing held", res, res.Hold, err)
		}
	})
}

// The office's problems page reads the hearings of its failed sends by id, in one query.
// threeHearings syncs hearings A, B and C, an hour apart on Feb 8, and returns them in that order.
func threeHearings(t *testing.T, db *DB) []docket.Hearing {
	t.Helper()
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0},
		record("A", "201555101", start), record("B", "201555102", start.Add(time.Hour)),
		record("C", "201555103", start.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	hs, err := db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil || len(hs) != 3 {
		t.Fatalf("hearings: %d, %v", len(hs), err)
	}
	return hs
}

func TestHearingsByIDs(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		all := threeHearings(t, db)
		got, err := db.Hearings(ctx, docket.HearingFilter{IDs: []uint{all[2].ID, all[0].ID}})
		if err != nil || len(got) != 2 || got[0].ID != all[0].ID || got[1].ID != all[2].ID {
			t.Errorf("by ids %d and %d: got %+v, %v", all[2].ID, all[0].ID, got, err)
		}
	})
}

func TestOutboxRowsOfSeveralHearings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		hs := threeHearings(t, db)
		var rows []docket.Reminder
		for i, h := range hs {
			for d := range 2 {
				rows = append(rows, docket.Reminder{HearingID: h.ID, Recipient: "client", RecipientID: "c",
					Channel: "sms", Address: "+12145550142", Kind: docket.KindReminder,
					DedupeKey: fmt.Sprintf("k%d-%d", i, d), Due: t0.Add(time.Duration(2-d) * time.Hour),
					State: docket.StatePending})
			}
		}
		if _, err := db.PlanOutbox(ctx, rows); err != nil {
			t.Fatal(err)
		}
		// More hearings than a page of the query, most of them without rows.
		ids := []uint{hs[2].ID, hs[0].ID}
		for i := range outboxHearingsPage + 5 {
			ids = append(ids, hs[2].ID+1000+uint(i))
		}
		got, err := db.OutboxRows(ctx, docket.OutboxFilter{HearingIDs: ids})
		if err != nil {
			t.Fatal(err)
		}
		// Each hearing's rows in due order; hearing B's are not asked for.
		keys := map[uint][]string{}
		for _, r := range got {
			keys[r.HearingID] = append(keys[r.HearingID], r.DedupeKey)
		}
		want := map[uint][]string{hs[0].ID: {"k0-1", "k0-0"}, hs[2].ID: {"k2-1", "k2-0"}}
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Errorf("rows by hearing: %v, want %v", keys, want)
		}
	})
}

// TestNextDueIsTheEarliestTry: the dispatcher sleeps until NextDue, so it must be the earliest time any pending row
// may be tried, counting a deferred row at its next attempt, whatever order the rows were written in. A text
// deferred to 13:00 (the provider asked for a pause) and a notice planned afterwards for 12:00: the dispatcher wakes
// at 12:00, not 13:00.
func TestNextDueIsTheEarliestTry(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		h := threeHearings(t, db)[0]
		row := func(key string, due time.Time) docket.Reminder {
			return docket.Reminder{HearingID: h.ID, Recipient: "client", RecipientID: "c", Channel: "sms",
				Address: "+12145550142", Kind: docket.KindReminder, DedupeKey: key, Due: due, State: docket.StatePending}
		}
		if _, err := db.PlanOutbox(ctx, []docket.Reminder{row("deferred", t0.Add(time.Hour))}); err != nil {
			t.Fatal(err)
		}
		if n, err := db.DeferDue(ctx, "sms", t0.Add(3*time.Hour)); err != nil || n != 1 {
			t.Fatalf("defer: %d, %v", n, err)
		}
		if _, err := db.PlanOutbox(ctx, []docket.Reminder{row("notice", t0.Add(2*time.Hour))}); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []docket.Channel{"sms", ""} {
			next, ok, err := db.NextDue(ctx, ch)
			if err != nil || !ok || !next.Equal(t0.Add(2*time.Hour)) {
				t.Errorf("NextDue(%q): %v, %v, %v; want %v", ch, next, ok, err, t0.Add(2*time.Hour))
			}
		}
	})
}

// TestPrevailingAcrossManyCases has two sources report 450 cases, more than prevailing compares at once: the office's
// report of a day the config also reports, or that the config's hearing was first on before it moved out of the
// range read, gives way; a case only the office reports is kept.
func TestPrevailingAcrossManyCases(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		const n = 450
		day := func(i int) time.Time { return time.Date(2027, 3, 1+i%28, 9, 0, 0, 0, chicago) }
		anum := func(i int) docket.ANumber { return docket.ANumber(fmt.Sprintf("2%08d", 10000+i)) }
		var office, config, moved []docket.HearingRecord
		for i := range n {
			office = append(office, record(fmt.Sprintf("o%d", i), anum(i), day(i)))
			if i%2 == 0 {
				r := record(fmt.Sprintf("c%d", i), anum(i), day(i).Add(30*time.Minute))
				config = append(config, r)
				if i%3 == 0 {
					r.Start = time.Date(2027, 4, 10, 9, 0, 0, 0, chicago)
				}
				moved = append(moved, r)
			}
		}
		for _, s := range []struct {
			source string
			recs   []docket.HearingRecord
		}{{"office", office}, {"config", config}, {"config", moved}} {
			if _, err := runSync(t, db, docket.SyncOptions{Source: s.source, Now: t0}, s.recs...); err != nil {
				t.Fatal(err)
			}
		}
		hs, err := db.Hearings(context.Background(), docket.HearingFilter{From: time.Date(2027, 3, 1, 0, 0, 0, 0, chicago),
			To: time.Date(2027, 4, 1, 0, 0, 0, 0, chicago), Precedence: []string{"config", "office"}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[docket.ANumber][]string{}
		for _, h := range hs {
			got[h.ANumber] = append(got[h.ANumber], h.Source)
		}
		for i := range n {
			want := "office"
			switch {
			case i%6 == 0:
				want = "" // the config moved it to April: nothing in March
			case i%2 == 0:
				want = "config"
			}
			if g := strings.Join(got[anum(i)], ","); g != want {
				t.Errorf("case %d: got %q, want %q", i, g, want)
			}
		}
		// Marked rather than left out: every hearing of March, the same ones set aside.
		all, err := db.Hearings(context.Background(), docket.HearingFilter{From: time.Date(2027, 3, 1, 0, 0, 0, 0, chicago),
			To: time.Date(2027, 4, 1, 0, 0, 0, 0, chicago), Precedence: []string{"config", "office"}, MarkSetAside: true})
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		for _, h := range all {
			if !h.SetAside {
				kept++
				if want := got[h.ANumber]; len(want) != 1 || want[0] != h.Source {
					t.Errorf("%s's %s hearing not set aside, but left out without MarkSetAside", h.ANumber, h.Source)
				}
			}
		}
		if want := n + n/2 - n/6; len(all) != want || kept != len(hs) {
			t.Errorf("marked: %d hearings (want %d), %d not set aside (want %d)", len(all), want, kept, len(hs))
		}
	})
}
