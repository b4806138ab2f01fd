package deadline

import (
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// A stored hearing's deadlines: the request to appear in person is for an internet-based hearing only, a judge's
// order replaces the default filing deadline, and a decided case has none.
func TestOfAStoredHearing(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 5, 15, 9, 0, 0, 0, chicago) // a Friday
	rules := func(h docket.Hearing) string {
		var s string
		for _, d := range Of(h) {
			s += string(d.Rule) + "@" + d.Due.Format(time.DateOnly) + " "
		}
		return s
	}
	for _, tt := range []struct {
		name string
		h    docket.Hearing
		want string
	}{
		{"internet", docket.Hearing{Start: start, Zone: "America/Chicago", Type: "master", Medium: docket.MediumInternet},
			"master-filings@2026-04-30 medium-request@2026-04-30 "},
		{"telephone: no request to appear in person", docket.Hearing{Start: start, Zone: "America/Chicago",
			Type: "master", Medium: docket.MediumTelephone}, "master-filings@2026-04-30 "},
		{"a judge's order", docket.Hearing{Start: start, Zone: "America/Chicago", Type: "individual",
			FilingDeadline: "2026-05-01"}, "ordered@2026-05-01 "},
		{"decided", docket.Hearing{Start: start, Zone: "America/Chicago", Type: "master",
			Status: docket.StatusCompleted}, ""},
	} {
		if got := rules(tt.h); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
