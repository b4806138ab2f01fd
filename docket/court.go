package docket

import (
	"strings"
	"time"
)

// Court is an immigration court or hearing location. The EOIR table is embedded in the store; the config may add
// courts or override them.
type Court struct {
	Code    string // EOIR code, e.g. "DAL"
	Name    string // as EOIR writes it, e.g. "Dallas"
	Address string // street and suite; EOIR's "|" separators are allowed
	City    string
	State   string
	Zone    string // IANA zone
	Phone   string
	Status  string // listed_2026, foia_only_unverified, legacy_alias, not_listed, config
}

// DisplayName turns EOIR's short names ("Dallas") into what people call the place ("Dallas Immigration Court").
func (c Court) DisplayName() string {
	switch {
	case c.Name == "":
		return c.Code
	case strings.Contains(strings.ToLower(c.Name), "court"):
		return c.Name
	default:
		return c.Name + " Immigration Court"
	}
}

// Place is the court's street address, city and state on one line.
func (c Court) Place() string {
	parts := []string{oneLine(c.Address), c.City}
	if c.State != "" {
		parts = append(parts, c.State)
	}
	kept := parts[:0]
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

// Location is the court's zone (see Zone for a name that does not load).
func (c Court) Location() *time.Location { return Zone(c.Zone) }
