package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestStaffSessionsAreFoundByHashUntilTheyExpireOrEnd(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		at := time.Date(2027, 2, 9, 15, 0, 0, 0, time.UTC)
		h := sha256.Sum256([]byte("token"))
		if err := db.CreateStaffSession(ctx, h[:], "ana@example.org", at, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		s, err := db.StaffSession(ctx, h[:], at.Add(time.Minute))
		if err != nil || s.Email != "ana@example.org" {
			t.Fatalf("got %+v, %v; want ana's session", s, err)
		}
		other := sha256.Sum256([]byte("guess"))
		if _, err := db.StaffSession(ctx, other[:], at); !errors.Is(err, ErrNotFound) {
			t.Errorf("another token: got %v, want ErrNotFound", err)
		}
		if _, err := db.StaffSession(ctx, h[:], at.Add(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("expired: got %v, want ErrNotFound", err)
		}
		if err := db.EndStaffSession(ctx, h[:]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StaffSession(ctx, h[:], at); !errors.Is(err, ErrNotFound) {
			t.Errorf("ended: got %v, want ErrNotFound", err)
		}
	})
}

func TestFiveFailedSignInsLockForTheWindow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		at := time.Date(2027, 2, 9, 15, 0, 0, 0, time.UTC)
		const who = "ana@example.org"
		var l docket.StaffLogin
		var err error
		for i := 1; i <= 4; i++ {
			if l, err = db.StaffSignInFailed(ctx, who, at.Add(time.Duration(i)*time.Second), 5, 15*time.Minute); err != nil {
				t.Fatal(err)
			}
			if got, want := l.Failures, i; got != want || l.Locked(at.Add(5*time.Second)) {
				t.Fatalf("failure %d: %+v, want %d failures and no lock", i, l, want)
			}
		}
		fifth := at.Add(5 * time.Second)
		if l, err = db.StaffSignInFailed(ctx, who, fifth, 5, 15*time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, want := l.LockedUntil, fifth.Add(15*time.Minute); !got.Equal(want) {
			t.Fatalf("locked until %v, want %v", got, want)
		}
		// A failure while locked does not move the lock.
		if l, err = db.StaffSignInFailed(ctx, who, fifth.Add(10*time.Minute), 5, 15*time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, want := l.LockedUntil, fifth.Add(15*time.Minute); !got.Equal(want) {
			t.Errorf("after a failure while locked: until %v, want %v", got, want)
		}
		stored, err := db.StaffLogin(ctx, who)
		if err != nil || !stored.Locked(fifth.Add(14*time.Minute)) || stored.Locked(fifth.Add(15*time.Minute)) {
			t.Errorf("stored %+v, %v; want locked for 15 minutes from the fifth failure", stored, err)
		}
		// Failures further apart than the window do not add up.
		later := fifth.Add(time.Hour)
		for i := range 6 {
			if l, err = db.StaffSignInFailed(ctx, who, later.Add(time.Duration(i)*16*time.Minute), 5, 15*time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if l.Failures != 1 || !l.LockedUntil.IsZero() {
			t.Errorf("failures 16 minutes apart: %+v, want a count of 1 and no lock", l)
		}
		if err := db.StaffSignedIn(ctx, who); err != nil {
			t.Fatal(err)
		}
		if stored, _ := db.StaffLogin(ctx, who); stored.Failures != 0 {
			t.Errorf("after signing in: %+v, want no failures", stored)
		}
	})
}

func TestHeldSyncsCarryTheirChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		at := time.Date(2027, 2, 9, 15, 0, 0, 0, time.UTC)
		from := time.Date(2027, 3, 1, 14, 30, 0, 0, time.UTC)
		h := docket.SyncHold{Source: "export", Changes: 6, Hearings: 9, Slots: 10, Share: 0.2, Digest: "d1",
			Detail: []docket.SlotChange{{Court: "DAL", Judge: "Example", Zone: "America/Chicago", From: from,
				To: from.Add(48 * time.Hour), Hearings: []docket.HeldHearing{{Key: "k", ANumber: "201555101",
					Clients: []string{"Rosa Mendoza"}}}}}}
		if _, err := db.SetHold(ctx, h, at); err != nil {
			t.Fatal(err)
		}
		got, err := db.HeldSyncs(ctx)
		if err != nil || len(got) != 1 || len(got[0].Detail) != 1 {
			t.Fatalf("got %+v, %v; want the hold with its one change", got, err)
		}
		c := got[0].Detail[0]
		if !c.From.Equal(from) || !c.To.Equal(from.Add(48*time.Hour)) || c.Hearings[0].Clients[0] != "Rosa Mendoza" {
			t.Errorf("change: got %+v", c)
		}
		// status and /metrics read the same hold without its changes.
		counts, err := db.SyncHolds(ctx)
		if err != nil || len(counts) != 1 || counts[0].Changes != 6 || counts[0].Detail != nil {
			t.Errorf("sync holds: got %+v, %v; want the counts without the changes", counts, err)
		}
	})
}
