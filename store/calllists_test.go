package store

import (
	"context"
	"testing"
	"time"
)

// A day's call list is claimed once: not again while its lease holds nor once it is recorded; a claim whose lease
// expired (its process stopped between sending and recording) is taken over; a released claim can be made again.
func TestCallListIsClaimedOnceADay(t *testing.T) {
	ctx := context.Background()
	db := MustOpenSQLite(t)
	now := time.Date(2028, 2, 6, 14, 0, 0, 0, time.UTC)
	claim := func(counsel, day, owner string, at time.Time) bool {
		t.Helper()
		ok, err := db.ClaimCallList(ctx, counsel, day, owner, at, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("lf", "2028-02-06", "a", now) {
		t.Fatal("first claim refused")
	}
	if claim("lf", "2028-02-06", "b", now.Add(time.Minute)) {
		t.Error("a second claim under a live lease was granted")
	}
	if !claim("lf", "2028-02-06", "b", now.Add(6*time.Minute)) {
		t.Error("an expired claim was not taken over")
	}
	// The first owner, whose claim was taken over, cannot record it; the second can.
	if err := db.RecordCallList(ctx, "lf", "2028-02-06", "a", 4, now); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordCallList(ctx, "lf", "2028-02-06", "b", 4, now.Add(6*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if claim("lf", "2028-02-06", "c", now.Add(24*time.Hour)) {
		t.Error("a list recorded as sent was claimed again")
	}
	if !claim("do", "2028-02-06", "a", now) || !claim("lf", "2028-02-07", "a", now.Add(24*time.Hour)) {
		t.Error("another attorney's list, or the next day's, was refused")
	}
	if err := db.ReleaseCallList(ctx, "do", "2028-02-06", "a"); err != nil {
		t.Fatal(err)
	}
	if !claim("do", "2028-02-06", "b", now.Add(time.Minute)) {
		t.Error("a released claim could not be made again")
	}
	counts, err := db.Counts(ctx, now.Add(7*time.Minute))
	if err != nil || counts.CallLists != 1 || counts.CallListsToday != 1 || counts.CallListClients != 4 {
		t.Errorf("counts: %+v, %v; want 1 list sent, naming 4 clients", counts, err)
	}
}
