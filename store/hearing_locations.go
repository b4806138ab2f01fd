package store

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/docketd/docketd/docket"
)

// EOIR's hearing-location codes with the zone of each place (see the file's first line for how each zone was
// derived). A hearing held away from its base city (the Louisville docket of the Memphis court, Saipan or Guam
// dockets of Honolulu) keeps the time of the place it is held. The file is built by internal/genlocations from
// EOIR's code table in the project's shared data and the court table; a test keeps the two the same.
//
//go:generate go run ./internal/genlocations -locations ../../shared/data/eoir_hearing_locations.csv -courts eoir_courts.csv -out eoir_hearing_locations.csv
//go:embed eoir_hearing_locations.csv
var hearingLocationsCSV []byte

// HearingLocation is one row of the embedded hearing-location table.
type HearingLocation struct {
	Code        string
	Description string
	Zone        string // IANA zone; "" when the place is unknown or the code names several places
	Basis       string // how Zone was derived, or why there is none
}

var (
	hlocOnce  sync.Once
	hlocRows  []HearingLocation
	hlocZones map[string]*time.Location
	hlocErr   error
)

// EmbeddedHearingLocations returns EOIR's hearing-location table as built into the binary. A row with a zone that
// does not load, or with no zone and no reason, is an error: such a table would place hearings in the wrong hour.
func EmbeddedHearingLocations() ([]HearingLocation, error) {
	hlocOnce.Do(func() { hlocRows, hlocZones, hlocErr = parseHearingLocations(hearingLocationsCSV) })
	return append([]HearingLocation(nil), hlocRows...), hlocErr
}

// detainedAt reports whether a hearing of court, at location code (whose court row is locCourt when the code is a
// court's), is held in a place of detention (docket.DetainedPlace): its court, or the court or hearing location its
// location code names. The place is read as the hearing is viewed, so a court the config adds counts at once.
func detainedAt(court, locCourt docket.Court, location string) bool {
	if court.Detained() || (location != "" && locCourt.Code != "" && locCourt.Detained()) {
		return true
	}
	if location == "" {
		return false
	}
	hlocDetainOnce.Do(func() {
		hlocDetained = map[string]bool{}
		rows, _ := EmbeddedHearingLocations() // a broken table fails every sync; here it marks nothing
		for _, r := range rows {
			if docket.DetainedPlace(r.Description) {
				hlocDetained[r.Code] = true
			}
		}
	})
	return hlocDetained[location]
}

var (
	hlocDetainOnce sync.Once
	hlocDetained   map[string]bool
)

// hearingLocationZones is the embedded table's zones by code, for the codes that have one.
func hearingLocationZones() (map[string]*time.Location, error) {
	if _, err := EmbeddedHearingLocations(); err != nil {
		return nil, err
	}
	return hlocZones, nil
}

func parseHearingLocations(data []byte) ([]HearingLocation, map[string]*time.Location, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.Comment = '#'
	r.FieldsPerRecord = 4
	rows, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("embedded hearing-location table: %w", err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "code,description,iana_tz,basis" {
		return nil, nil, fmt.Errorf("embedded hearing-location table: header is not code,description,iana_tz,basis")
	}
	var out []HearingLocation
	zones := map[string]*time.Location{}
	seen := map[string]bool{}
	for _, row := range rows[1:] {
		h := HearingLocation{Code: row[0], Description: row[1], Zone: row[2], Basis: row[3]}
		if seen[h.Code] {
			return nil, nil, fmt.Errorf("embedded hearing-location table: %s: listed twice", h.Code)
		}
		seen[h.Code] = true
		switch {
		case h.Zone == "" && !strings.HasPrefix(h.Basis, "unresolved") && !strings.HasPrefix(h.Basis, "ambiguous"):
			return nil, nil, fmt.Errorf("embedded hearing-location table: %s: no time zone and no reason", h.Code)
		case h.Zone != "":
			loc, err := docket.LoadZone(h.Zone)
			if err != nil {
				return nil, nil, fmt.Errorf("embedded hearing-location table: %s: %w", h.Code, err)
			}
			zones[h.Code] = loc
		}
		out = append(out, h)
	}
	return out, zones, nil
}

// checkCourtZone refuses a court without a zone that loads: time.LoadLocation("") is UTC without an error, so a
// blank zone would put the court's hearings in UTC.
func checkCourtZone(code, zone string) error {
	if zone == "" {
		return fmt.Errorf("court %s: no time zone", code)
	}
	if _, err := docket.LoadZone(zone); err != nil {
		return fmt.Errorf("court %s: %w", code, err)
	}
	return nil
}
