package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// sendAt plans rows for hearings to address on channel, claims them at `at` and records them as one message, sent
// then with the provider's id sid (or failed, when sid is empty).
func sendAt(t *testing.T, db *DB, at time.Time, channel docket.Channel, address, sid string, hearingIDs ...uint) {
	t.Helper()
	ctx := context.Background()
	db.Now = func() time.Time { return at }
	var rows []docket.Reminder
	for _, id := range hearingIDs {
		rows = append(rows, docket.Reminder{HearingID: id, Recipient: docket.ToClient, RecipientID: "c",
			Channel: channel, Address: address, Kind: docket.KindReminder, Due: at, State: docket.StatePending,
			DedupeKey: fmt.Sprintf("%s/%s/%d/%s", channel, address, id, at), GroupKey: fmt.Sprint(at, address)})
	}
	if _, err := db.PlanOutbox(ctx, rows); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimDue(ctx, docket.Claim{Now: at, Channel: channel, Limit: 100, Owner: "test", Lease: time.Minute})
	if err != nil || len(claimed) != len(hearingIDs) {
		t.Fatalf("claim at %s: %d rows, %v", at, len(claimed), err)
	}
	var ids []uint
	for _, r := range claimed {
		ids = append(ids, r.ID)
	}
	res := docket.OutboxResult{State: docket.StateSent, ProviderID: sid, Body: "text", Owner: "test"}
	if sid == "" {
		res = docket.OutboxResult{State: docket.StateFailed, Error: "refused", Owner: "test"}
	}
	if err := db.FinishOutbox(ctx, ids, res); err != nil {
		t.Fatal(err)
	}
}

func TestSentAboutCountsEachMessageOnceWithinThePeriod(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		start := time.Date(2027, 3, 2, 9, 0, 0, 0, chicago)
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, record("h1", "201555101", start),
			record("h2", "201555102", start), record("h3", "201555103", start)); err != nil {
			t.Fatal(err)
		}
		hs, err := db.Hearings(ctx, docket.HearingFilter{})
		if err != nil {
			t.Fatal(err)
		}
		id := map[string]uint{}
		for _, h := range hs {
			id[h.SourceKey] = h.ID
		}
		const miami, other = "+13055550142", "+13055550199"
		now := time.Date(2027, 3, 1, 15, 0, 0, 0, time.UTC)
		ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }
		sendAt(t, db, ago(25), docket.SMS, miami, "SM1", id["h1"])           // before the period
		sendAt(t, db, ago(20), docket.SMS, miami, "SM2", id["h1"], id["h2"]) // a household's one message
		sendAt(t, db, ago(10), docket.SMS, miami, "SM3", id["h1"])
		sendAt(t, db, ago(8), docket.SMS, miami, "", id["h1"]) // failed: nothing reached them
		sendAt(t, db, ago(5), docket.SMS, miami, "SM5", id["h1"])
		sendAt(t, db, ago(4), docket.SMS, miami, "SM6", id["h3"])     // another hearing
		sendAt(t, db, ago(3), docket.SMS, other, "SM7", id["h1"])     // another number
		sendAt(t, db, ago(2), docket.Email, miami, "<m@x>", id["h1"]) // another channel
		sendAt(t, db, ago(1), docket.SMS, miami, "SM9", id["h2"])     // the household's other hearing
		if err := db.gorm.Model(&outboxRow{}).Where("provider_id = ?", "SM5").
			Update("state", docket.StateDelivered).Error; err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name     string
			hearings []uint
			want     []time.Time
		}{
			{"one hearing", []uint{id["h1"]}, []time.Time{ago(20), ago(10), ago(5)}},
			{"the household's hearings", []uint{id["h1"], id["h2"]}, []time.Time{ago(20), ago(10), ago(5), ago(1)}},
			{"none", nil, nil},
		} {
			got, err := db.SentAbout(ctx, docket.SMS, miami, tt.hearings, ago(24))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tt.want, time.Time.Equal) {
				t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		// Exactly 24 hours ago is outside the period: that message has left it.
		got, err := db.SentAbout(ctx, docket.SMS, miami, []uint{id["h1"]}, ago(20))
		if err != nil || len(got) != 2 {
			t.Errorf("since the second message: got %v, %v; want the two after it", got, err)
		}
	})
}

func TestClientStateIsKept(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.ReplacePeople(ctx, nil, []docket.Client{
			{ID: "ana", Name: "Ana", ANumber: "201555101", Phone: "+12145550142", State: "FL"},
			{ID: "luis", Name: "Luis", ANumber: "201555102", Phone: "+13055550142"},
		}); err != nil {
			t.Fatal(err)
		}
		// A source names a respondent with their state.
		rec := record("k3", "201555103", time.Date(2027, 3, 2, 9, 0, 0, 0, chicago))
		rec.Contact = &docket.ContactDetails{Name: "Eva", Phone: "+14055550177", State: "OK"}
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, rec); err != nil {
			t.Fatal(err)
		}
		check := func(when string, want map[string]string) {
			t.Helper()
			cs, err := db.Clients(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range cs {
				got[c.ID] = c.State
			}
			for id, s := range want {
				if got[id] != s {
					t.Errorf("%s: %s's state = %q, want %q", when, id, got[id], s)
				}
			}
		}
		check("stored", map[string]string{"ana": "FL", "luis": "", "office:201555103": "OK"})
		// The client moves back to Texas: the config drops the key.
		if err := db.ReplacePeople(ctx, nil, []docket.Client{
			{ID: "ana", Name: "Ana", ANumber: "201555101", Phone: "+12145550142"},
			{ID: "luis", Name: "Luis", ANumber: "201555102", Phone: "+13055550142", State: "TX"},
		}); err != nil {
			t.Fatal(err)
		}
		check("updated", map[string]string{"ana": "", "luis": "TX"})
		hs, err := db.Hearings(ctx, docket.HearingFilter{WithPeople: true})
		if err != nil || len(hs) != 1 || len(hs[0].Clients) != 1 || hs[0].Clients[0].State != "OK" {
			t.Fatalf("a hearing's client carries the state: %+v, %v", hs, err)
		}
	})
}

func TestClientStateColumnIsAddedToAnOlderDatabase(t *testing.T) {
	forEachDB(t, testClientStateColumnIsAdded)
}

func testClientStateColumnIsAdded(t *testing.T, db *DB) {
	ctx := context.Background()
	if err := db.ReplacePeople(ctx, nil, []docket.Client{{ID: "ana", Name: "Ana", Phone: "+13055550142"}}); err != nil {
		t.Fatal(err)
	}
	// A database of the version before: no state column, and 0008 not applied.
	if err := db.gorm.Migrator().DropColumn(&clientRow{}, "State"); err != nil {
		t.Fatal(err)
	}
	if err := db.gorm.Exec("DELETE FROM "+migrationsTable+" WHERE id = ?", "0008_client_state").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Clients(ctx)
	if err != nil || len(cs) != 1 || cs[0].State != "" {
		t.Fatalf("clients after the upgrade: %+v, %v; want Ana, with no state", cs, err)
	}
	if err := db.ReplacePeople(ctx, nil, []docket.Client{{ID: "ana", Name: "Ana", Phone: "+13055550142",
		State: "TX"}}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := db.Clients(ctx); cs[0].State != "TX" {
		t.Errorf("state after the upgrade: %q, want TX", cs[0].State)
	}
}
