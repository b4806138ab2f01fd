package assembly

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/source"
)

// config validates kind names and the keys each kind needs, but may import only the vocabulary; source has the
// readers. This is where the two meet, so this is where they are held to one list.
func TestConfigKindsAreSourceKinds(t *testing.T) {
	var kinds []string
	for _, k := range source.Kinds {
		kinds = append(kinds, k.Name)
	}
	if !slices.Equal(config.SourceKinds, kinds) {
		t.Errorf("config.SourceKinds = %v, source.Kinds = %v: a kind must be known to both", config.SourceKinds, kinds)
	}
}

func TestSourceSpecsAskTheKind(t *testing.T) {
	cfg := &config.Config{File: "/etc/docketd/docketd.toml", Organization: config.Organization{Timezone: "UTC"},
		Sources: []config.Source{{Name: "a", Kind: "csv", Path: "a.csv"}, {Name: "b", Kind: "acis", URL: "https://x"},
			{Name: "c", Kind: "ics", Path: "c.ics"}, {Name: "d", Kind: "eoir_bulk", Path: "d.txt"}}}
	specs, err := sourceSpecs(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, spec := range specs {
		kind, _ := source.Lookup(cfg.Sources[i].Kind)
		if spec.Buffered != kind.Buffered {
			t.Errorf("%s: Buffered = %v, want the kind's %v", spec.Name, spec.Buffered, kind.Buffered)
		}
	}
	cfg.Sources = append(cfg.Sources, config.Source{Name: "e", Kind: "xls"})
	_, err = sourceSpecs(cfg, nil)
	if want := `/etc/docketd/docketd.toml: sources[4] (e): unknown kind "xls"`; err == nil || err.Error() != want {
		t.Errorf("unknown kind: got %v, want %s", err, want)
	}
	cfg.Sources = []config.Source{{Name: "f", Kind: "csv", Path: "f.csv", Timezone: "Mars/Olympus"}}
	if _, err := sourceSpecs(cfg, nil); err == nil || !strings.Contains(err.Error(), "(f): timezone: ") {
		t.Errorf("bad timezone: got %v, want an error naming the source and timezone", err)
	}
}

// zonesFunc adapts a function to source.Zoner.
type zonesFunc func(location, court string) (*time.Location, error)

func (f zonesFunc) Zone(location, court string) (*time.Location, error) { return f(location, court) }

func TestSourceSpecsBuildEachKind(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	zones := zonesFunc(func(location, court string) (*time.Location, error) {
		if court == "DAL" {
			return chicago, nil
		}
		return nil, os.ErrNotExist
	})
	dir := t.TempDir()
	cfg := &config.Config{
		File:         filepath.Join(dir, "docketd.toml"),
		Organization: config.Organization{Timezone: "America/New_York"},
		Clients: []config.Client{{ID: "a", ANumber: "201555101", Nationality: "GT"}, {ID: "b"},
			{ID: "c", ANumber: "201555102"}},
		Sources: []config.Source{
			{Name: "office", Kind: "csv", Path: filepath.Join(dir, "in", "docket.csv"), DateFormat: "MM/DD/YYYY", Timezone: "America/Denver",
				Columns: map[string]string{"a_number": "A Number"}},
			{Name: "court", Kind: "eoir_bulk", Path: "/data/tbl_schedule.txt", BaseCities: []string{"DAL"}},
			{Name: "lookups", Kind: "acis", URL: "https://acis.example", Path: filepath.Join(dir, "saved"), Rate: 0.25,
				Timeout: config.Duration{D: time.Minute, Raw: "1m"}},
			{Name: "calendar", Kind: "ics", URL: "https://cal.example/office.ics"},
		},
	}
	specs, err := sourceSpecs(cfg, zones)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(specs), 4; got != want {
		t.Fatalf("specs: got %d, want %d", got, want)
	}
	c := specs[0].Reader.(*source.CSV)
	if got, want := c.Path, filepath.Join(dir, "in", "docket.csv"); got != want {
		t.Errorf("csv path: got %q, want %q", got, want)
	}
	if loc, err := c.Zoner.Zone("", "XYZ"); err != nil || loc.String() != "America/Denver" {
		t.Errorf("csv zone of an unknown court: got %v, %v, want the source's America/Denver", loc, err)
	}
	if loc, _ := c.Zoner.Zone("", "DAL"); loc != chicago {
		t.Errorf("csv zone of DAL: got %v, want the court table's America/Chicago", loc)
	}
	if b := specs[1].Reader.(*source.EOIRBulk); b.Path != "/data/tbl_schedule.txt" || len(b.Courts) != 1 {
		t.Errorf("eoir_bulk: got path %q courts %v", b.Path, b.Courts)
	}
	a := specs[2].Reader.(*source.ACIS)
	if got, want := len(a.Cases), 2; got != want {
		t.Errorf("acis cases: got %d, want %d (clients with an A-number)", got, want)
	}
	if a.Dir != filepath.Join(dir, "saved") || a.HTTPClient.Timeout != time.Minute || float64(a.Rate) != 0.25 {
		t.Errorf("acis: got dir %q timeout %v rate %v", a.Dir, a.HTTPClient.Timeout, a.Rate)
	}
	i := specs[3].Reader.(*source.ICS)
	if i.Path != "https://cal.example/office.ics" || i.DefaultZone.String() != "America/New_York" {
		t.Errorf("ics: got path %q default zone %v, want the URL and the organisation's zone", i.Path, i.DefaultZone)
	}

	cfg.Sources[0].TimeFormat = "hh:mm"
	if _, err := sourceSpecs(cfg, zones); err == nil || !strings.Contains(err.Error(), "time_format") {
		t.Errorf("bad time format: got %v, want an error naming time_format", err)
	}
}

func TestFeedSettingsFollowTheRunningConfig(t *testing.T) {
	a := config.Default()
	a.Organization.Name = "Before"
	cur := a
	settings := feedSettings(func() *config.Config { return cur })
	if got := settings().OrgName; got != "Before" {
		t.Fatalf("OrgName = %q, want Before", got)
	}
	b := config.Default()
	b.Organization.Name = "After"
	cur = b // a reload
	if got := settings().OrgName; got != "After" {
		t.Errorf("after a reload OrgName = %q, want After", got)
	}
}

func TestNextSyncFollowsEveryOrSchedule(t *testing.T) {
	last := time.Date(2027, 11, 1, 6, 5, 0, 0, time.Local)
	every := config.Source{Every: config.Duration{D: time.Hour, Raw: "1h"}}
	if got, _ := nextSync(every, last); !got.Equal(last.Add(time.Hour)) {
		t.Errorf("every 1h after %v: got %v", last, got)
	}
	daily := config.Source{Schedule: "0 6 * * *"}
	if got, _ := nextSync(daily, last); !got.Equal(time.Date(2027, 11, 2, 6, 0, 0, 0, time.Local)) {
		t.Errorf("schedule 0 6 * * * after %v: got %v, want the next day at 06:00", last, got)
	}
}

// A csv source checks its attorney cells as the store links them: an attorney's id, or name in any case; and gets
// the source's separator.
func TestCSVSourceKnowsTheAttorneysAndSeparator(t *testing.T) {
	cfg := &config.Config{Attorneys: []config.Attorney{{ID: "jlee", Name: "Jamie Lee"}},
		Sources: []config.Source{{Name: "a", Kind: "csv", Path: "a.csv", Separator: ";"}}}
	specs, err := sourceSpecs(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := specs[0].Reader.(*source.CSV)
	if c.Comma != ';' {
		t.Errorf("Comma = %q, want ';'", c.Comma)
	}
	for s, want := range map[string]bool{"jlee": true, "jamie lee": true, "JAMIE LEE": true, "JLEE": false,
		"Jamie": false} {
		if got := c.KnownAttorney(s); got != want {
			t.Errorf("KnownAttorney(%q) = %v, want %v", s, got, want)
		}
	}
}
