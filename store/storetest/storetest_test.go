package storetest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
)

func TestOpenIsMigratedAndItsOwn(t *testing.T) {
	ctx := context.Background()
	var first *store.DB
	t.Run("first", func(t *testing.T) {
		first = storetest.Open(t)
		want := "sqlite"
		if os.Getenv(storetest.PostgresEnv) != "" {
			want = "postgres"
		}
		if first.Dialect() != want {
			t.Errorf("dialect %s, want %s", first.Dialect(), want)
		}
		if c, err := first.Court(ctx, "DAL"); err != nil || c.Zone != "America/Chicago" {
			t.Errorf("court DAL: %+v, %v; want the seeded court table", c, err)
		}
		if err := first.ReplacePeople(ctx, nil, []docket.Client{{ID: "rosa", Name: "Rosa"}}); err != nil {
			t.Fatal(err)
		}
		second := storetest.Open(t)
		if cs, err := second.Clients(ctx); err != nil || len(cs) != 0 {
			t.Errorf("a second store sees %d clients (%v), want none", len(cs), err)
		}
	})
	if err := first.Ping(ctx); err == nil {
		t.Error("the store is still open after its test ended")
	}
}

func TestOpenSQLite(t *testing.T) {
	db := storetest.OpenSQLite(t)
	if db.Dialect() != "sqlite" {
		t.Errorf("dialect %s, want sqlite", db.Dialect())
	}
	u := storetest.SQLiteURL(t)
	path, ok := strings.CutPrefix(u, "sqlite:")
	if _, err := os.Stat(filepath.Dir(path)); !ok || err != nil {
		t.Errorf("SQLiteURL = %q, want sqlite: and a file in an existing directory (%v)", u, err)
	}
}
