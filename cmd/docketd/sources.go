package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/scheduler"
	"github.com/docketd/docketd/source"
	"golang.org/x/time/rate"
)

// sourceSpecs builds the runnable form of every [[sources]] entry, in config order. zones gives court time zones
// (the store's court table, after the config's [[courts]] are applied). Each acis and ics source gets a client with
// the source's timeout, or the kind's default when the file sets none.
// Relative paths are read from the config file's directory, so the file means the same from any working directory.
func sourceSpecs(cfg *config.Config, zones source.Zoner) ([]scheduler.SourceSpec, error) {
	specs := make([]scheduler.SourceSpec, 0, len(cfg.Sources))
	for i, sc := range cfg.Sources {
		r, err := sourceReader(cfg, sc, zones)
		if err != nil {
			return nil, fmt.Errorf("%s: sources[%d] (%s): %w", cfg.File, i, sc.Name, err)
		}
		specs = append(specs, scheduler.SourceSpec{Name: sc.Name, Complete: sc.Complete, Grace: sc.Grace.D,
			MaxChange: sc.MaxChange.F, Reader: r, Buffered: sc.Kind == "acis" || sc.Kind == "ics"})
	}
	return specs, nil
}

func sourceReader(cfg *config.Config, sc config.Source, zones source.Zoner) (source.Reader, error) {
	if sc.Timezone != "" {
		loc, err := time.LoadLocation(sc.Timezone)
		if err != nil {
			return nil, fmt.Errorf("timezone: %w", err)
		}
		zones = fallbackZoner{zones, loc}
	}
	// Without a timeout in the file, each kind keeps its own default: an ACIS lookup may wait for a captcha to be
	// solved for far longer than the 15 seconds that suit other providers.
	var client *http.Client
	if sc.Timeout.Raw != "" {
		client = &http.Client{Timeout: sc.Timeout.D}
	}
	path := configRelative(cfg, sc.Path)
	switch sc.Kind {
	case "csv":
		// The reader would find a bad format only when it runs; saying so now points at the config instead.
		for key, f := range map[string]string{"date_format": sc.DateFormat, "time_format": sc.TimeFormat} {
			if f == "" {
				continue
			}
			if _, err := source.ParseFormat(f); err != nil {
				return nil, fmt.Errorf("%s: %w", key, err)
			}
		}
		return &source.CSV{Path: path, Columns: sc.Columns, DateFormat: sc.DateFormat, TimeFormat: sc.TimeFormat,
			Zoner: zones}, nil
	case "eoir_bulk":
		return &source.EOIRBulk{Path: path, Courts: sc.BaseCities, CaseIDs: sc.CaseIDs, Zoner: zones}, nil
	case "acis":
		a := &source.ACIS{URL: sc.URL, APIKey: sc.APIKey, Dir: path, Rate: rate.Limit(sc.Rate), HTTPClient: client,
			Zoner: zones}
		// ACIS is asked about the office's own clients; one without an A-number has no case to look up. One without
		// a nationality is passed on so that every run says what is missing.
		for _, c := range cfg.Clients {
			if c.ANumber != "" {
				a.Cases = append(a.Cases, source.ACISCase{ANumber: c.ANumber, Nationality: c.Nationality})
			}
		}
		return a, nil
	case "ics":
		zone := sc.Timezone
		if zone == "" {
			zone = cfg.Organization.Timezone
		}
		def, err := time.LoadLocation(zone)
		if err != nil {
			return nil, fmt.Errorf("timezone: %w", err)
		}
		p := path
		if sc.URL != "" {
			p = sc.URL
		}
		return &source.ICS{Path: p, ANumberPattern: sc.ANumberPattern, Zoner: zones, DefaultZone: def,
			HTTPClient: client}, nil
	}
	return nil, fmt.Errorf("unknown kind %q", sc.Kind)
}

// configRelative resolves a path written in the config against the config file's directory.
func configRelative(cfg *config.Config, p string) string {
	if p == "" || filepath.IsAbs(p) || strings.Contains(p, "://") {
		return p
	}
	return filepath.Join(filepath.Dir(cfg.File), p)
}

// fallbackZoner gives a source's own timezone to rows whose court the court table does not know.
type fallbackZoner struct {
	z   source.Zoner
	loc *time.Location
}

func (f fallbackZoner) Zone(location, court string) (*time.Location, error) {
	if f.z != nil {
		if loc, err := f.z.Zone(location, court); err == nil && loc != nil {
			return loc, nil
		}
	}
	return f.loc, nil
}
