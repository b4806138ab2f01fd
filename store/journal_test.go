package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/jonboulle/clockwork"
	_ "github.com/ncruces/go-sqlite3/driver" // database/sql driver "sqlite3", for the connection that holds the lock
)

// holdWriteLock takes SQLite's write lock on the database at path from a connection of its own (as another writer
// or a long import would) and returns the function that releases it.
func holdWriteLock(t *testing.T, path string) (release func()) {
	t.Helper()
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	// A write inside the lock, so the transaction really holds it.
	if _, err := conn.ExecContext(ctx, "UPDATE courts SET phone = phone WHERE code = 'DAL'"); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Errorf("release the write lock: %v", err)
		}
		conn.Close()
		raw.Close()
	}
	t.Cleanup(release)
	return release
}

func sqlitePath(t *testing.T, db *DB) string {
	t.Helper()
	p, err := db.sqliteFile()
	if err != nil || p == "" {
		t.Fatalf("database file: %q, %v", p, err)
	}
	return p
}

// recordLocked records a through j while the database is locked: it waits for the bound's timer on the fake clock,
// moves the clock past it, and returns how long Record took in real time and its error.
func recordLocked(t *testing.T, j *Journaled, fc *clockwork.FakeClock, a docket.InboundAction) (time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	done := make(chan error, 1)
	go func() { done <- j.RecordInbound(context.Background(), a) }()
	if err := fc.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the bound's timer never started: %v", err)
	}
	fc.Advance(DefaultJournalBound)
	select {
	case err := <-done:
		return time.Since(began), err
	case <-ctx.Done():
		t.Fatal("RecordInbound did not return after its bound")
		return 0, nil
	}
}

func optedOut(t *testing.T, s interface {
	IsOptedOut(context.Context, docket.Channel, string) (bool, error)
}, phone string) bool {
	t.Helper()
	out, err := s.IsOptedOut(context.Background(), docket.SMS, phone)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func inboundSMS(sid string, action docket.Action, keyword string, at time.Time) docket.InboundAction {
	return docket.InboundAction{MessageSID: sid, Channel: docket.SMS, From: phoneRosa, Action: action,
		Keyword: keyword, At: at}
}

// TestJournalTakesOptOutsWhileLocked is issue 12's item 5: an ALTO while another connection holds SQLite's write
// lock longer than the bound is journaled at once, honoured by every reader of the journal while the lock is held,
// and applied in order once it is released.
func TestJournalTakesOptOutsWhileLocked(t *testing.T) {
	ctx := context.Background()
	db := MustOpenSQLite(t)
	path := sqlitePath(t, db)
	fc := clockwork.NewFakeClock()
	j := WithJournal(db, JournalOptions{Clock: fc})
	defer j.Close()
	// A START the database took before the lock: its replay must not count.
	if err := j.RecordInbound(ctx, inboundSMS("SMstart0", docket.ActionOptIn, "START", t0)); err != nil {
		t.Fatal(err)
	}

	release := holdWriteLock(t, path)
	took, err := recordLocked(t, j, fc, inboundSMS("SMalto1", docket.ActionOptOut, "ALTO", t0.Add(time.Hour)))
	if err != nil {
		t.Fatalf("ALTO while locked: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("ALTO while locked took %v, want it back soon after the bound (the busy timeout is 10s)", took)
	}
	es, err := readJournal(j.JournalPath())
	if err != nil || len(es) != 1 || es[0].SID != "SMalto1" || es[0].Action != docket.ActionOptOut {
		t.Fatalf("journal: got %+v, %v; want the ALTO", es, err)
	}
	if !optedOut(t, j, phoneRosa) {
		t.Error("journaled ALTO: not opted out while the lock is held")
	}
	if optedOut(t, db, phoneRosa) {
		t.Error("the database has the ALTO while its write lock is held by another connection")
	}

	// Another process on the same files (a cron `docketd remind`) sees it too.
	db2, err := Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	j2 := WithJournal(db2, JournalOptions{Clock: clockwork.NewFakeClock()})
	defer j2.Close()
	if !optedOut(t, j2, phoneRosa) {
		t.Error("another process: not opted out")
	}
	if a, err := j2.InboundActed(ctx, "SMalto1"); err != nil || a.Action != docket.ActionOptOut {
		t.Errorf("another process: ALTO acted on = %+v, %v", a, err)
	}

	// Replays while locked change nothing: the ALTO again, and the START the database has.
	if err := j.RecordInbound(ctx, inboundSMS("SMalto1", docket.ActionOptOut, "ALTO", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := j.RecordInbound(ctx, inboundSMS("SMstart0", docket.ActionOptIn, "START", t0.Add(2*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if es, _ := readJournal(j.JournalPath()); len(es) != 1 {
		t.Errorf("journal after replays: got %d entries, want 1", len(es))
	}
	if !optedOut(t, j, phoneRosa) {
		t.Error("a replayed START undid the journaled ALTO")
	}
	// A new START and a new STOP join the journal behind it, and the latest wins.
	if err := j.RecordInbound(ctx, inboundSMS("SMstart2", docket.ActionOptIn, "START", t0.Add(3*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if optedOut(t, j2, phoneRosa) {
		t.Error("START after ALTO: still opted out")
	}
	if err := j.RecordInbound(ctx, inboundSMS("SMstop3", docket.ActionOptOut, "STOP", t0.Add(4*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if !optedOut(t, j2, phoneRosa) {
		t.Error("STOP after START: not opted out")
	}

	release()
	left, err := j.Apply(ctx)
	if err != nil || left != 0 {
		t.Fatalf("apply after the lock: %d left, %v", left, err)
	}
	if _, err := os.Stat(j.JournalPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal file after applying: %v, want it removed", err)
	}
	if !optedOut(t, db, phoneRosa) {
		t.Error("after applying: the database does not have the opt-out")
	}
	var row optOutRow
	if err := db.gorm.Where("address = ?", phoneRosa).Take(&row).Error; err != nil || row.Keyword != "STOP" ||
		!row.At.Equal(t0.Add(4*time.Hour)) {
		t.Errorf("opt-out row: got %+v, %v; want the last word, STOP at %v", row, err, t0.Add(4*time.Hour))
	}
	for _, sid := range []string{"SMstart0", "SMalto1", "SMstart2", "SMstop3"} {
		if _, err := db.InboundActed(ctx, sid); err != nil {
			t.Errorf("%s not recorded in the database: %v", sid, err)
		}
	}
}

// TestJournalSurvivesRestart: the process that journaled the opt-out goes away while the lock is still held; new
// process objects over the same files honour it and apply it once the lock is released.
func TestJournalSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	db := MustOpenSQLite(t)
	path := sqlitePath(t, db)
	release := holdWriteLock(t, path)
	fc := clockwork.NewFakeClock()
	j := WithJournal(db, JournalOptions{Clock: fc})
	if _, err := recordLocked(t, j, fc, inboundSMS("SMalto", docket.ActionOptOut, "ALTO", t0)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	db.Close()

	db2, err := Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	j2 := WithJournal(db2, JournalOptions{Clock: clockwork.NewFakeClock()})
	defer j2.Close()
	if !optedOut(t, j2, phoneRosa) {
		t.Error("after a restart: not opted out")
	}
	release()
	if left, err := j2.Apply(ctx); err != nil || left != 0 {
		t.Fatalf("apply after the restart: %d left, %v", left, err)
	}
	if !optedOut(t, db2, phoneRosa) {
		t.Error("after a restart and the lock: the database does not have the opt-out")
	}
}

// TestJournalSkipsCutLines: a line a crash cut short is not an entry, and the next entry is a line of its own.
func TestJournalSkipsCutLines(t *testing.T) {
	path := t.TempDir() + "/j.jsonl"
	if err := appendJournal(path, entryOf(inboundSMS("SM1", docket.ActionOptOut, "STOP", t0))); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"cut","address":"+1214`)
	f.Close()
	if es, err := readJournal(path); err != nil || len(es) != 1 {
		t.Fatalf("with a cut line: got %d entries, %v; want 1", len(es), err)
	}
	if err := appendJournal(path, entryOf(inboundSMS("SM2", docket.ActionOptIn, "START", t0))); err != nil {
		t.Fatal(err)
	}
	es, err := readJournal(path)
	if err != nil || len(es) != 2 || es[1].SID != "SM2" {
		t.Fatalf("after the cut line: got %+v, %v; want SM1 and SM2", es, err)
	}
}

// TestReplayedStartAfterAltoChangesNothing: a captured START replayed after a later ALTO leaves the number opted
// out, with or without a journal (PostgreSQL has none).
func TestReplayedStartAfterAltoChangesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		j := WithJournal(db, JournalOptions{})
		defer j.Close()
		for _, a := range []docket.InboundAction{
			inboundSMS("SMstart", docket.ActionOptIn, "START", t0),
			inboundSMS("SMalto", docket.ActionOptOut, "ALTO", t0.Add(time.Hour)),
			inboundSMS("SMstart", docket.ActionOptIn, "START", t0.Add(2*time.Hour)), // the replay
		} {
			if err := j.RecordInbound(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if !optedOut(t, j, phoneRosa) {
			t.Error("a replayed START undid the ALTO")
		}
		if a, err := j.InboundActed(ctx, "SMstart"); err != nil || a.Action != docket.ActionOptIn || !a.At.Equal(t0) {
			t.Errorf("START acted on: got %+v, %v; want the first time", a, err)
		}
		if _, err := j.InboundActed(ctx, "SMnever"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown sid: got %v, want ErrNotFound", err)
		}
	})
}

// TestReplayedYesConfirmsOnce: a YES confirms the latest reminder; replayed after a later reminder it confirms
// nothing more; a YES with nothing to confirm stays a message for staff when replayed later.
func TestReplayedYesConfirmsOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := deliveryFixture(t, db)
		first := startDAL.Add(-7 * 24 * time.Hour)
		send(t, db, first, "SMr7d", docket.Reminder{HearingID: ids["rosa"], RecipientID: "rosa", Address: phoneRosa})
		yes := inboundSMS("SMyes", docket.ActionConfirm, "SI", first.Add(time.Hour))
		if lang, err := db.ConfirmInbound(ctx, yes); err != nil || lang != "es" {
			t.Fatalf("YES: got %q, %v; want es", lang, err)
		}
		second := startDAL.Add(-24 * time.Hour)
		send(t, db, second, "SMr1d", docket.Reminder{HearingID: ids["rosa"], RecipientID: "rosa", Address: phoneRosa})
		replay := yes
		replay.At = second.Add(time.Hour)
		if lang, err := db.ConfirmInbound(ctx, replay); err != nil || lang != "es" {
			t.Fatalf("replayed YES: got %q, %v; want the first answer's es", lang, err)
		}
		confirmed := func(sid string) bool {
			rs := rowsOf(t, db, sid)
			return len(rs) == 1 && rs[0].ConfirmedAt != nil
		}
		if !confirmed("SMr7d") || confirmed("SMr1d") {
			t.Errorf("after the replay: 7d confirmed %v (want true), 1d confirmed %v (want false)",
				confirmed("SMr7d"), confirmed("SMr1d"))
		}
		if _, err := db.ConfirmInbound(ctx, inboundSMS("SMyes2", docket.ActionConfirm, "SI", replay.At)); err != nil {
			t.Fatal(err)
		}
		if !confirmed("SMr1d") {
			t.Error("a new YES did not confirm the latest reminder")
		}

		sam := docket.InboundAction{MessageSID: "SMsam", Channel: docket.SMS, From: phoneSam,
			Action: docket.ActionConfirm, Keyword: "YES", At: t0}
		if _, err := db.ConfirmInbound(ctx, sam); !errors.Is(err, ErrNotFound) {
			t.Fatalf("YES with nothing to confirm: got %v, want ErrNotFound", err)
		}
		if a, err := db.InboundActed(ctx, "SMsam"); err != nil || a.Action != docket.ActionOther {
			t.Errorf("YES with nothing to confirm recorded as %+v, %v; want other", a, err)
		}
		send(t, db, t0.Add(time.Hour), "SMsam1", docket.Reminder{HearingID: ids["sam"], RecipientID: "sam", Address: phoneSam})
		sam.At = t0.Add(2 * time.Hour)
		if _, err := db.ConfirmInbound(ctx, sam); !errors.Is(err, ErrNotFound) {
			t.Errorf("replayed YES after a reminder: got %v, want ErrNotFound", err)
		}
		if confirmed("SMsam1") {
			t.Error("a replayed YES confirmed a reminder sent after it")
		}
	})
}
