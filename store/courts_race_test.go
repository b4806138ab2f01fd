package store

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/docketd/docketd/docket"
)

// TestSeedCourtsTogether seeds the embedded court table into several stores at once, as replicas in one process
// (the replica tests) do. Under -race it fails if seeding writes into the table every caller shares.
func TestSeedCourtsTogether(t *testing.T) {
	ctx := context.Background()
	dbs := []*DB{MustOpenSQLite(t), MustOpenSQLite(t)}
	if url := os.Getenv("DOCKETD_TEST_POSTGRES"); url != "" {
		dbs = append(dbs, MustOpenPostgres(t, url), MustOpenPostgres(t, url))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(dbs))
	for i, db := range dbs {
		wg.Go(func() {
			errs[i] = db.ApplyCourts(ctx, []docket.Court{{Code: "DAL", Phone: "+12145550123"}})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("store %d: %v", i, err)
		}
	}
	embedded, err := EmbeddedCourts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range embedded {
		if c.Phone != "" {
			t.Errorf("the embedded table was written to: %s has phone %q", c.Code, c.Phone)
		}
	}
	embedded[0].Name = "changed by a caller"
	again, _ := EmbeddedCourts()
	if again[0].Name == embedded[0].Name {
		t.Error("EmbeddedCourts hands out the table itself: a caller's change reaches every other caller")
	}
}
