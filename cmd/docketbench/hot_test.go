package main

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// The hot paths, one operation each, for counting instructions (docketbench -instructions runs them under
// callgrind at two iteration counts; the difference is one operation's count, whatever the setup costs). They run
// as ordinary benchmarks too. The sizes are small so that a run under callgrind takes seconds.

// hotRows, hotHearings and hotMessages are the sizes of one operation.
const (
	hotRows     = 1000
	hotHearings = 500
	hotMessages = 100
)

func hotOptions(b *testing.B) *options {
	return &options{Dir: b.TempDir(), Rows: hotRows, Messages: hotMessages}
}

// BenchmarkHotImport is one import of a 1,000-row tbl_schedule file into a new SQLite store, migrations included.
func BenchmarkHotImport(b *testing.B) {
	ctx := context.Background()
	o := hotOptions(b)
	if _, err := scheduleFile(o, hotRows); err != nil { // written before the count starts
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		db, spec, err := importStore(ctx, o, filepath.Join(o.Dir, fmt.Sprintf("import-%d.db", i)))
		if err != nil {
			b.Fatal(err)
		}
		rep, err := (&ingest.Syncer{DB: db}).Run(ctx, spec, false, nil)
		if err != nil || rep.Created == 0 {
			b.Fatalf("import: %d created, %v", rep.Created, err)
		}
		db.Close()
	}
}

// BenchmarkHotPlan is one first plan of 500 hearings (1,500 texts) into an emptied outbox, and
// BenchmarkHotPlanAgain one plan with nothing new to plan, what the daemon does every few minutes.
func BenchmarkHotPlan(b *testing.B) { hotPlan(b, true) }

func BenchmarkHotPlanAgain(b *testing.B) { hotPlan(b, false) }

func hotPlan(b *testing.B, empty bool) {
	ctx := context.Background()
	o := hotOptions(b)
	path := scratch(o, "plan.db")
	now := time.Now()
	if err := seedHearings(ctx, path, hotHearings, planClients, now); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	raw, err := openRaw(path)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	p := &reminder.Planner{DB: db, Rules: benchRules, Now: func() time.Time { return now }, Log: discardLog()}
	if _, err := p.Plan(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if empty {
			if _, err := raw.ExecContext(ctx, "DELETE FROM outboxes"); err != nil {
				b.Fatal(err)
			}
		}
		res, err := p.Plan(ctx)
		if err != nil || (empty && res.Planned == 0) || (!empty && res.Planned != 0) {
			b.Fatalf("plan: %d planned, %v", res.Planned, err)
		}
	}
}

// BenchmarkHotDispatch is one dispatch of 100 due texts through notify.Twilio to a local fake, on a fresh copy of
// the seeded database, the dispatcher built by the assembly.
func BenchmarkHotDispatch(b *testing.B) {
	ctx := context.Background()
	o := hotOptions(b)
	now := time.Now()
	seeded := scratch(o, "dispatch-seed.db")
	db, err := seedOutbox(ctx, seeded, hotMessages, now, func(int) time.Time { return now.Add(-time.Second) })
	if err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		if _, _, _, err := dispatchRound(ctx, o, seeded); err != nil {
			b.Fatal(err)
		}
	}
}
