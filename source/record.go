// Package source reads hearing data from the places it lives (docket exports,
// EOIR's case-data dump, the ACIS lookup service, office calendars) and turns
// every hearing into one normalised Record in docket's terms. Each kind of
// source is one file with its reader and its Kind; Kinds lists them. It knows
// nothing about the store: deciding what changed is the sync's job.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docketd/docketd/docket"
)

// Reader is what every source kind offers: it calls emit for each hearing and
// reject for each input it had to skip. An error from emit stops the read and
// is returned as is. A non-nil error means the source as a whole failed (file
// missing, service down) and its records must not be taken as complete.
//
// It is an alias of the interface itself, not a named type, so that the sync
// (ingest.Reader, the same alias) and the kinds meet on it without importing
// each other, methods that return a Reader included.
type Reader = interface {
	Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error
}

// Result holds what a whole read produced, for sources small enough to keep
// in memory (everything but the EOIR dump).
type Result struct {
	Records []docket.SourceRecord
	Rejects []docket.RecordError
}

// Collect reads r to the end into a Result. On error the partial Result is
// returned too, so the caller can report the rejects it holds.
func Collect(ctx context.Context, r Reader) (Result, error) {
	var res Result
	err := r.Read(ctx, func(rec docket.SourceRecord) error {
		res.Records = append(res.Records, rec)
		return nil
	}, func(e docket.RecordError) {
		res.Rejects = append(res.Rejects, e)
	})
	return res, err
}

// Zoner gives the time zone of a hearing location (first) or court (second).
// The court table lives elsewhere; sources only need this much of it.
type Zoner interface {
	Zone(location, court string) (*time.Location, error)
}

// progressStep is how many bytes of a file pass between progress reports: often enough for a smooth bar, rare
// enough to cost nothing.
const progressStep = 1 << 20

// countingReader counts the bytes read through it for progress reports and, when report is set, reports them about
// every progressStep.
type countingReader struct {
	r      io.Reader
	n      int64
	last   int64
	total  int64
	report func(done, total int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && c.n-c.last >= progressStep {
		c.last = c.n
		c.report(c.n, c.total)
	}
	return n, err
}

// fileSize is the size of a regular file, -1 for anything else (a pipe, a device) or when it cannot be told.
func fileSize(f *os.File) int64 {
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		return fi.Size()
	}
	return -1
}

// rejectFunc never returns nil, so readers need not test for it.
func rejectFunc(f func(docket.RecordError)) func(docket.RecordError) {
	if f == nil {
		return func(docket.RecordError) {}
	}
	return f
}

// usStates are the postal codes that stay upper case in an address.
var usStates = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.Fields("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT " +
		"NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI MP AS") {
		m[s] = true
	}
	return m
}()

// upperWords stay upper case wherever they appear.
var upperWords = map[string]bool{
	"NE": true, "NW": true, "SE": true, "SW": true, "N": true, "S": true, "E": true, "W": true,
	"PO": true, "US": true, "USA": true, "ICE": true, "EOIR": true, "II": true, "III": true,
}

// smallWords are lower case inside an address part.
var smallWords = map[string]bool{"OF": true, "AND": true, "THE": true, "AT": true, "DE": true, "DEL": true}

// ReadableAddress turns an ACIS address ("DALLAS, TEXAS|1100 COMMERCE STREET,
// SUITE 1060|DALLAS, TX 75242") into one line people can read: parts joined
// by ", ", words in title case, state codes, directions and suite numbers as
// they were. A part that is only a phone number is dropped. Text already in
// mixed case is kept as written.
func ReadableAddress(s string) string {
	var parts []string
	for p := range strings.SplitSeq(s, "|") {
		p = strings.Join(strings.Fields(p), " ")
		if p == "" || isPhoneLike(p) {
			continue
		}
		if strings.ToUpper(p) == p {
			p = titleAddressPart(p)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func isPhoneLike(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("()-. +", r):
		default:
			return false
		}
	}
	return digits >= 10
}

func titleAddressPart(p string) string {
	words := strings.Split(p, " ")
	for i, w := range words {
		core := strings.TrimRight(w, ",.;:")
		tail := w[len(core):]
		prevComma := i > 0 && strings.HasSuffix(words[i-1], ",")
		switch {
		case core == "":
		case upperWords[core]:
		case len(core) == 2 && usStates[core] && (prevComma || i == len(words)-1):
		case smallWords[core] && i > 0:
			core = strings.ToLower(core)
		default:
			core = titleWord(core)
		}
		words[i] = core + tail
	}
	return strings.Join(words, " ")
}

// titleWord capitalises each letter run after a separator ("WILKES-BARRE",
// "O'HARE"), keeps codes with digits upper case ("201A") except ordinals
// ("1ST" -> "1st"), and writes "MCALLEN" as "McAllen".
func titleWord(w string) string {
	hasDigit := strings.ContainsAny(w, "0123456789")
	if hasDigit {
		n := strings.TrimLeft(w, "0123456789")
		if len(n) == 2 && len(n) < len(w) && (n == "ST" || n == "ND" || n == "RD" || n == "TH") {
			return w[:len(w)-2] + strings.ToLower(n)
		}
		return w
	}
	b := []byte(strings.ToLower(w))
	start := true
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			if start {
				b[i] = c - 'a' + 'A'
			}
			start = false
		} else {
			start = c == '-' || c == '\'' || c == '/'
		}
	}
	out := string(b)
	if len(out) > 3 && strings.HasPrefix(out, "Mc") {
		out = "Mc" + strings.ToUpper(out[2:3]) + out[3:]
	}
	return out
}

// acisDateLayouts are the forms ACIS has been seen to use for AdjDate.
var acisDateLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04:05.999", "2006-01-02", "01/02/2006"}

// acisTimeLayouts are the forms of AdjTime ("1:00 PM"); values are upper-cased first.
var acisTimeLayouts = []string{"3:04 PM", "3:04PM", "15:04", "15:04:05", "3:04:05 PM"}

// ACISTime combines AdjDate ("2027-02-09T00:00:00", a date written as a
// midnight without offset) and AdjTime ("1:00 PM", court local time) into an
// instant in loc.
func ACISTime(adjDate, adjTime string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		return time.Time{}, errors.New("no time zone")
	}
	d, err := parseFirst(strings.TrimSpace(adjDate), acisDateLayouts)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: not a date", clip(adjDate))
	}
	t, err := parseFirst(strings.ToUpper(strings.Join(strings.Fields(adjTime), " ")), acisTimeLayouts)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: not a time of day", clip(adjTime))
	}
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), nil
}

func parseFirst(s string, layouts []string) (time.Time, error) {
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// clip shortens input quoted in an error so one bad cell cannot flood a log.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

// zoneCache remembers the Zoner's answers for one read; a dump repeats the
// same few hundred codes millions of times.
type zoneCache struct {
	z Zoner
	m map[[2]string]zoneAnswer
}

type zoneAnswer struct {
	loc *time.Location
	err error
}

func newZoneCache(z Zoner) *zoneCache {
	return &zoneCache{z: z, m: map[[2]string]zoneAnswer{}}
}

func (c *zoneCache) zone(location, court string) (*time.Location, error) {
	k := [2]string{location, court}
	if a, ok := c.m[k]; ok {
		return a.loc, a.err
	}
	if c.z == nil {
		return nil, errors.New("no court table")
	}
	loc, err := c.z.Zone(location, court)
	if err == nil && loc == nil {
		err = fmt.Errorf("no time zone for court %q", court)
	}
	if len(c.m) < 100000 {
		c.m[k] = zoneAnswer{loc, err}
	}
	return loc, err
}
