package docket

import "time"

// Client is a respondent: the person who must be at the hearing.
type Client struct {
	ID          string
	Name        string
	ANumber     ANumber
	Nationality string // EOIR nationality code, which ACIS lookups need
	Phone       string // E.164
	Email       string
	Language    string // BCP 47 base language, e.g. "es"
	Zone        string // where the client lives: reminders arrive at a decent hour of this zone
	AttorneyID  *string
	Active      bool
	// Origin is "config" for a client of the config file, else the source whose records named the client.
	Origin    string
	UpdatedAt time.Time
}

// Location is the client's zone, or def (the office's) when the client has none of their own.
func (c Client) Location(def *time.Location) *time.Location { return ZoneOr(c.Zone, def) }

// Attorney is counsel.
type Attorney struct {
	ID           string
	Name         string
	Email        string
	Phone        string
	Language     string
	Zone         string
	Organization string
	Active       bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Location is the attorney's zone, or def (the office's) when they have none of their own.
func (a Attorney) Location(def *time.Location) *time.Location { return ZoneOr(a.Zone, def) }
