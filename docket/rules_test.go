package docket

import (
	"testing"
	"time"
)

func TestHearingPlace(t *testing.T) {
	dal := Court{Code: "DAL", Name: "Dallas", Address: "1100 Commerce St|Suite 1060", City: "Dallas", State: "TX"}
	tests := []struct {
		name string
		h    Hearing
		want string
	}{
		{"court's address", Hearing{Court: dal}, "1100 Commerce St, Suite 1060, Dallas, TX"},
		{"source's own address", Hearing{Court: dal, Address: "8915 Montana Ave.|Suite 100|El Paso, TX 79925"},
			"8915 Montana Ave., Suite 100, El Paso, TX 79925"},
		{"no court known", Hearing{CourtCode: "XXX"}, ""},
	}
	for _, tt := range tests {
		if got := tt.h.Place(); got != tt.want {
			t.Errorf("%s: Place() = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCourtDisplayName(t *testing.T) {
	for _, tt := range []struct {
		c    Court
		want string
	}{
		{Court{Code: "DAL", Name: "Dallas"}, "Dallas Immigration Court"},
		{Court{Code: "ELP", Name: "El Paso Service Processing Center Court"}, "El Paso Service Processing Center Court"},
		{Court{Code: "ZZZ"}, "ZZZ"},
	} {
		if got := tt.c.DisplayName(); got != tt.want {
			t.Errorf("%+v: DisplayName() = %q, want %q", tt.c, got, tt.want)
		}
	}
	if got, want := (Hearing{CourtCode: "XXX"}).CourtName(), "XXX"; got != want {
		t.Errorf("CourtName of an unknown court = %q, want %q", got, want)
	}
}

func TestOnline(t *testing.T) {
	for m, want := range map[Medium]bool{MediumInternet: true, MediumInPerson: false, MediumVideo: false,
		MediumTelephone: false, "": false} {
		if got := (Hearing{Medium: m, WebEx: "https://eoir.webex.com/meet/ij"}).Online(); got != want {
			t.Errorf("Online() with medium %q = %v, want %v", m, got, want)
		}
	}
}

func TestZones(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	if got := Zone("America/Denver").String(); got != "America/Denver" {
		t.Errorf("Zone(America/Denver) = %s", got)
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus"} {
		if _, err := LoadZone(bad); err == nil {
			t.Errorf("LoadZone(%q) succeeded, want an error", bad)
		}
		if got := Zone(bad); got != time.UTC {
			t.Errorf("Zone(%q) = %s, want UTC", bad, got)
		}
		if got := ZoneOr(bad, chicago); got != chicago {
			t.Errorf("ZoneOr(%q, Chicago) = %s, want the default", bad, got)
		}
	}
	if got := (Client{Zone: "America/Denver"}).Location(chicago).String(); got != "America/Denver" {
		t.Errorf("a client's own zone: got %s", got)
	}
	local := (Hearing{Start: time.Date(2027, 3, 16, 15, 0, 0, 0, time.UTC), Zone: "America/Denver"}).Local()
	if got, want := local.Format("15:04 MST"), "09:00 MDT"; got != want {
		t.Errorf("Local() = %s, want %s", got, want)
	}
}

func TestLoadZoneKeepsWhatItLoaded(t *testing.T) {
	a, err := LoadZone("America/El_Salvador")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LoadZone("America/El_Salvador")
	if a != b {
		t.Error("the same zone loaded twice is two locations")
	}
}
