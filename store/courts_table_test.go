package store

import (
	"context"
	"strings"
	"testing"
)

// Every court in the embedded table has a zone that loads: a blank one (BDC once had) is UTC to time.LoadLocation.
func TestEmbeddedCourtsEveryZoneLoads(t *testing.T) {
	courts, err := EmbeddedCourts()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range courts {
		if err := checkCourtZone(c.Code, c.Zone); err != nil {
			t.Errorf("%v", err)
		}
	}
	want := map[string]string{"BDC": "America/New_York", "BTR": "America/Chicago", "ELP": "America/Denver",
		"SAI": "Pacific/Saipan", "AGA": "Pacific/Guam"}
	for _, c := range courts {
		if z, ok := want[c.Code]; ok {
			if c.Zone != z {
				t.Errorf("%s: zone %q, want %q", c.Code, c.Zone, z)
			}
			delete(want, c.Code)
		}
	}
	for code := range want {
		t.Errorf("%s: missing from the court table", code)
	}
}

func TestCheckCourtZoneRefusesBlankAndUnknown(t *testing.T) {
	for _, z := range []string{"", "Local", "America/Nowhere"} {
		if err := checkCourtZone("BDC", z); err == nil {
			t.Errorf("zone %q accepted", z)
		}
	}
	if err := checkCourtZone("BDC", "America/New_York"); err != nil {
		t.Error(err)
	}
}

// A court row without a zone (written by an older binary or by hand) fails the load of the court zones, with the
// court's code, instead of putting its hearings in UTC.
func TestZonesRefusesACourtWithoutZone(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		if err := db.gorm.Create(&courtRow{Code: "QQQ", Name: "No zone", Status: "config"}).Error; err != nil {
			t.Fatal(err)
		}
		_, err := db.Zones(ctx)
		if err == nil || !strings.Contains(err.Error(), "QQQ") {
			t.Fatalf("got %v, want an error naming QQQ", err)
		}
	})
}

// Baton Rouge, a base city since September 2025, is a court with its address and Central time.
func TestBatonRougeIsACourt(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		c, err := db.Court(ctx, "BTR")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Place(), "451 Florida Street, Suite 500, Baton Rouge, LA"; got != want {
			t.Errorf("place: got %q, want %q", got, want)
		}
		z, err := db.Zones(ctx)
		if err != nil {
			t.Fatal(err)
		}
		loc, err := z.Zone("", "BTR")
		if err != nil || loc.String() != "America/Chicago" {
			t.Errorf("BTR zone: got %v, %v", loc, err)
		}
	})
}

// A hearing held away from its base city keeps the place's time: the hearing-location table decides before the
// base city, and a code it cannot place (IAD names 87 places) falls back to the base city.
func TestZoneByHearingLocation(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *DB) {
		z, err := db.Zones(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ location, court, want string }{
			{"LOJ", "MEM", "America/Kentucky/Louisville"}, // Louisville Juvenile, Memphis base city
			{"NMD", "HON", "Pacific/Saipan"},              // Saipan Dept of Corrections, Honolulu base city
			{"GUA", "HON", "Pacific/Guam"},                // Hagatna detention facility
			{"1AI", "HON", "Pacific/Saipan"},              // Saipan CFR/RFR docket
			{"RG1", "MIA", "America/Chicago"},             // Florida DOC at Chipley, in the Central-time panhandle
			{"MD9", "CHE", "America/New_York"},            // MCI Concord, Massachusetts (not Concord, CA)
			{"IAD", "MEM", "America/Chicago"},             // ambiguous code: the base city
			{"ZZZ", "DEN", "America/Denver"},              // test location, no place: the base city
			{"LOU", "MEM", "America/Kentucky/Louisville"}, // a code equal to a court code
		} {
			loc, err := z.Zone(c.location, c.court)
			if err != nil || loc.String() != c.want {
				t.Errorf("Zone(%s, %s): got %v, %v; want %s", c.location, c.court, loc, err, c.want)
			}
		}
	})
}

// The table holds each of EOIR's 1,133 codes once, and a code that is also a court code agrees with the court.
func TestEmbeddedHearingLocationsAgreeWithCourts(t *testing.T) {
	hlocs, err := EmbeddedHearingLocations()
	if err != nil {
		t.Fatal(err)
	}
	if len(hlocs) != 1133 {
		t.Errorf("%d codes, want 1133", len(hlocs))
	}
	courts, err := EmbeddedCourts()
	if err != nil {
		t.Fatal(err)
	}
	zoneOf := map[string]string{}
	for _, c := range courts {
		zoneOf[c.Code] = c.Zone
	}
	placed, shared := 0, 0
	for _, h := range hlocs {
		if h.Zone != "" {
			placed++
		}
		if cz, ok := zoneOf[h.Code]; ok {
			shared++
			if h.Zone != "" && h.Zone != cz {
				t.Errorf("%s (%s): location zone %s, court zone %s", h.Code, h.Description, h.Zone, cz)
			}
		}
	}
	if placed < 900 {
		t.Errorf("only %d of %d locations have a zone", placed, len(hlocs))
	}
	t.Logf("%d of %d locations placed; %d codes are also court codes", placed, len(hlocs), shared)
}

func TestParseHearingLocationsRefusesBadRows(t *testing.T) {
	for name, data := range map[string]string{
		"bad zone":         "code,description,iana_tz,basis\nXX1,SOMEWHERE,America/Nowhere,place: SOMEWHERE\n",
		"blank, no reason": "code,description,iana_tz,basis\nXX1,SOMEWHERE,,place: SOMEWHERE\n",
		"twice":            "code,description,iana_tz,basis\nXX1,A,America/Chicago,x\nXX1,B,America/Chicago,x\n",
		"wrong header":     "code,zone\nXX1,America/Chicago\n",
		"short row":        "code,description,iana_tz,basis\nXX1,A\n",
	} {
		if _, _, err := parseHearingLocations([]byte(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, z, err := parseHearingLocations([]byte("code,description,iana_tz,basis\nXX1,A,,unresolved: base city\n")); err != nil || len(z) != 0 {
		t.Errorf("unresolved row: %v, %v", z, err)
	}
}
