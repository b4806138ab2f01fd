package store

import (
	"context"
	"errors"
	"os"
	"testing"
)

func TestLeaderElection(t *testing.T) {
	if got := MustOpenSQLite(t).Leader(); got != nil {
		t.Errorf("SQLite leader: got %v, want nil (one process owns the file)", got)
	}
	url := os.Getenv("DOCKETD_TEST_POSTGRES")
	if url == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	a, b := MustOpenPostgres(t, url).Leader(), MustOpenPostgres(t, url).Leader()
	defer a.Close()
	defer b.Close()
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("first replica again: %v", err)
	}
	if err := b.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("second replica: got %v, want ErrNotLeader", err)
	}
	a.Close() // the leader stops
	if err := b.IsLeader(ctx); err != nil {
		t.Fatalf("second replica after the leader stopped: %v", err)
	}
	if err := a.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("old leader: got %v, want ErrNotLeader", err)
	}
}
