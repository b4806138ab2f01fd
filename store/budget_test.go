package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// Two processes reserving send slots of one channel at once, each through its own connection to one database, get
// slots of their own: together they keep to the rate. A pause holds back every slot until it ends; another channel
// has its own budget.
func TestSendSlotsAreSharedByEveryProcess(t *testing.T) {
	ctx := context.Background()
	url := storetest.URL(t)
	a, b := storetest.OpenURL(t, url), storetest.OpenURL(t, url)
	now := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	const rate, chunk, rounds = 50.0, 5, 20
	var (
		mu     sync.Mutex
		starts []time.Time
		wg     sync.WaitGroup
	)
	for _, db := range []interface {
		ReserveSends(context.Context, docket.Channel, time.Time, int, float64) (time.Time, error)
	}{a, b} {
		wg.Go(func() {
			for range rounds {
				first, err := db.ReserveSends(ctx, docket.SMS, now, chunk, rate)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				starts = append(starts, first)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.SortFunc(starts, func(x, y time.Time) int { return x.Compare(y) })
	if len(starts) != 2*rounds {
		t.Fatalf("reservations: %d, want %d", len(starts), 2*rounds)
	}
	span := time.Duration(chunk * float64(time.Second) / rate)
	for i, s := range starts {
		if want := now.Add(time.Duration(i) * span); !s.Equal(want) {
			t.Fatalf("reservation %d starts at %s, want %s: the two processes' slots overlap or leave a gap",
				i, s.Sub(now), want.Sub(now))
		}
	}
	// Later, once the budget has been spent, slots start at the time of asking again, not in the past.
	later := now.Add(time.Hour)
	if got, err := a.ReserveSends(ctx, docket.SMS, later, 1, rate); err != nil || !got.Equal(later) {
		t.Errorf("a reservation an hour later starts at %v (%v), want %v", got, err, later)
	}
	until := later.Add(10 * time.Minute)
	if err := b.PauseSends(ctx, docket.SMS, until); err != nil {
		t.Fatal(err)
	}
	if got, err := a.ReserveSends(ctx, docket.SMS, later.Add(time.Second), 1, rate); err != nil || !got.Equal(until) {
		t.Errorf("a reservation during a pause starts at %v (%v), want its end %v", got, err, until)
	}
	if got, err := a.ReserveSends(ctx, docket.Email, later, 1, 1); err != nil || !got.Equal(later) {
		t.Errorf("another channel's reservation starts at %v (%v), want %v", got, err, later)
	}
}

// Writes made together (store.WriteOutbox) behave each as alone: a renewal by the owner holds, one by another owner
// reports false and changes nothing, and an outcome is recorded only under its lease.
func TestWritesMadeTogetherAnswerEachAlone(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	at := time.Date(2028, 2, 6, 16, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return at }
	var rows []docket.Reminder
	for i := range 3 {
		rows = append(rows, docket.Reminder{HearingID: uint(i + 1), Recipient: "client", RecipientID: "c",
			Channel: docket.SMS, Address: "+12145550142", Kind: docket.KindReminder, Due: at,
			State: docket.StatePending, DedupeKey: "w/" + string(rune('a'+i))})
	}
	if _, err := db.PlanOutbox(ctx, rows); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimDue(ctx, docket.Claim{Now: at, Channel: docket.SMS, Limit: 10, Owner: "a", Lease: time.Minute})
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d rows (%v), want 3", len(claimed), err)
	}
	until := at.Add(time.Hour)
	held, err := db.WriteOutbox(ctx, []docket.OutboxWrite{
		{IDs: []uint{claimed[0].ID}, Owner: "a", HoldUntil: until},
		{IDs: []uint{claimed[1].ID}, Owner: "b", HoldUntil: until},
		{IDs: []uint{claimed[1].ID}, Finish: &docket.OutboxResult{State: docket.StateSent, ProviderID: "SM1", Owner: "b"}},
		{IDs: []uint{claimed[2].ID}, Finish: &docket.OutboxResult{State: docket.StateSent, ProviderID: "SM2", Owner: "a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(held, []bool{true, false, false, true}) {
		t.Errorf("held: %v, want the owner's renewal and the owner's outcome", held)
	}
	got, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		switch r.ID {
		case claimed[0].ID:
			if r.State != docket.StateSending || r.LeaseUntil == nil || !r.LeaseUntil.Equal(until) {
				t.Errorf("renewed row: %s until %v, want sending until %v", r.State, r.LeaseUntil, until)
			}
		case claimed[1].ID:
			if r.State != docket.StateSending || r.ProviderID != "" {
				t.Errorf("another owner's row: %s %q, want untouched", r.State, r.ProviderID)
			}
		case claimed[2].ID:
			if r.State != docket.StateSent || r.ProviderID != "SM2" {
				t.Errorf("recorded row: %s %q, want sent as SM2", r.State, r.ProviderID)
			}
		}
	}
}
