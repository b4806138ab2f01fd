package store

import (
	"context"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// rosaDetained is a config client in custody with a contact person.
func rosaDetained(detained bool) docket.Client {
	return docket.Client{ID: "rosa", Name: "Rosa Elena Castillo", ANumber: "201555101", Phone: "+12145550142",
		Language: "es", Detained: detained, GreetingName: "Rosita", City: "El Paso",
		Contact: docket.Proxy{Name: "Ana Castillo", Phone: "+19155550111", Email: "ana@example.org", Language: "en"}}
}

func TestClientCustodyAndContactAreKeptAndReloaded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.ReplacePeople(ctx, nil, []docket.Client{rosaDetained(true)}); err != nil {
			t.Fatal(err)
		}
		// A source naming the config's client leaves the config's values as they are.
		rec := record("EV-1", "201555101", time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))
		rec.Contact = &docket.ContactDetails{Name: "Rosa Castillo", Phone: "+12145550999"}
		if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0}, rec); err != nil {
			t.Fatal(err)
		}
		cs, err := db.Clients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cs, []docket.Client{rosaDetained(true)}; len(got) != 1 || !sameClient(got[0], want[0]) {
			t.Fatalf("after a sync: got %+v, want %+v", got, want)
		}
		// A reload that releases her and drops the contact is what the store then holds.
		released := rosaDetained(false)
		released.Contact, released.City, released.GreetingName = docket.Proxy{}, "", ""
		if err := db.ReplacePeople(ctx, nil, []docket.Client{released}); err != nil {
			t.Fatal(err)
		}
		h, err := db.Hearings(ctx, docket.HearingFilter{})
		if err != nil || len(h) != 1 || len(h[0].Clients) != 1 {
			t.Fatalf("hearings: %v, %+v", err, h)
		}
		if got := h[0].Clients[0]; !sameClient(got, released) {
			t.Errorf("after a reload: got %+v, want %+v", got, released)
		}
	})
}

func sameClient(a, b docket.Client) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Detained == b.Detained && a.GreetingName == b.GreetingName &&
		a.City == b.City && a.Contact == b.Contact && a.Phone == b.Phone
}

func TestSourceClientCustodyFollowsTheSource(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		rec := record("EV-1", "209555427", time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))
		rec.Contact = &docket.ContactDetails{Name: "Nilda Quispe Mamani", Phone: "+19155550190", Detained: true}
		for i, detained := range []bool{true, false} {
			rec.Contact.Detained = detained
			if _, err := runSync(t, db, docket.SyncOptions{Source: "office", Now: t0.Add(time.Duration(i) * time.Hour)}, rec); err != nil {
				t.Fatal(err)
			}
			cs, _ := db.Clients(ctx)
			if len(cs) != 1 || cs[0].Detained != detained {
				t.Errorf("pass %d: clients %+v, want one with detained %v", i, cs, detained)
			}
		}
	})
}

func TestHearingOnADetainedDocket(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
		said := record("said", "201555101", start)
		said.Detained = true // a detained schedule type, a custody status D
		court := record("court", "201555102", start)
		court.CourtCode = "PEP" // Port Isabel Processing Center
		loc := record("loc", "201555103", start)
		loc.LocationCode = "OAK" // a detention facility of the Oakdale court, by the hearing-location table
		free := record("free", "201555104", start)
		free.LocationCode = "CHE" // CHELMSFORD - NONDETAINED
		opts := docket.SyncOptions{Source: "office", Now: t0}
		if _, err := runSync(t, db, opts, said, court, loc, free); err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"said": true, "court": true, "loc": true, "free": false}
		check := func(when string) {
			t.Helper()
			hs, err := db.Hearings(ctx, docket.HearingFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hs {
				if h.Detained != want[h.SourceKey] {
					t.Errorf("%s: hearing %s detained %v, want %v", when, h.SourceKey, h.Detained, want[h.SourceKey])
				}
			}
		}
		check("created")
		// The source takes the hearing off the detained docket: a change with a new sequence.
		said.Detained = false
		want["said"] = false
		opts.Now = opts.Now.Add(time.Hour)
		if _, err := runSync(t, db, opts, said, court, loc, free); err != nil {
			t.Fatal(err)
		}
		check("released")
		hs, _ := db.Hearings(ctx, docket.HearingFilter{})
		for _, h := range hs {
			if h.SourceKey == "said" && h.Sequence != 1 {
				t.Errorf("a change of custody keeps sequence %d, want 1", h.Sequence)
			}
		}
	})
}

// A database of the version before 0009: the clients and hearings it has are kept, none of them detained.
func TestMigrationCustodyNamesOnAnExistingDatabase(t *testing.T) {
	db := MustOpenSQLite(t)
	ctx := context.Background()
	for _, mc := range custodyColumns {
		for _, col := range mc.columns {
			if err := db.gorm.Migrator().DropColumn(mc.model, col); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := db.gorm.Exec("DELETE FROM "+migrationsTable+" WHERE id = ?", "0009_custody_names").Error; err != nil {
		t.Fatal(err)
	}
	// Rows as the previous version wrote them.
	if err := db.gorm.Exec(`INSERT INTO clients (id, name, a_number, phone, active, origin, created_at, updated_at)
		VALUES ('rosa', 'Rosa Elena Castillo', '201555101', '+12145550142', true, 'config', ?, ?)`, t0, t0).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.gorm.Exec(`INSERT INTO cases (a_number, court_code, created_at) VALUES ('201555101', 'DAL', ?)`, t0).Error; err != nil {
		t.Fatal(err)
	}
	start := time.Date(2028, 2, 8, 14, 30, 0, 0, time.UTC)
	if err := db.gorm.Exec(`INSERT INTO hearings (case_id, source, source_key, start, zone, first_start, court_code,
		type, medium, status, sequence, first_seen, last_seen, changed_at, created_at, updated_at)
		VALUES (1, 'office', 'EV-1', ?, 'America/Chicago', ?, 'DAL', 'master', 'in_person', 'scheduled', 0, ?, ?, ?, ?, ?)`,
		start, start, t0, t0, t0, t0, t0).Error; err != nil {
		t.Fatal(err)
	}
	st, err := db.Migrations(ctx)
	if err != nil || len(st.Pending) != 1 || st.Pending[0] != "0009_custody_names" {
		t.Fatalf("before: pending %v, %v; want 0009_custody_names", st.Pending, err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := db.Hearings(ctx, docket.HearingFilter{})
	if err != nil || len(hs) != 1 || len(hs[0].Clients) != 1 {
		t.Fatalf("after: %v, %+v", err, hs)
	}
	if h, c := hs[0], hs[0].Clients[0]; h.Detained || c.Detained || c.Contact.Named() || c.Name != "Rosa Elena Castillo" {
		t.Errorf("after: hearing detained %v, client %+v", h.Detained, c)
	}
	// The new columns take what the config now says.
	if err := db.ReplacePeople(ctx, nil, []docket.Client{rosaDetained(true)}); err != nil {
		t.Fatal(err)
	}
	cs, _ := db.Clients(ctx)
	if len(cs) != 1 || !sameClient(cs[0], rosaDetained(true)) {
		t.Errorf("after a reload: %+v", cs)
	}
}
