package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// SQLite's query planner gets statistics: a migrated database has them, and planning more than largeWrite rows
// refreshes them, so the claim of due reminders is planned knowing how many rows are pending.
func TestLargePlansRefreshTheStatistics(t *testing.T) {
	ctx := context.Background()
	db := MustOpenSQLite(t)
	stats := func(table string) int {
		t.Helper()
		var n int64
		if err := db.gorm.Raw("SELECT count(*) FROM sqlite_stat1 WHERE tbl = ?", table).Scan(&n).Error; err != nil {
			t.Fatalf("statistics after migrating: %v", err)
		}
		return int(n)
	}
	before := stats("outboxes")
	due := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	rows := make([]docket.Reminder, largeWrite)
	for i := range rows {
		rows[i] = docket.Reminder{HearingID: uint(i + 1), Recipient: "client", RecipientID: fmt.Sprint(i),
			Channel: docket.SMS, Address: fmt.Sprintf("+1214555%04d", i), Kind: docket.KindReminder, Due: due,
			State: docket.StatePending, DedupeKey: fmt.Sprintf("k/%d", i)}
	}
	if _, err := db.PlanOutbox(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if after := stats("outboxes"); after <= before {
		t.Errorf("statistics of the outbox: %d rows before a plan of %d, %d after; want them refreshed", before,
			largeWrite, after)
	}
}
