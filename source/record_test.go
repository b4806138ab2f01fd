package source

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// mapZoner is the test court table: location codes first, then courts.
type mapZoner map[string]string

func (z mapZoner) Zone(location, court string) (*time.Location, error) {
	for _, code := range []string{location, court} {
		if name, ok := z[code]; ok && code != "" {
			return loadZone(name)
		}
	}
	return nil, fmt.Errorf("unknown court %q", court)
}

var (
	zoneMu     sync.Mutex
	zoneByName = map[string]*time.Location{}
)

// loadZone caches zones so fuzzing spends its time in the parsers.
func loadZone(name string) (*time.Location, error) {
	zoneMu.Lock()
	defer zoneMu.Unlock()
	if loc, ok := zoneByName[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err == nil {
		zoneByName[name] = loc
	}
	return loc, err
}

var testZones = mapZoner{
	"DAL": "America/Chicago", "HOU": "America/Chicago", "SNA": "America/Chicago", "ELP": "America/Denver",
	"PHO": "America/Phoenix", "LOS": "America/Los_Angeles", "NYC": "America/New_York", "MIA": "America/New_York",
	"CHI": "America/Chicago", "OTO": "America/Denver",
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestReadableAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"DALLAS, TEXAS|1100 COMMERCE STREET, SUITE 1060|DALLAS, TX 75242",
			"Dallas, Texas, 1100 Commerce Street, Suite 1060, Dallas, TX 75242"},
		{"1100 COMMERCE STREET, SUITE 1060|DALLAS, TX 75242|2147675000",
			"1100 Commerce Street, Suite 1060, Dallas, TX 75242"},
		{"180 TED TURNER DRIVE SW, SUITE 241|ATLANTA, GA 30303", "180 Ted Turner Drive SW, Suite 241, Atlanta, GA 30303"},
		{"ADELANTO DETENTION FACILITY|10250 RANCHO ROAD, SUITE 201A|ADELANTO, CA 92301",
			"Adelanto Detention Facility, 10250 Rancho Road, Suite 201A, Adelanto, CA 92301"},
		{"2009 W. JEFFERSON AVE., 3RD FLOOR|MCALLEN, TX 78501", "2009 W. Jefferson Ave., 3rd Floor, McAllen, TX 78501"},
		{"OFFICE OF THE CHIEF JUDGE|WILKES-BARRE, PA 18701", "Office of the Chief Judge, Wilkes-Barre, PA 18701"},
		{"Already Readable St.|  |Dallas, TX", "Already Readable St., Dallas, TX"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := ReadableAddress(tt.in); got != tt.want {
			t.Errorf("ReadableAddress(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestACISTime(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	phoenix := mustLoad(t, "America/Phoenix")
	tests := []struct {
		date, clock string
		loc         *time.Location
		want        string // RFC 3339
		ok          bool
	}{
		{"2027-02-09T00:00:00", "1:00 PM", chicago, "2027-02-09T13:00:00-06:00", true},
		{"2027-07-09T00:00:00", "8:30 AM", chicago, "2027-07-09T08:30:00-05:00", true},
		{"2027-07-09T00:00:00", "8:30 am", phoenix, "2027-07-09T08:30:00-07:00", true},
		{"2027-07-09", "13:15", chicago, "2027-07-09T13:15:00-05:00", true},
		{"07/09/2027", "1:15PM", chicago, "2027-07-09T13:15:00-05:00", true},
		{"2027-02-30T00:00:00", "1:00 PM", chicago, "", false},
		{"2027-02-09T00:00:00", "", chicago, "", false},
		{"2027-02-09T00:00:00", "25:00", chicago, "", false},
		{"2027-02-09T00:00:00", "1:00 PM", nil, "", false},
	}
	for _, tt := range tests {
		got, err := ACISTime(tt.date, tt.clock, tt.loc)
		if (err == nil) != tt.ok {
			t.Errorf("ACISTime(%q, %q) error = %v, want ok %v", tt.date, tt.clock, err, tt.ok)
			continue
		}
		if tt.ok {
			if g := got.Format(time.RFC3339); g != tt.want {
				t.Errorf("ACISTime(%q, %q) = %s, want %s", tt.date, tt.clock, g, tt.want)
			}
			if got.Location() != tt.loc {
				t.Errorf("ACISTime(%q, %q) in %v, want %v", tt.date, tt.clock, got.Location(), tt.loc)
			}
		}
	}
}

func TestRecordError(t *testing.T) {
	tests := []struct {
		e    docket.RecordError
		want string
	}{
		{docket.RecordError{File: "docket.csv", Line: 7, Reason: "no date"}, "docket.csv:7: no date"},
		{docket.RecordError{File: "cases/*****5123", Reason: "case information is unavailable"},
			"cases/*****5123: case information is unavailable"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func FuzzReadableAddress(f *testing.F) {
	f.Add("DALLAS, TEXAS|1100 COMMERCE STREET, SUITE 1060|DALLAS, TX 75242")
	f.Add("|||,, ,")
	f.Add("MC|O'|-")
	f.Fuzz(func(t *testing.T, s string) {
		got := ReadableAddress(s)
		if len(got) > len(s)+len(s)/2+2 {
			t.Fatalf("ReadableAddress(%q) = %q grew too much", s, got)
		}
	})
}
