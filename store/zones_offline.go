package store

import (
	"fmt"
	"time"

	"github.com/docketd/docketd/docket"
)

// OfflineZones gives the zones a sync would use, without a database: the embedded court table with the config's
// [[courts]] applied over it (as ApplyCourts applies them), and the hearing-location table. `docketd check` reads
// the sources with it and so writes nothing, not even a new database file.
func OfflineZones(overrides []docket.Court) (*CourtZones, error) {
	courts, err := EmbeddedCourts()
	if err != nil {
		return nil, err
	}
	zone := make(map[string]string, len(courts)+len(overrides))
	for _, c := range courts {
		zone[c.Code] = c.Zone
	}
	for _, o := range overrides {
		if o.Zone != "" || zone[o.Code] == "" {
			zone[o.Code] = o.Zone
		}
	}
	z := &CourtZones{zones: map[string]*time.Location{}}
	for code, name := range zone {
		if err := checkCourtZone(code, name); err != nil {
			return nil, err
		}
		loc, err := docket.LoadZone(name)
		if err != nil {
			return nil, fmt.Errorf("court %s: %w", code, err)
		}
		z.zones[code] = loc
	}
	if z.locations, err = hearingLocationZones(); err != nil {
		return nil, err
	}
	return z, nil
}
