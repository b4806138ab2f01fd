package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestPruneKeepsWhatIsStillNeeded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		old := time.Date(2026, 1, 5, 9, 0, 0, 0, chicago)
		soon := time.Date(2027, 3, 2, 9, 0, 0, 0, chicago)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "s", Now: old.Add(-30 * 24 * time.Hour)},
			record("old", "201555101", old), record("soon", "201555102", soon)); err != nil {
			t.Fatal(err)
		}
		hs, _ := db.Hearings(ctx, docket.HearingFilter{})
		sentAt := old.Add(-24 * time.Hour)
		var rows []docket.Reminder
		for i, h := range hs {
			rows = append(rows, docket.Reminder{HearingID: h.ID, Recipient: "client", RecipientID: "c", Channel: "sms",
				Address: "+12145550142", Kind: docket.KindReminder, Due: sentAt, State: docket.StatePending,
				DedupeKey: string(rune('a' + i))})
		}
		if _, err := db.PlanOutbox(ctx, rows); err != nil {
			t.Fatal(err)
		}
		claimed, _ := db.ClaimDue(ctx, docket.Claim{Now: sentAt, Channel: docket.SMS, Limit: 10, Owner: "test",
			Lease: time.Minute})
		for _, r := range claimed {
			db.FinishOutbox(ctx, []uint{r.ID}, docket.OutboxResult{State: docket.StateSent, ProviderID: "SM1", Body: "text"})
		}
		r := Retention{Bodies: 30 * 24 * time.Hour, Outbox: 365 * 24 * time.Hour, Changes: 730 * 24 * time.Hour,
			SyncRuns: 90 * 24 * time.Hour}
		now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		p, err := db.Prune(ctx, r, now)
		if err != nil {
			t.Fatal(err)
		}
		if p.Outbox != 1 {
			t.Errorf("outbox rows pruned: got %d, want 1 (the hearing over a year ago)", p.Outbox)
		}
		left, _ := db.OutboxRows(ctx, docket.OutboxFilter{})
		if len(left) != 1 || left[0].Body != "" || left[0].ProviderID != "SM1" {
			t.Errorf("kept row: got %+v, want its body gone and its record kept", left)
		}
	})
}

func TestPruneForgetsOldInboundMessages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		for sid, at := range map[string]time.Time{"SMold": now.AddDate(-2, 0, 0), "SMnew": now.AddDate(0, -1, 0)} {
			if err := db.RecordInbound(ctx, docket.InboundAction{MessageSID: sid, Channel: docket.SMS,
				From: "+12145550142", Action: docket.ActionHelp, At: at}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := db.Prune(ctx, Retention{Bodies: 30 * 24 * time.Hour, Outbox: 365 * 24 * time.Hour,
			Changes: 730 * 24 * time.Hour, SyncRuns: 90 * 24 * time.Hour}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := p.Inbound, int64(1); got != want {
			t.Errorf("inbound messages pruned: got %d, want %d", got, want)
		}
		if _, err := db.InboundActed(ctx, "SMold"); !errors.Is(err, ErrNotFound) {
			t.Errorf("message older than the outbox's retention: got %v, want it gone", err)
		}
		if _, err := db.InboundActed(ctx, "SMnew"); err != nil {
			t.Errorf("message of last month: %v, want it kept", err)
		}
	})
}

func TestPruneKeepsEveryUnreadReply(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		old := now.AddDate(-2, 0, 0)
		var ids []uint
		for _, sid := range []string{"SMread", "SMunread", "SMrecent"} {
			at := old
			if sid == "SMrecent" {
				at = now.AddDate(0, -1, 0)
			}
			m, _, err := db.KeepInbox(ctx, docket.InboxMessage{MessageSID: sid, From: "+12145550142",
				To: "+12145550100", Body: "no puedo ir", ReceivedAt: at})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, m.ID)
		}
		if err := db.HandleInbox(ctx, []uint{ids[0], ids[2]}, "paralegal", old.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, day := range []string{"2026-10-01", "2027-01-31"} {
			at, _ := time.Parse(time.DateOnly, day)
			if ok, err := db.ClaimCallList(ctx, "a1", day, "test", at, time.Minute); err != nil || !ok {
				t.Fatalf("claim call list %s: %v %v", day, ok, err)
			}
			if err := db.RecordCallList(ctx, "a1", day, "test", 2, at); err != nil {
				t.Fatal(err)
			}
		}
		p, err := db.Prune(ctx, Retention{Bodies: 30 * 24 * time.Hour, Outbox: 365 * 24 * time.Hour,
			Changes: 730 * 24 * time.Hour, SyncRuns: 90 * 24 * time.Hour}, now)
		if err != nil {
			t.Fatal(err)
		}
		// A sync_runs shorter than a day keeps today's call list recorded all the same.
		today, err := db.Prune(ctx, Retention{Bodies: 30 * 24 * time.Hour, Outbox: 365 * 24 * time.Hour,
			Changes: 730 * 24 * time.Hour, SyncRuns: time.Hour}, time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if sent, err := db.CallListSent(ctx, "a1", "2027-01-31"); err != nil || !sent {
			t.Errorf("today's call list after pruning with sync_runs = 1h: sent %v (%v), want still recorded", sent, err)
		}
		p.CallLists += today.CallLists
		p.Inbox += today.Inbox
		if p.Inbox != 1 || p.CallLists != 1 {
			t.Errorf("pruned %d inbox messages and %d call lists, want 1 and 1 (the handled old reply, the old list)",
				p.Inbox, p.CallLists)
		}
		left, err := db.InboxMessages(ctx, docket.InboxFilter{All: true})
		if err != nil {
			t.Fatal(err)
		}
		var sids []string
		for _, m := range left {
			sids = append(sids, m.MessageSID)
		}
		if len(left) != 2 || sids[0] != "SMrecent" || sids[1] != "SMunread" {
			t.Errorf("inbox after pruning: %v, want the recent one and the two-year-old one no one handled", sids)
		}
	})
}
