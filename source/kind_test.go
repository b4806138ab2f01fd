package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestKinds(t *testing.T) {
	var names []string
	for _, k := range Kinds {
		names = append(names, k.Name)
		got, ok := Lookup(k.Name)
		if !ok || got.Name != k.Name {
			t.Errorf("Lookup(%q) = %q, %v", k.Name, got.Name, ok)
		}
		r, err := k.New(Spec{Name: "s", Path: "in.txt", DefaultTimezone: "America/Chicago", Zoner: testZones})
		if err != nil {
			t.Errorf("%s: New: %v", k.Name, err)
			continue
		}
		// The trait and the reader say the same: callers ask the trait, the sync calls WithProgress.
		_, reports := r.(interface {
			WithProgress(func(done, total int64)) Reader
		})
		if reports != k.Progress {
			t.Errorf("%s: Progress = %v, but its reader has WithProgress: %v", k.Name, k.Progress, reports)
		}
		if k.Buffered && k.Progress {
			t.Errorf("%s: a buffered kind is read before the sync, so its progress would mean nothing", k.Name)
		}
	}
	if got, want := strings.Join(names, " "), "csv eoir_bulk acis ics"; got != want {
		t.Errorf("kinds: got %s, want %s", got, want)
	}
	if _, ok := Lookup("xls"); ok {
		t.Error(`Lookup("xls") found a kind`)
	}
}

func TestSpecZone(t *testing.T) {
	for _, k := range Kinds {
		if _, err := k.New(Spec{Timezone: "Mars/Olympus", DefaultTimezone: "America/Chicago"}); err == nil ||
			!strings.HasPrefix(err.Error(), "timezone: ") {
			t.Errorf("%s with a bad timezone: got %v, want an error naming timezone", k.Name, err)
		}
	}
	r, err := csvKind.New(Spec{Timezone: "America/Denver", Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	z := r.(*CSV).Zoner
	if loc, err := z.Zone("", "XYZ"); err != nil || loc.String() != "America/Denver" {
		t.Errorf("zone of an unknown court: got %v, %v, want the source's America/Denver", loc, err)
	}
	if loc, _ := z.Zone("", "DAL"); loc.String() != "America/Chicago" {
		t.Errorf("zone of DAL: got %v, want the court table's America/Chicago", loc)
	}

	i, err := icsKind.New(Spec{Path: "cal.ics", DefaultTimezone: "America/New_York"})
	if err != nil {
		t.Fatal(err)
	}
	if got := i.(*ICS).DefaultZone.String(); got != "America/New_York" {
		t.Errorf("ics default zone: got %s, want the default America/New_York", got)
	}
	i, _ = icsKind.New(Spec{Path: "cal.ics", URL: "https://cal.example/a.ics", Timezone: "America/Denver",
		DefaultTimezone: "America/New_York", Timeout: time.Minute})
	if ics := i.(*ICS); ics.DefaultZone.String() != "America/Denver" || ics.Path != "https://cal.example/a.ics" ||
		ics.HTTPClient == nil || ics.HTTPClient.Timeout != time.Minute {
		t.Errorf("ics: got path %q, zone %v, client %v; want the URL, the source's zone and a one-minute client",
			ics.Path, ics.DefaultZone, ics.HTTPClient)
	}
	a, _ := acisKind.New(Spec{URL: "https://acis.example"})
	if a.(*ACIS).HTTPClient != nil {
		t.Error("acis without a timeout: want the kind's own default client (nil)")
	}
}

func TestCSVKindChecksFormats(t *testing.T) {
	_, err := csvKind.New(Spec{Path: "x.csv", TimeFormat: "hh:mm"})
	if err == nil || !strings.HasPrefix(err.Error(), "time_format: ") {
		t.Errorf("bad time format: got %v, want an error naming time_format", err)
	}
	_, err = csvKind.New(Spec{Path: "x.csv", DateFormat: "YYYY-QQ"})
	if err == nil || !strings.HasPrefix(err.Error(), "date_format: ") {
		t.Errorf("bad date format: got %v, want an error naming date_format", err)
	}
}

func TestCSVProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docket.csv")
	var b strings.Builder
	b.WriteString("a_number,date,time,court\n")
	for b.Len() < 3*progressStep {
		b.WriteString("A201555123,2027-02-09,08:30,DAL\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var reports [][2]int64
	c := &CSV{Path: path, Zoner: testZones}
	r := c.WithProgress(func(done, total int64) { reports = append(reports, [2]int64{done, total}) })
	if _, err := Collect(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if c.Progress != nil {
		t.Error("WithProgress changed the reader it was called on")
	}
	size := int64(b.Len())
	if len(reports) < 3 || reports[len(reports)-1] != [2]int64{size, size} {
		t.Errorf("progress: got %d reports ending %v, want about one a megabyte ending at %d of %d", len(reports),
			reports[len(reports)-1], size, size)
	}
}
