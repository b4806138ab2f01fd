package docket

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNoZone is wrapped by LoadZone's errors.
var ErrNoZone = errors.New("not an IANA time zone")

// LoadZone loads a named IANA zone. "" and "Local" are refused: a time shown to a person must name the place's zone,
// never the server's.
//
// Loaded zones are kept: time.LoadLocation reads the zone database on every call, and a feed or a planning page asks
// for the same few zones once per hearing.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%w: %q", ErrNoZone, name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%w: %q", ErrNoZone, name)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones holds every zone LoadZone has loaded, by name.
var zones sync.Map

// Zone is the zone a stored name stands for. Every zone is checked when it enters docketd (config validation, the
// court table, a source's record), so a name that does not load here comes from a database written by something
// else; it is shown in UTC, which is at least an unambiguous instant, rather than in the server's zone.
func Zone(name string) *time.Location {
	loc, err := LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// ZoneOr is the zone of a person or an office: their own when they have one that loads, else def. A client without
// a zone of their own lives where the office is.
func ZoneOr(name string, def *time.Location) *time.Location {
	if loc, err := LoadZone(name); err == nil {
		return loc
	}
	if def == nil {
		return time.UTC
	}
	return def
}
