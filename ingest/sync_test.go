package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
)

// syncT0 is the fixed "now" of the sync tests; every hearing below is after it.
var syncT0 = time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)

// syncTestDB opens and migrates a new store (storetest.Open).
func syncTestDB(t testing.TB) *store.DB {
	t.Helper()
	return storetest.Open(t)
}

func syncZones(t testing.TB, db *store.DB) *store.CourtZones {
	t.Helper()
	z, err := db.Zones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// syncClock is a settable clock for the Syncer.
type syncClock struct{ t atomic.Pointer[time.Time] }

func newSyncClock(t time.Time) *syncClock {
	c := &syncClock{}
	c.set(t)
	return c
}
func (c *syncClock) set(t time.Time)     { c.t.Store(&t) }
func (c *syncClock) now() time.Time      { return *c.t.Load() }
func (c *syncClock) add(d time.Duration) { c.set(c.now().Add(d)) }

// docketRow is one row of a test docket export.
type docketRow struct{ id, aNumber, date, clock, court string }

const docketHeader = "Event ID,A Number,Hearing Date,Hearing Time,Court,Hearing Type,Judge,Medium\n"

func writeDocket(t testing.TB, path string, rows []docketRow) {
	t.Helper()
	var b strings.Builder
	b.WriteString(docketHeader)
	for _, r := range rows {
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,Master Calendar,\"Example, Judge\",In Person\n", r.id, r.aNumber, r.date,
			r.clock, r.court)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// docketRows returns n hearings of distinct clients at Dallas in December 2027.
func docketRows(n int) []docketRow {
	rows := make([]docketRow, n)
	for i := range rows {
		rows[i] = docketRow{id: fmt.Sprintf("EV-%03d", i+1), aNumber: fmt.Sprintf("A201-555-%03d", 100+i),
			date: fmt.Sprintf("12/%02d/2027", 1+i%28), clock: "8:30 AM", court: "DAL"}
	}
	return rows
}

func docketReader(path string, zones source.Zoner) *source.CSV {
	return &source.CSV{Path: path, Zoner: zones, DateFormat: "MM/DD/YYYY", Columns: map[string]string{
		source.FieldKey: "Event ID", source.FieldANumber: "A Number", source.FieldDate: "Hearing Date",
		source.FieldTime: "Hearing Time", source.FieldCourt: "Court", source.FieldType: "Hearing Type",
		source.FieldJudge: "Judge", source.FieldMedium: "Medium"}}
}

func hearingsBySource(t testing.TB, db *store.DB, src string) map[string]docket.Hearing {
	t.Helper()
	hs, err := db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]docket.Hearing{}
	for _, h := range hs {
		if h.Source == src {
			m[h.SourceKey] = h
		}
	}
	return m
}

func lastRun(t testing.TB, db *store.DB, src string) docket.SyncRun {
	t.Helper()
	runs, err := db.LastSyncRuns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		if r.Source == src {
			return r
		}
	}
	t.Fatalf("no sync run recorded for %s", src)
	return docket.SyncRun{}
}

func TestSyncCSVRescheduleKeepsHearingAndRaisesSequence(t *testing.T) {
	ctx := context.Background()
	db := syncTestDB(t)
	path := filepath.Join(t.TempDir(), "docket.csv")
	rows := docketRows(3)
	writeDocket(t, path, rows)
	clock := newSyncClock(syncT0)
	var logs bytes.Buffer
	s := &ingest.Syncer{DB: db, Now: clock.now, Log: slog.New(docket.MaskingHandler(slog.NewTextHandler(&logs, nil)))}
	spec := ingest.SourceSpec{Name: "office-export", Reader: docketReader(path, syncZones(t, db)),
		MaxChange: 0.2, Grace: 72 * time.Hour}

	rep, err := s.Run(ctx, spec, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.String(), "office-export: 3 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected"; got != want {
		t.Errorf("first run: got %q, want %q", got, want)
	}
	before := hearingsBySource(t, db, "office-export")["EV-002"]

	// The court moves EV-002 to another day and time; a fourth row is unreadable.
	rows[1].date, rows[1].clock = "01/19/2028", "1:00 PM"
	rows = append(rows, docketRow{id: "EV-004", aNumber: "A201-555-999", date: "13/45/2027", clock: "9:00 AM", court: "DAL"})
	writeDocket(t, path, rows)
	clock.add(time.Hour)
	rep, err = s.Run(ctx, spec, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.String(), "office-export: 0 created, 1 changed, 0 cancelled, 2 unchanged, 1 rejected"; got != want {
		t.Errorf("reschedule: got %q, want %q", got, want)
	}
	after := hearingsBySource(t, db, "office-export")
	if got, want := len(after), 3; got != want {
		t.Fatalf("hearings: got %d, want %d", got, want)
	}
	h := after["EV-002"]
	if got, want := h.ID, before.ID; got != want {
		t.Errorf("moved hearing id: got %d, want %d (same hearing)", got, want)
	}
	if got, want := h.Sequence, before.Sequence+1; got != want {
		t.Errorf("sequence: got %d, want %d", got, want)
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	if got, want := h.Start, time.Date(2028, 1, 19, 13, 0, 0, 0, chicago); !got.Equal(want) {
		t.Errorf("start: got %v, want %v", got, want)
	}
	if got, want := h.Zone, "America/Chicago"; got != want {
		t.Errorf("zone: got %q, want %q", got, want)
	}
	if got, want := h.MediumCode, "In Person"; got != want {
		t.Errorf("raw medium: got %q, want %q", got, want)
	}
	changes, err := db.HearingChanges(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(changes), 1; got != want || changes[0].Field != "start" {
		t.Errorf("change log: got %+v, want one start change", changes)
	}
	run := lastRun(t, db, "office-export")
	if got, want := [3]int{run.Changed, run.Unchanged, run.Rejected}, [3]int{1, 2, 1}; got != want || run.Error != "" {
		t.Errorf("run record: got changed/unchanged/rejected %v error %q, want %v and no error", got, run.Error, want)
	}
	// The reject is logged with its line, and the A-number it names never appears.
	if !strings.Contains(logs.String(), "line=5") || strings.Contains(logs.String(), "201555999") {
		t.Errorf("reject log: want line=5 and no A-number, got:\n%s", logs.String())
	}
}

func TestSyncCompleteSourceNeverWipesOnBadFile(t *testing.T) {
	rows := docketRows(10)
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
		want  string // in the run's error
	}{
		{"emptied to its header", func(t *testing.T, path string) { writeDocket(t, path, nil) },
			"listed no hearings but 10 are upcoming"},
		{"emptied to nothing", func(t *testing.T, path string) { os.WriteFile(path, nil, 0o600) },
			"empty file"},
		{"cut in half", func(t *testing.T, path string) {
			writeDocket(t, path, rows)
			data, _ := os.ReadFile(path)
			os.WriteFile(path, data[:len(data)/2], 0o600)
		}, "HELD: 5 moves or cancellations"},
		{"deleted", func(t *testing.T, path string) { os.Remove(path) }, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := syncTestDB(t)
			path := filepath.Join(t.TempDir(), "docket.csv")
			writeDocket(t, path, rows)
			clock := newSyncClock(syncT0)
			s := &ingest.Syncer{DB: db, Now: clock.now}
			spec := ingest.SourceSpec{Name: "court-list", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
				Reader: docketReader(path, syncZones(t, db))}
			if _, err := s.Run(ctx, spec, false, nil); err != nil {
				t.Fatal(err)
			}
			tt.write(t, path)
			// Even well past the grace period, nothing may be cancelled.
			clock.add(30 * 24 * time.Hour)
			rep, err := s.Run(ctx, spec, false, nil)
			// A file cut in half lists half the hearings: their cancellations are held, not refused, and what
			// else the file says (the cut row's other fields) applies.
			held := tt.name == "cut in half"
			switch {
			case held && (err != nil || !rep.Holding()):
				t.Fatalf("cut file: got %v, report %s; want the cancellations held", err, rep)
			case !held && err == nil:
				t.Fatalf("bad file: got no error, report %s", rep)
			}
			if !strings.Contains(rep.String(), tt.want) || !held && !strings.Contains(rep.String(), "nothing") {
				t.Errorf("report %q should say why (%q) and that nothing changed", rep, tt.want)
			}
			if run := lastRun(t, db, "court-list"); !held && !strings.Contains(run.Error, tt.want) {
				t.Errorf("run error: got %q, want it to contain %q", run.Error, tt.want)
			}
			hs := hearingsBySource(t, db, "court-list")
			if got, want := len(hs), 10; got != want {
				t.Fatalf("hearings: got %d, want %d", got, want)
			}
			for k, h := range hs {
				if h.Status != docket.StatusScheduled || h.MissingSince != nil || h.Sequence != 0 && !held {
					t.Errorf("%s: got status %s missing %v sequence %d, want untouched", k, h.Status, h.MissingSince,
						h.Sequence)
				}
			}
			if tt.name == "emptied to its header" {
				// The admin can insist.
				rep, err := s.Run(ctx, spec, true, nil)
				if err != nil || rep.Missing != 10 {
					t.Errorf("forced: got %s (err %v), want 10 missing", rep, err)
				}
			}
		})
	}
}

func TestSyncMissingHearingWithinGraceIsNeverCancelled(t *testing.T) {
	rows := docketRows(10)
	without := func(i int) []docketRow {
		return append(append([]docketRow(nil), rows[:i]...), rows[i+1:]...)
	}
	badTime := func(i int) []docketRow {
		rs := append([]docketRow(nil), rows...)
		rs[i].clock = "half past eight"
		return rs
	}
	badEverything := func(i int) []docketRow {
		rs := append([]docketRow(nil), rows...)
		rs[i] = docketRow{id: "", aNumber: "unknown", date: "?", clock: "?", court: "DAL"}
		return rs
	}
	type step struct {
		after         time.Duration // since the first run
		rows          []docketRow
		wantCancelled bool
		wantMissing   bool // checked while not cancelled
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"gone two days then back", []step{
			{24 * time.Hour, without(3), false, true},
			{60 * time.Hour, without(3), false, true},
			{90 * time.Hour, rows, false, false},
			{200 * time.Hour, rows, false, false},
		}},
		{"gone past the grace period", []step{
			{24 * time.Hour, without(3), false, true},
			{24*time.Hour + 72*time.Hour, without(3), true, false},
		}},
		{"unreadable row that names the hearing", []step{
			{24 * time.Hour, badTime(3), false, false},
			{200 * time.Hour, badTime(3), false, false},
		}},
		{"unreadable row that names nothing holds cancellations", []step{
			{24 * time.Hour, badEverything(3), false, true},
			{200 * time.Hour, badEverything(3), false, true},
			{300 * time.Hour, without(3), true, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := syncTestDB(t)
			path := filepath.Join(t.TempDir(), "docket.csv")
			writeDocket(t, path, rows)
			clock := newSyncClock(syncT0)
			s := &ingest.Syncer{DB: db, Now: clock.now}
			spec := ingest.SourceSpec{Name: "court-list", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
				Reader: docketReader(path, syncZones(t, db))}
			if _, err := s.Run(ctx, spec, false, nil); err != nil {
				t.Fatal(err)
			}
			id := hearingsBySource(t, db, "court-list")["EV-004"].ID
			for i, st := range tt.steps {
				writeDocket(t, path, st.rows)
				clock.set(syncT0.Add(st.after))
				rep, err := s.Run(ctx, spec, false, nil)
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				h, err := db.Hearing(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := h.Status == docket.StatusCancelled, st.wantCancelled; got != want {
					t.Errorf("step %d: cancelled: got %v, want %v (%s)", i, got, want, rep)
				}
				if got, want := h.MissingSince != nil, st.wantMissing; !st.wantCancelled && got != want {
					t.Errorf("step %d: marked missing: got %v, want %v (%s)", i, got, want, rep)
				}
				if st.wantMissing && !strings.Contains(rep.String(), "missing") {
					t.Errorf("step %d: report %q does not mention the missing hearing", i, rep)
				}
			}
			if !tt.steps[len(tt.steps)-1].wantCancelled {
				changes, err := db.HearingChanges(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := len(changes), 0; got != want {
					t.Errorf("change log: got %+v, want none", changes)
				}
			}
		})
	}
}

func TestSyncReaderFailureKeepsData(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join("..", "source", "testdata", "acis_getcaseinfo_sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	const aNumber = "201555123"
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if down.Load() {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"detail":"upstream busy"}`)
			return
		}
		if r.URL.Path != "/cases/"+aNumber || r.Header.Get("X-API-Key") != "k" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"detail":"No case info found"}`)
			return
		}
		fmt.Fprintf(w, `{"a_number":%q,"nationality":{"code":"MX","name":"MEXICO"},`+
			`"retrieved_at":"2026-11-20T15:04:05Z","cached":false,"acis":%s}`, aNumber, sample)
	}))
	defer srv.Close()

	ctx := context.Background()
	db := syncTestDB(t)
	zones := syncZones(t, db)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	var slept atomic.Int64
	acis := &source.ACIS{URL: srv.URL, APIKey: "k", Cases: []source.ACISCase{{ANumber: aNumber, Nationality: "MX"}},
		Rate: 1000, Zoner: zones, Now: func() time.Time { return now },
		Sleep: func(ctx context.Context, d time.Duration) error { slept.Add(int64(d)); return ctx.Err() }}
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return now }}
	spec := ingest.SourceSpec{Name: "acis", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Reader: acis}
	if _, err := s.Run(ctx, spec, false, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := len(hearingsBySource(t, db, "acis")), 1; got != want {
		t.Fatalf("hearings after the good run: got %d, want %d", got, want)
	}

	down.Store(true)
	now = now.Add(10 * 24 * time.Hour)
	rep, err := s.Run(ctx, spec, false, nil)
	if err == nil {
		t.Fatalf("service down: got no error, report %s", rep)
	}
	if slept.Load() == 0 {
		t.Error("Retry-After was not obeyed before giving up")
	}
	run := lastRun(t, db, "acis")
	if run.Error == "" || !strings.Contains(rep.String(), "failed, nothing changed") {
		t.Errorf("got run error %q and report %q, want the failure recorded and reported", run.Error, rep)
	}
	if strings.Contains(run.Error, aNumber) {
		t.Errorf("run error %q shows the A-number", run.Error)
	}
	for k, h := range hearingsBySource(t, db, "acis") {
		if h.Status != docket.StatusScheduled || h.MissingSince != nil {
			t.Errorf("%s: got status %s missing %v, want the last good data untouched", k, h.Status, h.MissingSince)
		}
	}

	// A cancelled context is a failed run too, recorded all the same.
	down.Store(false)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Run(cctx, spec, false, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: got %v, want context.Canceled", err)
	}
	if run := lastRun(t, db, "acis"); !strings.Contains(run.Error, "canceled") {
		t.Errorf("cancelled run record: got error %q", run.Error)
	}
}

// panicReader stands for a source with a bug.
type panicReader struct{}

func (panicReader) Read(context.Context, func(docket.SourceRecord) error, func(docket.RecordError)) error {
	panic("bug in a reader")
}

func TestSyncPanicIsAFailedRun(t *testing.T) {
	db := syncTestDB(t)
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return syncT0 }}
	rep, err := s.Run(context.Background(), ingest.SourceSpec{Name: "buggy", Reader: panicReader{}}, false, nil)
	if err == nil || !strings.Contains(err.Error(), "bug in a reader") {
		t.Fatalf("got %v, want the panic as an error", err)
	}
	if got := lastRun(t, db, "buggy"); got.Error == "" {
		t.Errorf("run record: got no error, report %s", rep)
	}
}

// syncUnderRace is set in race builds (sync_race_test.go).
var syncUnderRace bool

func TestSyncEOIRBulkImportsWithFlatMemory(t *testing.T) {
	if testing.Short() || syncUnderRace {
		t.Skip("imports 100,000 rows: several seconds, and over a minute under the race detector")
	}
	const rows = 100_000
	path := filepath.Join(t.TempDir(), "tbl_schedule.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := source.WriteSyntheticSchedule(f, rows, 7, syncT0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	db := storetest.OpenSQLite(t) // on PostgreSQL this import takes minutes, not seconds
	s := &ingest.Syncer{DB: db, Now: func() time.Time { return syncT0 }}
	spec := ingest.SourceSpec{Name: "eoir", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2,
		Reader: &source.EOIRBulk{Path: path, Zoner: syncZones(t, db)}}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	var reports int
	var lastDone int64
	progress := func(done, total int64) {
		reports++
		lastDone = done
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	}
	start := time.Now()
	rep, err := s.Run(context.Background(), spec, false, progress)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %v; file %d MB, heap growth at most %.1f MB over %d progress reports", rep,
		time.Since(start).Round(time.Millisecond), fi.Size()>>20, float64(peak-min(peak, base))/(1<<20), reports)
	rejected := rows / 9973 // the generator's short rows
	if got, want := rep.Created+rep.Rejected, rows; got != want {
		t.Errorf("created + rejected: got %d, want %d", got, want)
	}
	if got, want := rep.Rejected, rejected; got != want {
		t.Errorf("rejected: got %d, want %d", got, want)
	}
	if got, want := lastDone, fi.Size(); got != want {
		t.Errorf("progress: last report %d bytes, want the file's %d", got, want)
	}
	if reports < 5 {
		t.Fatalf("progress: got %d reports, want one per megabyte", reports)
	}
	// Holding the rows would take several times the file's size; a streaming import holds a batch and the set of
	// hearing ids seen (a few bytes per row).
	if growth, limit := peak-min(peak, base), uint64(fi.Size()/4); growth > limit {
		t.Errorf("heap grew by %d bytes during the import, want at most %d (a quarter of the %d-byte file)", growth,
			limit, fi.Size())
	}
}

func TestReportOfARunThatFailedPartWay(t *testing.T) {
	rep := ingest.SyncReport{Source: "eoir", SyncResult: docket.SyncResult{Created: 750},
		Err: errors.New("sync eoir: stopped part-way, after 3 of its writes had committed (the next run applies the rest): disk I/O error")}
	got := rep.String()
	for _, want := range []string{"failed part-way after 750 created", "the next run applies the rest", "disk I/O error"} {
		if !strings.Contains(got, want) {
			t.Errorf("report %q does not say %q", got, want)
		}
	}
	if strings.Contains(got, "nothing changed") {
		t.Errorf("report %q says nothing changed, but 750 hearings were committed", got)
	}
}
