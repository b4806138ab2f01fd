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
	// City names where the client lives ("El Paso"), so a text can say "8:00 AM El Paso time"; empty says "your time".
	City string
	// State is the US state whose law on the hours of texts applies (two letters); empty: the phone's area code says.
	State string
	// GreetingName is the name the client is greeted by ("Rosa"); empty: the first name of Name.
	GreetingName string
	// Detained marks a client in custody: they are told nothing that asks them to travel; counsel and Contact are
	// reminded instead.
	Detained bool
	// Contact is the person the office reaches for a detained client (a relative); zero when none is named.
	Contact Proxy
	// Channels orders the ways the client is reached ("sms", "whatsapp", "voice", "email"): a client policy for texts
	// goes by the first, and [reminders] fallback moves a reminder down the rest. Empty: texts only.
	Channels   []Channel
	AttorneyID *string
	Active     bool
	// Origin is "config" for a client of the config file, else the source whose records named the client.
	Origin    string
	UpdatedAt time.Time
}

// Proxy is someone reached on a client's behalf: the contact person of a detained client.
type Proxy struct {
	Name, Phone, Email, Language string
}

// Named reports whether a contact person is given.
func (c Proxy) Named() bool { return c.Name != "" && (c.Phone != "" || c.Email != "") }

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

// ChannelOrder is the order the client is reached in: Channels, or texts alone when none is given.
func (c Client) ChannelOrder() []Channel {
	if len(c.Channels) == 0 {
		return []Channel{SMS}
	}
	return c.Channels
}

// NextChannel is the channel after ch in the client's order that the client can be reached on (a phone for texts,
// WhatsApp and calls, an email for email), false when ch is the last.
func (c Client) NextChannel(ch Channel) (Channel, bool) {
	order := c.ChannelOrder()
	for i, x := range order {
		if x != ch {
			continue
		}
		for _, next := range order[i+1:] {
			if c.AddressOn(next) != "" {
				return next, true
			}
		}
		return "", false
	}
	return "", false
}

// AddressOn is the client's own address on ch, "" when they have none there.
func (c Client) AddressOn(ch Channel) string {
	if ch == Email {
		return c.Email
	}
	return AddressFor(ch, c.Phone)
}
