package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // TZIDs must resolve on minimal images too

	"github.com/emersion/go-ical"

	"github.com/docketd/docketd/docket"
)

// icsKind reads an office calendar from a file or a URL: read whole before the store is touched, since a URL may be
// slow.
var icsKind = Kind{Name: "ics", Buffered: true, build: newICS}

// newICS reads floating times in the source's own zone, else the default one (the organisation's); a URL is read
// rather than the path.
func newICS(s Spec, zones Zoner) (Reader, error) {
	zone := s.Timezone
	if zone == "" {
		zone = s.DefaultTimezone
	}
	def, err := docket.LoadZone(zone)
	if err != nil {
		return nil, fmt.Errorf("timezone: %w", err)
	}
	p := s.Path
	if s.URL != "" {
		p = s.URL
	}
	return &ICS{Path: p, ANumberPattern: s.ANumberPattern, Zoner: zones, DefaultZone: def,
		HTTPClient: s.httpClient()}, nil
}

// DefaultANumberPattern finds an A-number in an event's summary or
// description: "A" then 8 or 9 digits, dashes or a space allowed ("A201555123",
// "A-201-555-123", "A 20155512"). The first group, when there is one, is the
// number.
const DefaultANumberPattern = `(?i)\bA[-# ]?(\d{3}-?\d{3}-?\d{3}|\d{2}-?\d{3}-?\d{3})\b`

const (
	// icsMaxSize bounds a calendar file or download; office calendars with
	// years of events stay far below it.
	icsMaxSize = 64 << 20
	// icsTimeout bounds the download of a calendar URL.
	icsTimeout = time.Minute
)

// ICS reads hearings from an existing office calendar: the VEVENTs of an
// .ics file or URL whose summary or description names an A-number. Events
// without one (staff meetings, holidays) are skipped, as are cancelled
// events (STATUS:CANCELLED). Recurrence rules are ignored: a hearing happens
// once; each RECURRENCE-ID override is its own hearing.
//
// The court of all events is Court: office calendars write LOCATION as free
// text, and guessing a court code from it would misplace hearings.
type ICS struct {
	// Path is a file path or an http(s) URL.
	Path string
	// ANumberPattern overrides DefaultANumberPattern.
	ANumberPattern string
	// Court is the court code given to every event ("" leaves it empty).
	Court string
	// Zoner, with Court, expresses each start in the court's zone and reads
	// floating times there.
	Zoner Zoner
	// DefaultZone reads floating times when no court zone is known, and
	// TZIDs that are neither IANA nor known Windows names.
	DefaultZone *time.Location
	// HTTPClient fetches a URL; it defaults to a one-minute timeout.
	HTTPClient *http.Client
}

var _ Reader = (*ICS)(nil)

// Read implements Reader. A file that cannot be read or is not a calendar
// fails the run; a malformed event is rejected alone.
func (c *ICS) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	data, err := c.fetch(ctx)
	if err != nil {
		return err
	}
	return c.Scan(ctx, data, emit, reject)
}

// Scan reads calendar text as if it came from Path.
func (c *ICS) Scan(ctx context.Context, data []byte, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	reject = rejectFunc(reject)
	pattern := c.ANumberPattern
	if pattern == "" {
		pattern = DefaultANumberPattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("ics %s: a-number pattern: %w", c.Path, err)
	}
	var courtLoc *time.Location
	if c.Court != "" && c.Zoner != nil {
		if courtLoc, err = c.Zoner.Zone("", strings.ToUpper(c.Court)); err != nil {
			return fmt.Errorf("ics %s: %w", c.Path, err)
		}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(bytes.TrimLeft(data, " \t\r\n"), []byte("\n"))
	if !strings.EqualFold(strings.TrimSpace(string(first)), "BEGIN:VCALENDAR") {
		return fmt.Errorf("ics %s: not an iCalendar file", c.Path)
	}
	p := icsEventParser{c: c, re: re, courtLoc: courtLoc}
	return splitEvents(data, func(line int, block []byte, splitErr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if splitErr != nil {
			reject(docket.RecordError{File: c.Path, Line: line, Reason: splitErr.Error()})
			return nil
		}
		recs, key, an, err := p.parse(block)
		if err != nil {
			reject(docket.RecordError{File: c.Path, Line: line, Key: key, ANumber: an, Reason: err.Error()})
			return nil
		}
		for _, r := range recs {
			r.Line = line
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (c *ICS) fetch(ctx context.Context) ([]byte, error) {
	if !strings.HasPrefix(c.Path, "http://") && !strings.HasPrefix(c.Path, "https://") {
		data, err := readFileLimited(c.Path, icsMaxSize)
		if err != nil {
			return nil, fmt.Errorf("ics: %w", err)
		}
		return data, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Path, nil)
	if err != nil {
		return nil, fmt.Errorf("ics: %w", err)
	}
	req.Header.Set("Accept", "text/calendar")
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: icsTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ics %s: status %d", c.Path, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, icsMaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("ics %s: %w", c.Path, err)
	}
	if len(data) > icsMaxSize {
		return nil, fmt.Errorf("ics %s: larger than %d bytes", c.Path, icsMaxSize)
	}
	return data, nil
}

// splitEvents calls fn with each VEVENT block (BEGIN to END, nested alarms
// included) and its first line number, or with an error for a block that
// never ends. Decoding events one by one is what lets one broken event fail
// alone: go-ical rejects a whole calendar for one bad component.
func splitEvents(data []byte, fn func(line int, block []byte, err error) error) error {
	var block []byte
	start, depth := 0, 0
	n := 0
	for len(data) > 0 {
		var raw []byte
		raw, data, _ = bytes.Cut(data, []byte("\n"))
		n++
		l := bytes.TrimRight(raw, "\r")
		name, value, _ := bytes.Cut(l, []byte(":"))
		isBegin := bytes.EqualFold(bytes.TrimSpace(name), []byte("BEGIN"))
		isEnd := bytes.EqualFold(bytes.TrimSpace(name), []byte("END"))
		value = bytes.TrimSpace(value)
		if depth == 0 {
			if isBegin && bytes.EqualFold(value, []byte("VEVENT")) {
				start, depth = n, 1
				block = append(block[:0], l...)
				block = append(block, '\r', '\n')
			}
			continue
		}
		if isBegin && depth == 1 && bytes.EqualFold(value, []byte("VEVENT")) ||
			isEnd && depth == 1 && bytes.EqualFold(value, []byte("VCALENDAR")) {
			if err := fn(start, nil, errors.New("event has no END:VEVENT")); err != nil {
				return err
			}
			depth = 0
			if isBegin {
				start, depth = n, 1
				block = append(block[:0], l...)
				block = append(block, '\r', '\n')
			}
			continue
		}
		block = append(block, l...)
		block = append(block, '\r', '\n')
		switch {
		case isBegin:
			depth++
		case isEnd:
			depth--
			if depth == 0 {
				if err := fn(start, block, nil); err != nil {
					return err
				}
			}
		}
	}
	if depth > 0 {
		return fn(start, nil, errors.New("event has no END:VEVENT"))
	}
	return nil
}

// icsEventParser turns one VEVENT block into records.
type icsEventParser struct {
	c        *ICS
	re       *regexp.Regexp
	courtLoc *time.Location
}

// parse returns the event's records (none for an event that is not a
// hearing), and its key and first A-number, known even when it fails.
func (p *icsEventParser) parse(block []byte) (recs []docket.SourceRecord, key string, an docket.ANumber, err error) {
	defer func() {
		// go-ical is not fuzzed upstream; a panic on odd input must fail this
		// event only.
		if r := recover(); r != nil {
			recs, err = nil, fmt.Errorf("unreadable event: %v", r)
		}
	}()
	var b bytes.Buffer
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
	b.Write(block)
	b.WriteString("END:VCALENDAR\r\n")
	cal, err := ical.NewDecoder(&b).Decode()
	if err != nil {
		return nil, "", "", fmt.Errorf("malformed event: %w", err)
	}
	events := cal.Events()
	if len(events) != 1 {
		return nil, "", "", errors.New("malformed event")
	}
	ev := events[0]
	uid, _ := ev.Props.Text(ical.PropUID)
	uid = strings.TrimSpace(uid)
	if uid == "" {
		return nil, "", "", errors.New("event has no UID")
	}
	key = uid
	if rid := ev.Props.Get(ical.PropRecurrenceID); rid != nil && strings.TrimSpace(rid.Value) != "" {
		key += "|" + strings.TrimSpace(rid.Value)
	}
	if st := ev.Props.Get(ical.PropStatus); st != nil && strings.EqualFold(strings.TrimSpace(st.Value), "CANCELLED") {
		return nil, key, "", nil
	}
	summary, _ := ev.Props.Text(ical.PropSummary)
	desc, _ := ev.Props.Text(ical.PropDescription)
	anums := p.aNumbers(summary + "\n" + desc)
	if len(anums) == 0 {
		return nil, key, "", nil
	}
	start, err := p.start(ev.Props.Get(ical.PropDateTimeStart))
	if err != nil {
		return nil, key, anums[0], err
	}
	location, _ := ev.Props.Text(ical.PropLocation)
	location = strings.Join(strings.Fields(location), " ")
	typ, _ := docket.ParseHearingType(summary)
	base := docket.SourceRecord{
		Court:   strings.ToUpper(p.c.Court),
		Start:   start,
		Type:    typ,
		Medium:  docket.ParseMedium(location),
		WebEx:   webexLink(location, desc, ev.Props.Get(ical.PropURL)),
		Address: location,
	}
	for _, a := range anums {
		r := base
		r.ANumber = a
		r.Key = key
		if len(anums) > 1 {
			// A family's consolidated hearing: one record per respondent.
			r.Key = key + "|" + string(a)
		}
		recs = append(recs, r)
	}
	return recs, key, anums[0], nil
}

// aNumbers returns the distinct valid A-numbers the pattern finds in s.
func (p *icsEventParser) aNumbers(s string) []docket.ANumber {
	var out []docket.ANumber
	for _, m := range p.re.FindAllStringSubmatch(s, -1) {
		v := m[0]
		if len(m) > 1 && m[1] != "" {
			v = m[1]
		}
		a, err := docket.ParseANumber(v)
		if err != nil {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == a
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

// start reads DTSTART: UTC, with a TZID (IANA, Windows name or the default
// zone), or floating (court zone, then default zone).
func (p *icsEventParser) start(prop *ical.Prop) (time.Time, error) {
	if prop == nil {
		return time.Time{}, errors.New("event has no DTSTART")
	}
	v := strings.TrimSpace(prop.Value)
	if strings.EqualFold(prop.Params.Get(ical.ParamValue), "DATE") || len(v) == len("20060102") {
		return time.Time{}, errors.New("all-day event has no start time")
	}
	var t time.Time
	var err error
	switch tzid := strings.Trim(prop.Params.Get(ical.ParamTimezoneID), `"`); {
	case strings.HasSuffix(v, "Z") || strings.HasSuffix(v, "z"):
		t, err = time.Parse("20060102T150405Z", strings.ToUpper(v))
	case tzid != "":
		loc := p.resolveTZID(tzid)
		if loc == nil {
			return time.Time{}, fmt.Errorf("unknown time zone %q", clip(tzid))
		}
		t, err = time.ParseInLocation("20060102T150405", v, loc)
	default:
		loc := p.courtLoc
		if loc == nil {
			loc = p.c.DefaultZone
		}
		if loc == nil {
			return time.Time{}, errors.New("floating start time and no court or default zone")
		}
		t, err = time.ParseInLocation("20060102T150405", v, loc)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("DTSTART %q is not a date-time", clip(v))
	}
	if p.courtLoc != nil {
		t = t.In(p.courtLoc)
	}
	return t, nil
}

// windowsZones maps the Windows zone names Outlook and Exchange write as
// TZID to IANA names, for the zones US immigration courts use.
var windowsZones = map[string]string{
	"Eastern Standard Time":      "America/New_York",
	"US Eastern Standard Time":   "America/Indiana/Indianapolis",
	"Central Standard Time":      "America/Chicago",
	"Mountain Standard Time":     "America/Denver",
	"US Mountain Standard Time":  "America/Phoenix",
	"Pacific Standard Time":      "America/Los_Angeles",
	"Alaskan Standard Time":      "America/Anchorage",
	"Hawaiian Standard Time":     "Pacific/Honolulu",
	"SA Western Standard Time":   "America/Puerto_Rico",
	"West Pacific Standard Time": "Pacific/Guam",
}

func (p *icsEventParser) resolveTZID(tzid string) *time.Location {
	if loc, err := time.LoadLocation(tzid); err == nil && tzid != "Local" && tzid != "" {
		return loc
	}
	// Some producers prefix IANA names ("/mozilla.org/20050126_1/America/New_York").
	if parts := strings.Split(tzid, "/"); len(parts) > 2 {
		if loc, err := time.LoadLocation(strings.Join(parts[len(parts)-2:], "/")); err == nil {
			return loc
		}
	}
	if name, ok := windowsZones[tzid]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return p.c.DefaultZone
}

var webexRe = regexp.MustCompile(`https://[A-Za-z0-9.-]*webex\.com/[^\s"<>]*`)

// webexLink finds a WebEx URL in the event, which EOIR hearings use.
func webexLink(location, desc string, urlProp *ical.Prop) string {
	for _, s := range []string{location, desc} {
		if m := webexRe.FindString(s); m != "" {
			return m
		}
	}
	if urlProp != nil && webexRe.MatchString(urlProp.Value) {
		return strings.TrimSpace(urlProp.Value)
	}
	return ""
}
