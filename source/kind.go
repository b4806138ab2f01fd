package source

import (
	"fmt"
	"net/http"
	"time"

	"github.com/docketd/docketd/docket"
)

// Kind is one kind of source, as a [[sources]] entry names it (kind = "csv"): its traits and how to build its
// reader. Each kind is declared in its own file beside its reader; Kinds lists them.
type Kind struct {
	// Name is the config's name of the kind.
	Name string
	// Buffered says the kind is a slow network source (a lookup service polled politely, a calendar URL) that must
	// be read whole before the store's pass begins, so that a source that is down or cut short fails before any
	// of it is staged. Other kinds stream, so memory stays flat.
	Buffered bool
	// Progress says the kind reads a file and can report the bytes read so far and the file's size: its readers
	// have a WithProgress method.
	Progress bool
	// build makes the kind's reader from the spec and the spec's zones (see Spec.Timezone).
	build func(s Spec, zones Zoner) (Reader, error)
}

// New builds the kind's reader. Its errors name the setting at fault ("date_format: …").
func (k Kind) New(s Spec) (Reader, error) {
	zones, err := s.zoner()
	if err != nil {
		return nil, err
	}
	return k.build(s, zones)
}

// Kinds lists every kind, in the order the config documents them. A new kind is a new file declaring its Kind and a
// line here.
var Kinds = []Kind{csvKind, eoirBulkKind, acisKind, icsKind}

// Lookup returns the kind called name.
func Lookup(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Spec is what every kind's constructor is given: one [[sources]] entry, with its paths already resolved (relative
// paths against the config file's directory). Each kind uses the fields that apply to it.
type Spec struct {
	// Name is the source's name.
	Name string
	// Path is the file to read (csv, eoir_bulk, ics) or the folder of saved answers (acis).
	Path string
	// URL is a calendar URL (ics, taken over Path) or the lookup service (acis).
	URL string
	// APIKey is sent to the lookup service (acis).
	APIKey string
	// Columns, DateFormat and TimeFormat map a docket export's headers and formats (csv; see CSV).
	Columns                map[string]string
	DateFormat, TimeFormat string
	// Separator is the character between a docket export's fields (csv); "" means ",".
	Separator string
	// KnownAttorney reports whether an export's attorney cell names one of the office's attorneys (csv); nil
	// leaves the cells unchecked.
	KnownAttorney func(idOrName string) bool
	// BaseCities and CaseIDs keep only the dump's rows of these courts and cases (eoir_bulk); empty keeps all.
	BaseCities, CaseIDs []string
	// Cases are the cases to ask the lookup service about (acis).
	Cases []ACISCase
	// Rate is lookups per second (acis); 0 means the kind's default.
	Rate float64
	// ANumberPattern finds A-numbers in calendar events (ics); "" means DefaultANumberPattern.
	ANumberPattern string
	// Zoner gives the zone of a hearing location or court (the court table).
	Zoner Zoner
	// Timezone, when set, is the source's own IANA zone: the zone of records whose court Zoner does not know, and of
	// a calendar's floating times.
	Timezone string
	// DefaultTimezone is the zone of a calendar's floating times when the source has no Timezone (the
	// organisation's).
	DefaultTimezone string
	// HTTPClient, when set, makes every request of the network kinds (tests point it at local servers).
	HTTPClient *http.Client
	// Timeout bounds one request when HTTPClient is nil; 0 keeps the kind's own default (an ACIS lookup may wait
	// for a captcha far longer than a calendar download should).
	Timeout time.Duration
}

// zoner is the spec's Zoner, falling back to the source's own Timezone for courts it does not know.
func (s Spec) zoner() (Zoner, error) {
	if s.Timezone == "" {
		return s.Zoner, nil
	}
	loc, err := docket.LoadZone(s.Timezone)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	return fallbackZoner{s.Zoner, loc}, nil
}

// httpClient is HTTPClient, or a client with Timeout, or nil for the kind's default.
func (s Spec) httpClient() *http.Client {
	if s.HTTPClient == nil && s.Timeout > 0 {
		return &http.Client{Timeout: s.Timeout}
	}
	return s.HTTPClient
}

// fallbackZoner gives a source's own zone to records whose court the court table does not know.
type fallbackZoner struct {
	z   Zoner
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
