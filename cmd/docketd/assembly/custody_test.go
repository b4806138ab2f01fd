package assembly

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// A client's custody, names and contact come from the config file, and a reload changes them.
func TestConfigCustodyAndNamesReachTheStoreAndAReloadChangesThem(t *testing.T) {
	src := `[organization]
name = "Office"
timezone = "America/Chicago"

[[clients]]
id = "rosa"
name = "CASTILLO, ROSA ELENA"
a_number = "A201-555-101"
phone = "+12145550142"
language = "es"
detained = true
city = "El Paso"
[clients.contact]
name = "Castillo, Ana"
phone = "+19155550111"
`
	ctx := context.Background()
	db := storetest.Open(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	now := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	apply := func(src string) docket.Client {
		t.Helper()
		cfg, err := config.Parse("c.toml", []byte(src), config.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := applyConfigNow(ctx, db, cfg, now, log); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Clients(ctx)
		if err != nil || len(cs) != 1 {
			t.Fatalf("clients: %+v, %v", cs, err)
		}
		return cs[0]
	}
	c := apply(src)
	if c.Name != "Rosa Elena Castillo" || !c.Detained || c.City != "El Paso" ||
		c.Contact != (docket.Proxy{Name: "Ana Castillo", Phone: "+19155550111", Language: "es"}) {
		t.Errorf("after the first load: %+v", c)
	}
	released := strings.Replace(src, "detained = true\n", "greeting_name = \"Rosita\"\n", 1)
	c = apply(released)
	if c.Detained || c.GreetingName != "Rosita" {
		t.Errorf("after a reload: %+v, want released and greeted Rosita", c)
	}
}
