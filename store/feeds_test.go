package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestFeedTokenLifecycle(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		db.Now = func() time.Time { return t0 }
		hash := sha256.Sum256([]byte("secret"))
		other := sha256.Sum256([]byte("other"))

		tok, err := db.CreateFeedToken(ctx, hash[:], "attorney:lf", "Lucía's phone")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateFeedToken(ctx, hash[:], "org", "duplicate"); err == nil {
			t.Error("second token with the same hash: got nil error")
		}
		if _, err := db.CreateFeedToken(ctx, []byte("short"), "org", ""); err == nil {
			t.Error("token with a 5-byte hash: got nil error")
		}

		got, err := db.FeedTokenByHash(ctx, hash[:])
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || got.Scope != "attorney:lf" || got.Label != "Lucía's phone" || !got.CreatedAt.Equal(t0) {
			t.Errorf("by hash: got %+v, want id %d attorney:lf created %v", got, tok.ID, t0)
		}
		if _, err := db.FeedTokenByHash(ctx, other[:]); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown hash: got %v, want ErrNotFound", err)
		}

		// Last use only moves forward.
		for _, at := range []time.Time{t0.Add(2 * time.Hour), t0.Add(time.Hour)} {
			if err := db.TouchFeedToken(ctx, tok.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		list, err := db.FeedTokens(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("after touches: got %+v, want one token last used at %v", list, t0.Add(2*time.Hour))
		}

		db.Now = func() time.Time { return t0.Add(3 * time.Hour) }
		if err := db.RevokeFeedToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return t0.Add(4 * time.Hour) }
		if err := db.RevokeFeedToken(ctx, tok.ID); err != nil {
			t.Errorf("second revoke: got %v, want nil", err)
		}
		if _, err := db.FeedTokenByHash(ctx, hash[:]); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoked token: got %v, want ErrNotFound", err)
		}
		if err := db.RevokeFeedToken(ctx, 9999); !errors.Is(err, ErrNotFound) {
			t.Errorf("revoke unknown id: got %v, want ErrNotFound", err)
		}
		list, _ = db.FeedTokens(ctx)
		if len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0.Add(3*time.Hour)) {
			t.Errorf("revoked at: got %+v, want the first revocation %v", list, t0.Add(3*time.Hour))
		}
	})
}

func TestDataVersionChangesWithWhatFeedsShow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		att := "lf"
		start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
		steps := []struct {
			name    string
			change  func() error
			changes bool
		}{
			{"nothing", func() error { return nil }, false},
			{"people added", func() error {
				return db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}},
					[]docket.Client{{ID: "rosa", Name: "Rosa", ANumber: "201555101", AttorneyID: &att}})
			}, true},
			{"hearing created", func() error {
				_, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0}, record("r", "201555101", start))
				return err
			}, true},
			{"same hearing again", func() error {
				_, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0}, record("r", "201555101", start))
				return err
			}, false},
			{"hearing moved", func() error {
				_, err := runSync(t, db, docket.SyncOptions{Source: "config", Now: t0},
					record("r", "201555101", start.Add(24*time.Hour)))
				return err
			}, true},
			{"client renamed", func() error {
				return db.ReplacePeople(ctx, []docket.Attorney{{ID: att, Name: "Lucía Fernández"}},
					[]docket.Client{{ID: "rosa", Name: "Rosa María", ANumber: "201555101", AttorneyID: &att}})
			}, true},
			{"court phone set", func() error {
				return db.ApplyCourts(ctx, []docket.Court{{Code: "DAL", Phone: "+12147675000"}})
			}, true},
			{"reminder planned", func() error {
				hs, err := db.Hearings(ctx, docket.HearingFilter{})
				if err != nil {
					return err
				}
				_, err = db.PlanOutbox(ctx, []docket.Reminder{{HearingID: hs[0].ID, Recipient: "client", RecipientID: "rosa",
					Channel: "sms", Address: "+12145550142", Kind: docket.KindReminder, DedupeKey: "k", Due: t0,
					State: docket.StatePending}})
				return err
			}, true},
			{"feed used", func() error {
				hash := sha256.Sum256([]byte("x"))
				tok, err := db.CreateFeedToken(ctx, hash[:], "org", "")
				if err != nil {
					return err
				}
				return db.TouchFeedToken(ctx, tok.ID, t0)
			}, false},
		}
		tag, modified, err := db.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range steps {
			if err := s.change(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			next, nextModified, err := db.DataVersion(ctx)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got, want := next != tag, s.changes; got != want {
				t.Errorf("%s: tag changed %v, want %v (%s → %s)", s.name, got, want, tag, next)
			}
			if nextModified.Before(modified) {
				t.Errorf("%s: modified went back from %v to %v", s.name, modified, nextModified)
			}
			tag, modified = next, nextModified
		}
		// gorm stamps updated_at with the real clock; a misread aggregate (seconds for microseconds, say) lands
		// years away.
		if d := time.Since(modified); d < 0 || d > time.Hour {
			t.Errorf("modified: got %v, want the last write's time", modified)
		}
	})
}
