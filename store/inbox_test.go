package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

const inboxFamily = "+12145550142"

func inboxPeople(t *testing.T, db *DB) {
	t.Helper()
	att := "lfernandez"
	if err := db.ReplacePeople(context.Background(),
		[]docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lfernandez@example.org", Active: true}},
		[]docket.Client{
			{ID: "rosa", Name: "Rosa Mendoza", ANumber: "201555101", Phone: inboxFamily, AttorneyID: &att, Active: true},
			{ID: "jorge", Name: "Jorge Mendoza", ANumber: "201555102", Phone: inboxFamily, AttorneyID: &att, Active: true},
			{ID: "sam", Name: "Samuel Tesfaye", ANumber: "208555310", Phone: "+14695550177", Active: true},
		}); err != nil {
		t.Fatal(err)
	}
}

func TestKeepInboxStoresOnceAndNamesEveryClientOfTheNumber(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		inboxPeople(t, db)
		at := time.Date(2027, 2, 9, 18, 0, 0, 0, time.UTC)
		m := docket.InboxMessage{MessageSID: "SM1", From: inboxFamily, To: "+12145550199",
			Body: "no vamos a poder ir", ReceivedAt: at, Urgent: true, Reason: "cannot attend"}
		kept, fresh, err := db.KeepInbox(ctx, m)
		if err != nil || !fresh {
			t.Fatalf("first: fresh %v, err %v; want a new message", fresh, err)
		}
		if got, want := kept.ClientIDs, []string{"jorge", "rosa"}; !slices.Equal(got, want) {
			t.Errorf("clients: got %v, want %v", got, want)
		}
		again, fresh, err := db.KeepInbox(ctx, m)
		if err != nil || fresh || again.ID != kept.ID {
			t.Fatalf("replay: id %d fresh %v err %v; want the stored message %d", again.ID, fresh, err, kept.ID)
		}
		stranger, fresh, err := db.KeepInbox(ctx, docket.InboxMessage{MessageSID: "SM2", From: "+13125550000",
			Body: "who is this?", ReceivedAt: at.Add(time.Minute)})
		if err != nil || !fresh || len(stranger.ClientIDs) != 0 {
			t.Fatalf("unknown number: %+v fresh %v err %v; want a new message with no clients", stranger, fresh, err)
		}
		all, err := db.InboxMessages(ctx, docket.InboxFilter{})
		if err != nil || len(all) != 2 || all[0].ID != stranger.ID {
			t.Fatalf("list: got %+v, %v; want 2, newest first", all, err)
		}

		c, err := db.Counts(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Inbox, (docket.InboxCounts{Unhandled: 2, Urgent: 1, Unforwarded: 2}); got != want {
			t.Errorf("counts: got %+v, want %+v", got, want)
		}
		if err := db.InboxForwarded(ctx, kept.ID, at.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := db.InboxForwardFailed(ctx, stranger.ID, "smtp: connection refused"); err != nil {
			t.Fatal(err)
		}
		left, err := db.UnforwardedInbox(ctx, at.Add(time.Hour), 0)
		if err != nil || len(left) != 1 || left[0].ID != stranger.ID || left[0].Attempts != 1 {
			t.Fatalf("unforwarded: got %+v, %v; want the stranger's, tried once", left, err)
		}

		if err := db.HandleInbox(ctx, []uint{kept.ID, 999}, "ana", at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("handle an unknown id: got %v, want ErrNotFound", err)
		}
		if open, _ := db.InboxMessages(ctx, docket.InboxFilter{}); len(open) != 2 {
			t.Fatalf("a failed handle marked %d messages, want none", 2-len(open))
		}
		if err := db.HandleInbox(ctx, []uint{kept.ID}, "ana", at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.HandleInbox(ctx, []uint{kept.ID}, "ben", at.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := db.InboxMessage(ctx, kept.ID)
		if err != nil || got.HandledBy != "ana" || !got.HandledAt.Equal(at.Add(time.Hour)) {
			t.Fatalf("handled: got %+v, %v; want ana's, the first", got, err)
		}
		if open, _ := db.InboxMessages(ctx, docket.InboxFilter{}); len(open) != 1 || open[0].ID != stranger.ID {
			t.Errorf("unhandled: got %+v, want the stranger's alone", open)
		}
		if all, _ := db.InboxMessages(ctx, docket.InboxFilter{All: true}); len(all) != 2 {
			t.Errorf("--all: got %d, want 2", len(all))
		}
	})
}

func TestInboxClientsCarryCounselAndNextHearing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		inboxPeople(t, db)
		soon := time.Date(2027, 3, 2, 9, 0, 0, 0, chicago)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "s", Now: soon.Add(-30 * 24 * time.Hour)},
			record("soon", "201555101", soon)); err != nil {
			t.Fatal(err)
		}
		cs, err := db.InboxClients(ctx, []string{"rosa", "jorge"}, soon.Add(-24*time.Hour))
		if err != nil || len(cs) != 2 {
			t.Fatalf("got %+v, %v; want 2 clients", cs, err)
		}
		byID := map[string]docket.InboxClient{}
		for _, c := range cs {
			byID[c.Client.ID] = c
		}
		rosa := byID["rosa"]
		if rosa.Attorney == nil || rosa.Attorney.Email != "lfernandez@example.org" {
			t.Errorf("rosa's counsel: got %+v", rosa.Attorney)
		}
		if rosa.Next == nil || !rosa.Next.Start.Equal(soon) {
			t.Errorf("rosa's next hearing: got %+v, want %s", rosa.Next, soon)
		}
		if byID["jorge"].Next != nil {
			t.Errorf("jorge has no hearing, got %+v", byID["jorge"].Next)
		}
	})
}

func TestPruneBlanksOldInboxBodiesAndKeepsTheRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
		for sid, at := range map[string]time.Time{"SMold": now.AddDate(0, -2, 0), "SMnew": now.AddDate(0, 0, -1)} {
			if _, _, err := db.KeepInbox(ctx, docket.InboxMessage{MessageSID: sid, From: inboxFamily, Body: "me mudé",
				ReceivedAt: at}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Prune(ctx, Retention{Bodies: 30 * 24 * time.Hour, Outbox: 365 * 24 * time.Hour,
			Changes: 365 * 24 * time.Hour, SyncRuns: 365 * 24 * time.Hour}, now); err != nil {
			t.Fatal(err)
		}
		ms, err := db.InboxMessages(ctx, docket.InboxFilter{All: true})
		if err != nil || len(ms) != 2 {
			t.Fatalf("got %d messages, %v; want both rows kept", len(ms), err)
		}
		if got, want := ms[0].Body, "me mudé"; got != want {
			t.Errorf("new body: got %q, want %q", got, want)
		}
		if got := ms[1].Body; got != "" {
			t.Errorf("old body: got %q, want it blanked", got)
		}
	})
}
