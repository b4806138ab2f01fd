package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql on PostgreSQL, to reset the benchmark's database
)

// maxBurst bounds -burst: each reminder goes to its own client.
const maxBurst = 50_000

// runBurst measures the morning burst (SPEC §10): o.Burst reminders all due at one instant, sent through
// notify.Twilio to a fake that answers after o.Latency, with [sms] rate = o.BurstRate, by o.Replicas dispatchers on
// one database (a SQLite file, or o.Postgres). The drain time is held to o.Burst ÷ rate, the rate the office's
// campaign allows whatever the number of replicas; the most requests the fake saw in any one second is held to the
// rate itself.
func runBurst(ctx context.Context, o *options) (metrics, error) {
	return burst(ctx, o, scratch(o, "burst.db"), 1)
}

// runBurstPG is runBurst on PostgreSQL with two replicas sharing the office's rate.
func runBurstPG(ctx context.Context, o *options) (metrics, error) {
	if o.Postgres == "" {
		return metrics{}, nil
	}
	if err := resetPostgres(ctx, o.Postgres); err != nil {
		return nil, err
	}
	return burst(ctx, o, o.Postgres, 2)
}

func burst(ctx context.Context, o *options, path string, replicas int) (metrics, error) {
	now := time.Now()
	db, err := seedOutbox(ctx, path, o.Burst, now, func(int) time.Time { return now.Add(-time.Second) })
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer db.Close()
	fake := newSlowTwilio(o.Latency)
	defer fake.Close()
	offices := make([]*assembly.Office, replicas)
	for i := range offices {
		if offices[i], err = fake.officeAt(ctx, dbURL(path), o.BurstRate, 0); err != nil {
			return nil, err
		}
		defer offices[i].Close()
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		settled int
		errs    []error
	)
	start := time.Now()
	for _, off := range offices {
		wg.Go(func() {
			n, err := off.Dispatcher.DispatchDue(ctx)
			mu.Lock()
			defer mu.Unlock()
			settled += n
			errs = append(errs, err)
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	n, _ := fake.sent()
	fake.mu.Lock()
	dups := 0
	for _, times := range fake.arrived {
		dups += len(times) - 1
	}
	peak := peakPerSecond(fake.times)
	fake.mu.Unlock()
	if n-dups != o.Burst {
		return nil, fmt.Errorf("%d replicas settled %d rows and the fake got %d messages (%d repeated), want %d%s",
			replicas, settled, n, dups, o.Burst, firstUnsent(ctx, db))
	}
	return metrics{"seconds": elapsed, "limit_seconds": float64(o.Burst) / o.BurstRate, "peak": peak,
		"duplicates": float64(dups), "replicas": float64(replicas)}, nil
}

// peakPerSecond is the most of times (in order) that fall in any one second.
func peakPerSecond(times []time.Time) float64 {
	times = slices.Clone(times)
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi, t := range times {
		for t.Sub(times[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return float64(best)
}

// resetPostgres empties the benchmark's PostgreSQL database, so each run starts from no schema.
func resetPostgres(ctx context.Context, url string) error {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
	return err
}
