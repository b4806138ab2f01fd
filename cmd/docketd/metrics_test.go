package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

func TestMetricsGatherWithFailedAndGoodRunsOfOneSource(t *testing.T) {
	db, err := store.Open("sqlite:" + filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, run := range []docket.SyncRun{{Source: "office", StartedAt: now, Created: 3},
		{Source: "office", StartedAt: now, Error: "file missing"}} {
		if err := db.RecordSyncRun(ctx, &run); err != nil {
			t.Fatal(err)
		}
	}
	m := newMetrics(func() *store.DB { return db }, func() bool { return true }, func() time.Time { return now },
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	families, err := m.reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	found := map[string]bool{}
	for _, f := range families {
		found[f.GetName()] = true
	}
	for _, name := range []string{"docketd_sync_runs_total", "docketd_sync_records_total", "docketd_leader"} {
		if !found[name] {
			t.Errorf("missing %s", name)
		}
	}
}
