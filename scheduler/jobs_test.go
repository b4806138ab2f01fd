package scheduler

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
)

func TestJobsUpdateByNameAndSurvivePanics(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
	jobs, err := NewJobs(clock, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var a, b, panics atomic.Int32
	ran := make(chan struct{}, 10)
	if err := jobs.Set("sync office", gocron.DurationJob(time.Hour), func(context.Context) error {
		a.Add(1)
		ran <- struct{}{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A reload sets the same name again: the job is replaced, not duplicated.
	if err := jobs.Set("sync office", gocron.DurationJob(30*time.Minute), func(context.Context) error {
		b.Add(1)
		ran <- struct{}{}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Set("broken", gocron.DurationJob(30*time.Minute), func(context.Context) error {
		panics.Add(1)
		ran <- struct{}{}
		panic("boom")
	}); err != nil {
		t.Fatal(err)
	}
	if got := jobs.Names(); len(got) != 2 {
		t.Fatalf("jobs: got %v, want two", got)
	}
	jobs.Start()
	defer jobs.Shutdown(context.Background())
	ctx := context.Background()
	clock.BlockUntilContext(ctx, 2)
	clock.Advance(30 * time.Minute)
	<-ran
	<-ran
	if a.Load() != 0 || b.Load() != 1 || panics.Load() != 1 {
		t.Errorf("runs: old %d, new %d, panicking %d; want 0, 1, 1", a.Load(), b.Load(), panics.Load())
	}
	jobs.Retain("sync office")
	if got := jobs.Names(); len(got) != 1 || got[0] != "sync office" {
		t.Errorf("after Retain: %v", got)
	}
}
