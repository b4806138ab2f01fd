package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// A plan whose rows are partly planned already, in every mix the batches can meet (all new, all planned, new after
// planned, planned after new), creates each new row once, counts only those, and leaves the planned ones as they are.
func TestPlanOutboxCreatesOnlyWhatIsNew(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	at := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	row := func(i int) docket.Reminder {
		return docket.Reminder{HearingID: uint(i + 1), Recipient: "client", RecipientID: "c", Channel: docket.SMS,
			Address: "+12145550142", Kind: docket.KindReminder, Due: at, State: docket.StatePending,
			DedupeKey: fmt.Sprintf("p/%04d", i)}
	}
	// Planned first: rows 200–399 (one whole batch), and every seventh row from 800 on.
	var first []docket.Reminder
	planned := map[int]bool{}
	for i := range 1400 {
		if (i >= 200 && i < 400) || (i >= 800 && i%7 == 0) {
			first = append(first, row(i))
			planned[i] = true
		}
	}
	if n, err := db.PlanOutbox(ctx, first); err != nil || n != len(first) {
		t.Fatalf("first plan: %d created, %v; want %d", n, err, len(first))
	}
	var all []docket.Reminder
	for i := range 1400 {
		all = append(all, row(i))
	}
	n, err := db.PlanOutbox(ctx, all)
	if err != nil || n != len(all)-len(first) {
		t.Fatalf("second plan: %d created, %v; want %d", n, err, len(all)-len(first))
	}
	if n, err := db.PlanOutbox(ctx, all); err != nil || n != 0 {
		t.Fatalf("third plan: %d created, %v; want none", n, err)
	}
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range rows {
		seen[r.DedupeKey]++
	}
	for i := range 1400 {
		if k := row(i).DedupeKey; seen[k] != 1 {
			t.Errorf("%s stored %d times, want once", k, seen[k])
		}
	}
}
