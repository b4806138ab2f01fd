package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// underRace is set in race builds (sync_race_test.go).
var underRace bool

// bigRecords returns n hearings of distinct cases keyed prefix-000000…, spread over the spring of 2027.
func bigRecords(prefix string, first, n int) []docket.HearingRecord {
	recs := make([]docket.HearingRecord, n)
	for i := range recs {
		j := first + i
		recs[i] = record(fmt.Sprintf("%s-%06d", prefix, j), docket.ANumber(fmt.Sprintf("3%08d", j)),
			time.Date(2027, 3, 1+j%90, 8+j%8, 30, 0, 0, chicago))
	}
	return recs
}

// applyAll stages recs in batches of a thousand, as the Syncer does.
func applyAll(t testing.TB, s docket.SyncPass, recs []docket.HearingRecord) {
	t.Helper()
	for i := 0; i < len(recs); i += 1000 {
		if err := s.Apply(recs[i:min(i+1000, len(recs))]); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLongPassLetsOtherWritersIn runs a first import of tens of thousands of hearings while a second connection,
// with a busy timeout a tenth of the store's, keeps writing (an opt-out each time, as a webhook does): every one of
// its writes gets the lock in time, many of them between two pieces of the pass, and no piece holds the lock long.
func TestLongPassLetsOtherWritersIn(t *testing.T) {
	if testing.Short() {
		t.Skip("imports tens of thousands of rows")
	}
	// What a writer waiting with busy_timeout must be able to afford is the bound; pieces aim at pieceTarget. How
	// long a piece held the lock is logged, not asserted: on a loaded machine a piece's time is the machine's, and
	// the guarantee is the other writer's, which never fails.
	n, otherBusy := 30_000, time.Second
	if underRace {
		n, otherBusy = 5_000, 3*time.Second
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "docketd.db")
	db, err := Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := sql.Open("sqlite3", sqliteDSN(path, otherBusy))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	other.SetMaxOpenConns(1)

	s, err := db.BeginSync(ctx, docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour,
		MaxChange: 0.2, Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	applyAll(t, s, bigRecords("big", 0, n))

	type tally struct {
		ok, failed int
		between    map[int64]bool // hearing counts seen by writes that landed between two pieces
		worst      time.Duration
		firstErr   error
	}
	stop := make(chan struct{})
	done := make(chan tally)
	go func() {
		tl := tally{between: map[int64]bool{}}
		defer func() { done <- tl }()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			began := time.Now()
			err := func() error {
				tx, err := other.BeginTx(ctx, nil) // BEGIN IMMEDIATE: waits for the write lock, up to otherBusy
				if err != nil {
					return err
				}
				defer tx.Rollback()
				var count int64
				if err := tx.QueryRow("SELECT COUNT(*) FROM hearings").Scan(&count); err != nil {
					return err
				}
				if _, err := tx.Exec("INSERT INTO opt_outs (channel, address, keyword, at) VALUES (?, ?, ?, ?)",
					"sms", fmt.Sprintf("+1%010d", i), "ALTO", began); err != nil {
					return err
				}
				if err := tx.Commit(); err != nil {
					return err
				}
				if count > 0 && count < int64(n) {
					tl.between[count] = true
				}
				return nil
			}()
			tl.worst = max(tl.worst, time.Since(began))
			if err != nil {
				tl.failed++
				if tl.firstErr == nil {
					tl.firstErr = err
				}
				continue
			}
			tl.ok++
		}
	}()
	began := time.Now()
	res, err := s.Finish()
	took := time.Since(began)
	close(stop)
	tl := <-done
	if err != nil {
		t.Fatal(err)
	}
	pieces, longest := s.(*Sync).Writes()
	t.Logf("%d hearings created in %v by %d write transactions, the longest holding the lock %v; the other "+
		"writer: %d writes, %d failed, %d between two pieces, longest wait %v",
		res.Created, took.Round(time.Millisecond), pieces, longest.Round(time.Millisecond), tl.ok, tl.failed,
		len(tl.between), tl.worst.Round(time.Millisecond))
	if res.Created != n {
		t.Errorf("created %d, want %d", res.Created, n)
	}
	if tl.failed > 0 {
		t.Errorf("%d writes of the other connection failed (busy timeout %v), the first: %v", tl.failed, otherBusy,
			tl.firstErr)
	}
	if want := min(pieces/4, 20); len(tl.between) < want {
		t.Errorf("the other writer got in between two pieces %d times, want at least %d of %d", len(tl.between),
			want, pieces)
	}
}

// tableCounts counts the rows a pass may write, and fingerprints the hearings.
func tableCounts(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	for _, m := range []any{&caseRow{}, &clientRow{}, &hearingRow{}, &changeRow{}} {
		var n int64
		if err := db.gorm.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%T %d\n", m, n)
	}
	var hs []hearingRow
	if err := db.gorm.Order("id").Find(&hs).Error; err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		fmt.Fprintf(&b, "%d %s %s %d %s %v %v\n", h.ID, h.SourceKey, h.Status, h.Sequence, h.Start.UTC(),
			h.MissingSince != nil, h.UpdatedAt.UTC())
	}
	return b.String()
}

// stagingLeft lists the staging folders left in db's staging place.
func stagingLeft(t *testing.T, db *DB) []string {
	t.Helper()
	dir := db.stageDir
	if dir == "" {
		dir = os.TempDir()
	}
	left, err := filepath.Glob(filepath.Join(dir, "docketd-sync-*"))
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// TestRefusedPassWritesNothing: a pass the empty-source rule refuses writes nothing at all, even when it is large
// enough to be staged on disk, and leaves no staging file behind; a pass the mass-change guard holds (too many moves,
// too many gone) writes its new hearings, cases and clients and leaves every held hearing as it was.
func TestRefusedPassWritesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		before := len(stagingLeft(t, db))
		opts := docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Now: t0}
		old := bigRecords("old", 0, 100) // 100 hearings in 100 slots
		if _, err := runSync(t, db, opts, old...); err != nil {
			t.Fatal(err)
		}
		untouched := func() int64 {
			t.Helper()
			var n int64
			if err := db.gorm.Model(&hearingRow{}).Where("source_key LIKE 'old-%' AND sequence = 0 AND " +
				"missing_since IS NULL").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}

		// 30 of the 100 move, and 6,000 new hearings with contacts come along (more than fit in memory).
		moved := append([]docket.HearingRecord(nil), old...)
		for i := range 30 {
			moved[i].Start = moved[i].Start.Add(24 * time.Hour)
		}
		// The new ones are past hearings, so the upcoming slots stay the 100 of old whichever case runs first.
		fresh := bigRecords("new", 1000, stageInMemory+2000)
		for i := range fresh {
			fresh[i].Start = fresh[i].Start.AddDate(-2, 0, 0)
			fresh[i].Contact = &docket.ContactDetails{Name: "Client New", Phone: fmt.Sprintf("+1214%07d", i)}
		}
		tooMany := append(moved, fresh...)
		held := []struct {
			name    string
			opts    docket.SyncOptions
			recs    []docket.HearingRecord
			changes int
		}{
			{"moves over the share", opts, tooMany, 30},
			{"moves over the share, not complete", docket.SyncOptions{Source: "eoir", MaxChange: 0.2, Now: t0},
				tooMany, 30},
			{"gone over the share", opts, append(old[25:], fresh...), 25},
		}
		for _, c := range held {
			res, err := runSync(t, db, c.opts, c.recs...)
			if err != nil || res.Hold == nil || res.Hold.Changes != c.changes || res.Hold.Hearings != c.changes ||
				res.Hold.Slots != 100 {
				t.Fatalf("%s: got %+v, %v; want %d changes of 100 slots held", c.name, res.Hold, err, c.changes)
			}
			if res.Moved != 0 || res.Cancelled != 0 || res.Missing != 0 || res.Created+res.Unchanged < len(fresh) {
				t.Errorf("%s: held pass did %+v; want the new hearings in and nothing moved or missing", c.name, res)
			}
			if n := untouched(); n != 100 {
				t.Errorf("%s: %d of the 100 held hearings are as they were, want all", c.name, n)
			}
			if left := stagingLeft(t, db); len(left) != before {
				t.Errorf("%s: staging left behind: %v", c.name, left)
			}
		}
		want := tableCounts(t, db)
		s, err := db.BeginSync(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Finish()
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "listed no hearings but 100 are upcoming") {
			t.Errorf("empty complete source: got %v, want refused", err)
		}
		if res != (docket.SyncResult{}) {
			t.Errorf("empty complete source: refused pass reports %+v, want zeros", res)
		}
		if got := tableCounts(t, db); got != want {
			t.Errorf("empty complete source: the refused pass wrote:\n%.600s\nwant:\n%.600s", got, want)
		}
		// Forced, the same pass goes through.
		forced := opts
		forced.Force = true
		res, err = runSync(t, db, forced, tooMany...)
		if err != nil || res.Moved != 30 || res.Hold != nil {
			t.Errorf("forced: got %+v, %v; want 30 moved, nothing held", res, err)
		}
	})
}

// killChildEnv names, in a child process of TestKilledPassIsRepairedByTheNext, the store whose pass it runs until
// it is killed.
const killChildEnv = "DOCKETD_STORE_KILLED_PASS_URL"

// killedPass is the pass the child runs and the parent repeats: the 2,000 seeded hearings, 200 of them a day later
// (listed first), then 15,000 new ones.
func killedPass() (docket.SyncOptions, []docket.HearingRecord) {
	recs := bigRecords("seed", 0, 2000)
	for i := range 200 {
		recs[i].Start = recs[i].Start.Add(24 * time.Hour)
	}
	recs = append(recs, bigRecords("new", 10_000, 15_000)...)
	// No guard: 200 moves of its 360 slots would be held, and this pass is about pieces, not the guard.
	return docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour, Now: t0}, recs
}

// TestKilledPassIsRepairedByTheNext kills (SIGKILL) a process in the middle of a pass, after some of its pieces
// committed, and runs the pass again: every hearing ends up as a pass that was never interrupted leaves it, each
// move with one sequence bump and one change-log entry, nothing twice.
func TestKilledPassIsRepairedByTheNext(t *testing.T) {
	if url := os.Getenv(killChildEnv); url != "" {
		db, err := Open(url)
		if err != nil {
			t.Fatal(err)
		}
		opts, recs := killedPass()
		s, err := db.BeginSync(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		applyAll(t, s, recs)
		_, err = s.Finish()
		t.Fatalf("the pass ended before it was killed (err %v)", err)
	}
	if testing.Short() || underRace {
		t.Skip("imports 17,000 rows in a child process")
	}
	urls := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "docketd.db")}
	if base := os.Getenv("DOCKETD_TEST_POSTGRES"); base != "" {
		urls["postgres"] = postgresSchemaURL(t, base)
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			opts, recs := killedPass()
			seed := bigRecords("seed", 0, 2000)
			if _, err := runSync(t, db, opts, seed...); err != nil {
				t.Fatal(err)
			}
			count := func() (moved, created int64) {
				t.Helper()
				if err := db.gorm.Model(&hearingRow{}).Where("sequence = 1").Count(&moved).Error; err != nil {
					t.Fatal(err)
				}
				if err := db.gorm.Model(&hearingRow{}).Where("source_key LIKE 'new-%'").Count(&created).Error; err != nil {
					t.Fatal(err)
				}
				return moved, created
			}

			child := exec.Command(os.Args[0], "-test.run=^TestKilledPassIsRepairedByTheNext$", "-test.count=1")
			child.Env = append(os.Environ(), killChildEnv+"="+url)
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- child.Wait() }()
			// A bounded poll for the child to reach the middle of its pass: the moves and some new hearings in.
			deadline := time.Now().Add(2 * time.Minute)
			for {
				if _, created := count(); created > 0 {
					break
				}
				select {
				case err := <-exited:
					t.Fatalf("the child ended before the kill: %v", err)
				default:
				}
				if time.Now().After(deadline) {
					child.Process.Kill()
					t.Fatal("the child wrote no new hearing within 2 minutes")
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := child.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			<-exited
			moved, created := count()
			t.Logf("killed with %d of 200 moves and %d of 15000 new hearings committed", moved, created)
			if moved != 200 || created == 0 || created >= 15_000 {
				t.Fatalf("killed with %d moves and %d new hearings in; want all 200 moves (they come first) and "+
					"some, not all, new hearings", moved, created)
			}

			res, err := runSync(t, db, opts, recs...)
			if err != nil {
				t.Fatal(err)
			}
			want := docket.SyncResult{Created: 15_000 - int(created), Unchanged: 2000 + int(created)}
			if res != want {
				t.Errorf("repairing pass: got %+v, want %+v", res, want)
			}
			checkAsUninterrupted(t, db, recs, seed)
		})
	}
}

// checkAsUninterrupted checks every hearing is as one uninterrupted pass over recs leaves it: at its record's start,
// with one sequence bump and one change-log entry for a seed hearing that moved, none for the rest.
func checkAsUninterrupted(t *testing.T, db *DB, recs, seed []docket.HearingRecord) {
	t.Helper()
	var hs []hearingRow
	if err := db.gorm.Find(&hs).Error; err != nil {
		t.Fatal(err)
	}
	if got, want := len(hs), 17_000; got != want {
		t.Errorf("hearings: got %d, want %d", got, want)
	}
	byKey := map[string]docket.HearingRecord{}
	for _, r := range recs {
		byKey[r.Key] = r
	}
	var changes []changeRow
	if err := db.gorm.Find(&changes).Error; err != nil {
		t.Fatal(err)
	}
	perHearing := map[uint]int{}
	for _, c := range changes {
		perHearing[c.HearingID]++
	}
	var wrong int
	for _, h := range hs {
		r := byKey[h.SourceKey]
		wantSeq := 0
		if strings.HasPrefix(h.SourceKey, "seed-") && !r.Start.Equal(seed[atoiKey(h.SourceKey)].Start) {
			wantSeq = 1
		}
		if !h.Start.Equal(r.Start) || h.Sequence != wantSeq || perHearing[h.ID] != wantSeq ||
			h.Status != docket.StatusScheduled {
			wrong++
			if wrong <= 5 {
				t.Errorf("%s: start %v sequence %d changes %d status %s; want start %v sequence %d and %d "+
					"changes", h.SourceKey, h.Start, h.Sequence, perHearing[h.ID], h.Status, r.Start, wantSeq, wantSeq)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d hearings not as an uninterrupted pass leaves them", wrong)
	}
}

// atoiKey returns the number of a key "prefix-000123".
func atoiKey(key string) int {
	var n int
	fmt.Sscanf(key[strings.LastIndexByte(key, '-')+1:], "%d", &n)
	return n
}

// postgresSchemaURL creates a fresh schema in the PostgreSQL database at base, dropped after the test, and returns
// base with its search_path set to it (for a child process to open too).
func postgresSchemaURL(t *testing.T, base string) string {
	t.Helper()
	admin, err := Open(base)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("t_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if err := admin.gorm.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.gorm.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

// TestUnfinishedRunSaysSo: a run recorded as it starts and never ended (its process was killed) reads as
// unfinished; recorded again with its end, it reads as what it was.
func TestUnfinishedRunSaysSo(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		run := &docket.SyncRun{Source: "eoir", StartedAt: t0}
		if err := db.RecordSyncRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		runs, err := db.LastSyncRuns(ctx)
		if err != nil || len(runs) != 1 || !strings.Contains(runs[0].Error, "did not finish") {
			t.Fatalf("unfinished run: got %+v, %v", runs, err)
		}
		run.EndedAt, run.Created = t0.Add(time.Minute), 7
		if err := db.RecordSyncRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		runs, err = db.LastSyncRuns(ctx)
		if err != nil || len(runs) != 1 || runs[0].Error != "" || runs[0].Created != 7 || runs[0].ID != run.ID {
			t.Fatalf("finished run: got %+v, %v", runs, err)
		}
	})
}

// TestPassStoppedPartWayReportsWhatItCommitted: a pass whose writes stop after two pieces returns the counts of
// those pieces and says so in its error, and the next pass applies the rest.
func TestPassStoppedPartWayReportsWhatItCommitted(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		opts := docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Now: t0}
		recs := bigRecords("k", 0, 6*pieceSize)
		s, err := db.BeginSync(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		s.(*Sync).stopAfter = 2
		applyAll(t, s, recs)
		res, err := s.Finish()
		if !errors.Is(err, errStopped) || !strings.Contains(err.Error(), "stopped part-way, after 2 of its writes") {
			t.Errorf("got %v, want the stop, part-way after 2 writes", err)
		}
		// Two pieces: the first of pieceSize records, the next at most twice that (fewer if the first was slow).
		var stored int64
		if err := db.gorm.Model(&hearingRow{}).Count(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if res.Created == 0 || res.Created > 3*pieceSize || int64(res.Created) != stored {
			t.Errorf("stopped pass reports %+v with %d hearings stored, want what its 2 pieces created", res, stored)
		}
		done := res.Created
		res, err = runSync(t, db, opts, recs...)
		if err != nil || res.Created != len(recs)-done || res.Unchanged != done {
			t.Errorf("next pass: got %+v, %v; want %d created and %d unchanged", res, err, len(recs)-done, done)
		}
	})
}

func TestTimesBecomingKnownAreNotMovesForTheGuard(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		known := marchRecords(10) // ten slots at 9:00
		unknown := make([]docket.HearingRecord, len(known))
		for i, r := range known {
			unknown[i] = r
			unknown[i].Start = time.Date(r.Start.Year(), r.Start.Month(), r.Start.Day(), 0, 0, 0, 0, chicago)
			unknown[i].TimeUnknown = true
		}
		opts := docket.SyncOptions{Source: "acis", MaxChange: 0.2, MaxChangeMin: 5, Now: t0}
		if _, err := runSync(t, db, opts, unknown...); err != nil {
			t.Fatal(err)
		}
		// The court posts the times: ten changes of ten slots, every one the same day.
		res, err := runSync(t, db, opts, known...)
		if err != nil {
			t.Fatal(err)
		}
		if res.Hold != nil || res.Changed != 10 || res.Moved != 0 {
			t.Fatalf("times becoming known: got %+v (hold %v), want 10 changed, none moved or held", res, res.Hold)
		}
	})
}

// A piece the plan found all new is written without looking its records up again; when another pass of the same
// source (another process) stored some of them in between, the piece is rolled back and applied again compared with
// the store: every record ends as this pass has it, the ones stored in between moved, none lost or doubled.
func TestPieceOfNewRecordsStoredInBetweenIsAppliedAgain(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		opts := docket.SyncOptions{Source: "eoir", Complete: true, Grace: 72 * time.Hour, MaxChange: 0.2, Now: t0}
		recs := bigRecords("r", 0, 600)
		s, err := db.BeginSync(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		applyAll(t, s, recs)
		// Between the plan and the first piece, another pass stores two of the records at another time: one in the
		// first piece, one in the second.
		var other []docket.HearingRecord
		for _, i := range []int{10, 300} {
			r := recs[i]
			r.Start = r.Start.Add(time.Hour)
			other = append(other, r)
		}
		once := false
		s.(*Sync).beforePiece = func() {
			if once {
				return
			}
			once = true
			if res, err := runSync(t, db, docket.SyncOptions{Source: "eoir", Now: t0}, other...); err != nil || res.Created != 2 {
				t.Fatalf("the other pass: %+v, %v", res, err)
			}
		}
		res, err := s.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 598 || res.Moved != 2 {
			t.Errorf("got %+v, want 598 created and the 2 stored in between moved", res)
		}
		var rows []hearingRow
		if err := db.gorm.Where("source = ?", "eoir").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		byKey := map[string]hearingRow{}
		for _, h := range rows {
			byKey[h.SourceKey] = h
		}
		if len(rows) != len(recs) || len(byKey) != len(recs) {
			t.Fatalf("%d hearings stored (%d keys), want %d", len(rows), len(byKey), len(recs))
		}
		for _, r := range recs {
			if h := byKey[r.Key]; !h.Start.Equal(r.Start) {
				t.Errorf("%s starts %v, want %v (this pass's)", r.Key, h.Start, r.Start)
			}
		}
	})
}

// Pieces of a few records (a re-sync's scattered changes), however quick, never make the next pieces larger: only a
// full piece tells how long a full one holds the lock.
func TestPartPiecesDoNotGrowThePieceSize(t *testing.T) {
	db := MustOpenSQLite(t)
	s, err := db.BeginSync(context.Background(), docket.SyncOptions{Source: "eoir", Now: t0})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Abort()
	sy := s.(*Sync)
	sy.size = pieceSize
	for range 6 {
		if err := sy.write(3, func(*piece) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if sy.size > pieceSize {
		t.Errorf("after six pieces of 3 records the next piece takes %d, more than the %d it took", sy.size, pieceSize)
	}
}
