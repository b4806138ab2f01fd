package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/docketd/docketd/docket"
)

// Past what it keeps in memory the stage moves to its file, and there too a key listed again keeps its first place
// and takes its last data, and is counted once.
func TestStageKeepsEachKeyOnceInFirstOrder(t *testing.T) {
	ctx := context.Background()
	st := newStage(t.TempDir())
	defer st.close()
	const n = stageInMemory + 1500
	rec := func(i int, judge string) docket.HearingRecord {
		return docket.HearingRecord{Key: fmt.Sprintf("k%05d", i), Judge: judge}
	}
	var batch []docket.HearingRecord
	for i := range n {
		batch = append(batch, rec(i, "first"))
		if len(batch) == 1000 {
			if err := st.put(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	// Every tenth key again, in another batch and in this one, and a new key between them.
	for i := 0; i < n; i += 10 {
		batch = append(batch, rec(i, "again"))
	}
	batch = append(batch, rec(n, "new"), rec(0, "last"))
	if err := st.put(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if st.db == nil {
		t.Fatal("the stage never moved to its file")
	}
	if got, want := st.len(), n+1; got != want {
		t.Errorf("len %d, want %d", got, want)
	}
	i := 0
	err := st.each(ctx, 700, func(recs []docket.HearingRecord) error {
		for _, r := range recs {
			want := rec(i, "first")
			switch {
			case i == 0:
				want.Judge = "last"
			case i == n:
				want.Judge = "new"
			case i%10 == 0:
				want.Judge = "again"
			}
			if r.Key != want.Key || r.Judge != want.Judge {
				t.Fatalf("record %d: %s %q, want %s %q", i, r.Key, r.Judge, want.Key, want.Judge)
			}
			i++
		}
		return nil
	})
	if err != nil || i != n+1 {
		t.Errorf("each gave %d records (%v), want %d", i, err, n+1)
	}
}
