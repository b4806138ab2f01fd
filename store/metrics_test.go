package store

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestSyncTotalsSumPerSourceAndOutcome(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)
		for _, run := range []docket.SyncRun{
			{Source: "office", StartedAt: now, Created: 3, Unchanged: 1},
			{Source: "office", StartedAt: now, Changed: 2, Rejected: 1},
			{Source: "office", StartedAt: now, Error: "file missing"},
			{Source: "eoir", StartedAt: now, Cancelled: 4},
		} {
			if err := db.RecordSyncRun(ctx, &run); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.SyncTotals(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sort.Slice(got, func(i, j int) bool {
			if got[i].Source != got[j].Source {
				return got[i].Source < got[j].Source
			}
			return !got[i].Failed && got[j].Failed
		})
		want := []docket.SyncTotal{
			{Source: "eoir", Runs: 1, Cancel: 4},
			{Source: "office", Runs: 2, Created: 3, Changed: 2, Same: 1, Reject: 1},
			{Source: "office", Failed: true, Runs: 1},
		}
		if len(got) != len(want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("total %d: got %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}
