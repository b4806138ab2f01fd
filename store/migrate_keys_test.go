package store

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

const identityKeysID = "0010_outbox_identity_keys"

// previousKey is the key versions before 0010 planned for r, written as they wrote it, about the hearing of row id
// hearingID.
func previousKey(hearingID uint, r docket.Reminder) string {
	if r.Kind == docket.KindReminder {
		return fmt.Sprintf("reminder/%d/%d/%s/%s/%s/%s/%s", hearingID, r.Sequence, r.Recipient, r.RecipientID,
			r.Channel, r.Policy, r.Offset)
	}
	return fmt.Sprintf("%s/%d/%d/%s/%s/%s", r.Kind, hearingID, r.Sequence, r.Recipient, r.RecipientID, r.Channel)
}

// unapply marks migration 0010 not applied, so the next Migrate runs it again on what the outbox holds.
func unapply(t testing.TB, db *DB) {
	t.Helper()
	if err := db.gorm.Exec("DELETE FROM "+migrationsTable+" WHERE id = ?", identityKeysID).Error; err != nil {
		t.Fatal(err)
	}
}

// outboxKeys returns every outbox row by id, as key and state.
func outboxKeys(t testing.TB, db *DB) map[uint]string {
	t.Helper()
	var rows []outboxRow
	if err := db.gorm.Select("id", "dedupe_key", "state").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[uint]string{}
	for _, r := range rows {
		out[r.ID] = r.DedupeKey + " " + string(r.State)
	}
	return out
}

// hearingIDs returns the row id of every hearing, by source key.
func hearingIDs(t *testing.T, db *DB) map[string]uint {
	t.Helper()
	hs, err := db.Hearings(context.Background(), docket.HearingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]uint{}
	for _, h := range hs {
		ids[h.SourceKey] = h.ID
	}
	return ids
}

func TestIdentityKeysMigrationOnAnEmptyDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		st, err := db.Migrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Pending) != 0 || !slices.Contains(st.Applied, identityKeysID) {
			t.Errorf("migrations: %+v, want %s applied", st, identityKeysID)
		}
		if err := rekeyOutbox(db.gorm, rowIDKey); err != nil {
			t.Errorf("rollback: %v", err)
		}
	})
}

func TestIdentityKeysMigrationRewritesEveryKeyFromTheRowAndItsHearing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		opts := docket.SyncOptions{Source: "office", Now: t0}
		start := time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
		if _, err := runSync(t, db, opts, record("k1", "201555101", start), record("k2", "201555102", start)); err != nil {
			t.Fatal(err)
		}
		ids := hearingIDs(t, db)
		due := start.Add(-24 * time.Hour)
		// Every shape of row the planner makes: a reminder to the client, to a detained client's contact person,
		// to counsel in the client's place; a change notice and a cancellation notice. And one about k2.
		rows := []docket.Reminder{
			{Recipient: docket.ToClient, RecipientID: "rosa", Channel: docket.SMS, Kind: docket.KindReminder,
				Policy: "client-text", Offset: "1d"},
			{Recipient: docket.ToContact, RecipientID: "rosa", Channel: docket.SMS, Kind: docket.KindReminder,
				Policy: "client-text", Offset: "7d"},
			{Recipient: docket.ToAttorney, RecipientID: "lf", Channel: docket.Email, Kind: docket.KindReminder,
				Policy: "client-text", Offset: "7d"},
			{Recipient: docket.ToClient, RecipientID: "rosa", Channel: docket.SMS, Kind: docket.KindRescheduled, Sequence: 1},
			{Recipient: docket.ToAttorney, RecipientID: "lf", Channel: docket.Email, Kind: docket.KindCancelled, Sequence: 2},
			{Recipient: docket.ToClient, RecipientID: "jorge", Channel: docket.SMS, Kind: docket.KindReminder,
				Policy: "client-text", Offset: "1d"},
		}
		for i := range rows {
			rows[i].HearingID = ids["k1"]
			if rows[i].RecipientID == "jorge" {
				rows[i].HearingID = ids["k2"]
			}
			rows[i].Address, rows[i].Due, rows[i].State = "+12145550142", due, docket.StatePending
			rows[i].DedupeKey = previousKey(rows[i].HearingID, rows[i])
		}
		if n, err := db.PlanOutbox(ctx, rows); err != nil || n != len(rows) {
			t.Fatalf("planned %d of %d: %v", n, len(rows), err)
		}
		before := outboxKeys(t, db)
		// k2's hearing is gone (a deleted hearing; its row stays for the record).
		if err := db.gorm.Exec("DELETE FROM hearings WHERE id = ?", ids["k2"]).Error; err != nil {
			t.Fatal(err)
		}
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		stored, err := db.OutboxRows(ctx, docket.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		k1 := docket.Identity("office", "k1")
		for _, r := range stored {
			want := docket.DedupeKey(k1, r)
			if r.HearingID == ids["k2"] {
				want = previousKey(ids["k2"], r) // its hearing is gone: the key stays
			}
			if r.DedupeKey != want || r.State != docket.StatePending {
				t.Errorf("row %d: key %s (%s), want %s (pending)", r.ID, r.DedupeKey, r.State, want)
			}
		}
		if got, want := len(stored), len(rows); got != want {
			t.Errorf("%d rows after the migration, want %d", got, want)
		}
		migrated := outboxKeys(t, db)

		// Run again (a start after one that rewrote the keys and stopped before recording it): nothing changes.
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := outboxKeys(t, db); fmt.Sprint(got) != fmt.Sprint(migrated) {
			t.Errorf("a second run changed the outbox:\n%v\nwant\n%v", got, migrated)
		}
		// Rolled back, every row has the key it had.
		if err := rekeyOutbox(db.gorm, rowIDKey); err != nil {
			t.Fatal(err)
		}
		if got := outboxKeys(t, db); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("rolled back:\n%v\nwant\n%v", got, before)
		}
	})
}

func TestIdentityKeysMigrationKeepsOneRowOfAReminderPlannedTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		start := time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, record("k1", "201555101", start)); err != nil {
			t.Fatal(err)
		}
		id := hearingIDs(t, db)["k1"]
		// A database an earlier version rebuilt: each reminder was planned under the hearing's old row id (99),
		// then again under its new one, and is two rows.
		reminder := func(offset string, old bool, state docket.ReminderState) docket.Reminder {
			r := docket.Reminder{HearingID: id, Recipient: docket.ToClient, RecipientID: "rosa", Channel: docket.SMS,
				Address: "+12145550142", Kind: docket.KindReminder, Policy: "client-text", Offset: offset,
				Due: start.Add(-24 * time.Hour), State: docket.StatePending}
			r.DedupeKey = previousKey(id, r)
			if old {
				r.DedupeKey = previousKey(99, r)
			}
			return r
		}
		cases := []plannedTwice{
			{"7d", docket.StateSent, docket.StatePending, "first", docket.StateSent, docket.StateCancelled},
			{"3d", docket.StatePending, docket.StatePending, "first", docket.StatePending, docket.StateCancelled},
			{"1d", docket.StatePending, docket.StateSending, "again", docket.StateCancelled, docket.StateSending},
			{"2h", docket.StateCancelled, docket.StateDelivered, "again", docket.StateCancelled, docket.StateDelivered},
			{"12h", docket.StateSkipped, docket.StatePending, "first", docket.StateSkipped, docket.StateCancelled},
		}
		rowID := map[string]uint{}
		for _, c := range cases {
			for _, r := range []docket.Reminder{reminder(c.offset, true, c.first), reminder(c.offset, false, c.again)} {
				if _, err := db.PlanOutbox(ctx, []docket.Reminder{r}); err != nil {
					t.Fatal(err)
				}
				var row outboxRow
				if err := db.gorm.Where("dedupe_key = ?", r.DedupeKey).Take(&row).Error; err != nil {
					t.Fatal(err)
				}
				state := c.first
				if r.DedupeKey == previousKey(id, r) {
					state = c.again
					rowID[c.offset+"/again"] = row.ID
				} else {
					rowID[c.offset+"/first"] = row.ID
				}
				if err := db.gorm.Model(&outboxRow{}).Where("id = ?", row.ID).Update("state", state).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		identity := docket.Identity("office", "k1")
		check := func(when string) { t.Helper(); checkPlannedTwice(t, db, when, cases, rowID, id, identity) }
		check("migrated")
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("migrated again")
		// The planner's rows for these reminders are all there.
		var again []docket.Reminder
		for _, c := range cases {
			r := reminder(c.offset, false, docket.StatePending)
			r.DedupeKey = docket.DedupeKey(identity, r)
			again = append(again, r)
		}
		if n, err := db.PlanOutbox(ctx, again); err != nil || n != 0 {
			t.Errorf("planning again: %d new rows, %v; want none", n, err)
		}
	})
}

// seedOutbox writes hearings hearings of source "office" (keys k0, k1…) with perHearing outbox rows each, under the
// keys of versions before 0010, as fast as the database takes them, and marks 0010 not applied.
func seedOutbox(tb testing.TB, db *DB, hearings, perHearing int) {
	tb.Helper()
	g := db.gorm
	a := "201555101"
	c := caseRow{ANumber: &a, CourtCode: "DAL", CreatedAt: t0}
	if err := g.Create(&c).Error; err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2027, 3, 2, 8, 30, 0, 0, time.UTC)
	hs := make([]hearingRow, hearings)
	for i := range hs {
		at := start.Add(time.Duration(i) * time.Hour)
		hs[i] = hearingRow{CaseID: c.ID, Source: "office", SourceKey: fmt.Sprint("k", i), Start: at, FirstStart: at,
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person",
			Status: docket.StatusScheduled, FirstSeen: t0, LastSeen: t0, ChangedAt: t0}
	}
	if err := g.CreateInBatches(hs, 500).Error; err != nil {
		tb.Fatal(err)
	}
	rows := make([]outboxRow, 0, hearings*perHearing)
	for _, h := range hs {
		for j := range perHearing {
			r := docket.Reminder{HearingID: h.ID, Recipient: docket.ToClient, RecipientID: fmt.Sprint("c", j%2),
				Channel: docket.SMS, Address: "+12145550142", Kind: docket.KindReminder, Policy: "client-text",
				Offset: fmt.Sprintf("%dd", j), Due: h.Start.Add(-time.Duration(j) * 24 * time.Hour),
				State: docket.StatePending, CreatedAt: t0, UpdatedAt: t0}
			r.DedupeKey = previousKey(h.ID, r)
			rows = append(rows, outboxRowOf(r))
		}
	}
	if err := g.CreateInBatches(rows, 500).Error; err != nil {
		tb.Fatal(err)
	}
	unapply(tb, db)
}

func TestIdentityKeysMigrationOfMoreHearingsThanAPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		n := 2*rekeyHearings + 7
		seedOutbox(t, db, n, 3)
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			DedupeKey string
			SourceKey string
		}
		if err := db.gorm.Raw(`SELECT o.dedupe_key, h.source_key FROM outboxes o JOIN hearings h ON h.id = o.hearing_id`).
			Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if got, want := len(rows), 3*n; got != want {
			t.Fatalf("%d rows, want %d", got, want)
		}
		var wrong []string
		for _, r := range rows {
			if !strings.HasPrefix(r.DedupeKey, "reminder/"+docket.Identity("office", r.SourceKey)+"/0/client/") {
				wrong = append(wrong, r.DedupeKey)
			}
		}
		sort.Strings(wrong)
		if len(wrong) > 0 {
			t.Errorf("%d keys not rewritten, e.g. %s", len(wrong), wrong[0])
		}
	})
}

// BenchmarkIdentityKeysMigration times migration 0010 on an outbox of 100,000 rows (20,000 hearings, 5 each) of the
// keys of earlier versions; each run rolls the keys back first, untimed. DOCKETD_BENCH_ROWS changes the count.
func BenchmarkIdentityKeysMigration(b *testing.B) {
	hearings := 20000
	if s := os.Getenv("DOCKETD_BENCH_ROWS"); s != "" {
		var n int
		if _, err := fmt.Sscan(s, &n); err != nil || n < 5 {
			b.Fatalf("DOCKETD_BENCH_ROWS=%q: want a count of rows", s)
		}
		hearings = n / 5
	}
	bench := func(b *testing.B, db *DB) {
		seedOutbox(b, db, hearings, 5)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i > 0 {
				b.StopTimer()
				if err := rekeyOutbox(db.gorm, rowIDKey); err != nil {
					b.Fatal(err)
				}
				unapply(b, db)
				b.StartTimer()
			}
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(hearings*5), "rows")
	}
	b.Run("sqlite", func(b *testing.B) { bench(b, MustOpenSQLite(b)) })
	if url := os.Getenv("DOCKETD_TEST_POSTGRES"); url != "" {
		b.Run("postgres", func(b *testing.B) { bench(b, MustOpenPostgres(b, url)) })
	}
}

func TestIdentityKeysRollbackLeavesAnotherHearingsReminderAlone(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		start := time.Date(2027, 3, 2, 8, 30, 0, 0, chicago)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, record("k1", "201555101", start),
			record("k2", "201555101", start.Add(48*time.Hour))); err != nil {
			t.Fatal(err)
		}
		ids := hearingIDs(t, db)
		reminder := func(hearing string, state docket.ReminderState) docket.Reminder {
			return docket.Reminder{HearingID: ids[hearing], Recipient: docket.ToClient, RecipientID: "rosa",
				Channel: docket.SMS, Address: "+12145550142", Kind: docket.KindReminder, Policy: "client-text",
				Offset: "1d", Due: start.Add(-24 * time.Hour), State: state}
		}
		// An earlier version rebuilt the database: k1 had k2's row id before, and its reminder, sent, was planned
		// again under k1's row id now. k2's reminder was never planned: its key was the copy's.
		sent, copied := reminder("k1", docket.StateSent), reminder("k1", docket.StatePending)
		sent.DedupeKey, copied.DedupeKey = previousKey(ids["k1"], sent), previousKey(ids["k2"], copied)
		if _, err := db.PlanOutbox(ctx, []docket.Reminder{sent, copied}); err != nil {
			t.Fatal(err)
		}
		unapply(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		k2 := reminder("k2", docket.StatePending)
		k2.DedupeKey = docket.DedupeKey(docket.Identity("office", "k2"), k2)
		if n, err := db.PlanOutbox(ctx, []docket.Reminder{k2}); err != nil || n != 1 {
			t.Fatalf("planning k2's reminder after the upgrade: %d new rows, %v; want 1", n, err)
		}
		if err := rekeyOutbox(db.gorm, rowIDKey); err != nil {
			t.Fatal(err)
		}
		var row outboxRow
		if err := db.gorm.Where("hearing_id = ?", ids["k2"]).Take(&row).Error; err != nil {
			t.Fatal(err)
		}
		if row.State != docket.StatePending || row.DedupeKey != k2.DedupeKey {
			t.Errorf("rolled back, k2's reminder is %s under %s (%q); want pending under %s", row.State, row.DedupeKey,
				row.LastError, k2.DedupeKey)
		}
	})
}

// plannedTwice is a reminder an earlier version planned twice: under its hearing's old row id and its new one.
type plannedTwice struct {
	offset       string
	first, again docket.ReminderState // of the row planned under the old id, and under the new one
	keeps        string               // "first" or "again": the row that keeps the key
	afterFirst   docket.ReminderState
	afterAgain   docket.ReminderState
}

// checkPlannedTwice checks that of each reminder planned twice, one row keeps the key and the other is cancelled.
func checkPlannedTwice(t *testing.T, db *DB, when string, cases []plannedTwice, rowID map[string]uint, id uint, identity string) {
	t.Helper()
	for _, c := range cases {
		for _, which := range []string{"first", "again"} {
			var row outboxRow
			if err := db.gorm.Take(&row, rowID[c.offset+"/"+which]).Error; err != nil {
				t.Fatal(err)
			}
			r := reminderOf(row)
			want, was, state := previousKey(id, r), c.again, c.afterAgain
			if which == "first" {
				want, was, state = previousKey(99, r), c.first, c.afterFirst
			}
			if which == c.keeps {
				want = docket.DedupeKey(identity, r)
			}
			if row.DedupeKey != want || row.State != state {
				t.Errorf("%s: %s row of %s: key %s (%s), want %s (%s)", when, which, c.offset, row.DedupeKey,
					row.State, want, state)
			}
			other := rowID[c.offset+"/first"]
			if which == "first" {
				other = rowID[c.offset+"/again"]
			}
			if c.keeps != which && was == docket.StatePending &&
				!strings.Contains(row.LastError, fmt.Sprintf("outbox row %d is this reminder", other)) {
				t.Errorf("%s: %s row of %s cancelled with %q: want the row that is the reminder named", when,
					which, c.offset, row.LastError)
			}
		}
	}
}
