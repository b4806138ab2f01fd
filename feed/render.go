package feed

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docketd/docketd/deadline"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	"github.com/emersion/go-ical"
)

// ProdID is the PRODID of every calendar this package writes.
const ProdID = "-//docketd//docketd feed//EN"

// DefaultRefresh is how often a feed asks clients to poll (REFRESH-INTERVAL
// and X-PUBLISHED-TTL). Google and Outlook.com poll on their own schedule
// anyway; Apple Calendar and Thunderbird honour it, and a conditional GET of
// an unchanged feed costs us next to nothing.
const DefaultRefresh = time.Hour

// EOIRHotline is the number a cancelled hearing points to, because a
// cancellation seen in a feed may be a data glitch and missing court is worse.
const EOIRHotline = "1-800-898-7180"

// Detail is how much of a hearing a feed reveals.
type Detail string

const (
	// DetailFull shows everything counsel needs: names, A-numbers, phones.
	DetailFull Detail = "full"
	// DetailInitials shows client initials and the court, never an A-number or
	// phone: for a shared office calendar.
	DetailInitials Detail = "initials"
	// DetailBusy shows only that time is taken: for a calendar others can see.
	DetailBusy Detail = "busy"
)

// DefaultDurations are the blocks of time a hearing takes in a calendar when
// its source gives no end (EOIR's ADJ_TIME_STOP is rarely meaningful).
//
// A master calendar hearing itself is minutes long, but it is one of dozens
// called in a morning or afternoon block and counsel waits for their turn: 2h.
// An individual (merits) hearing with testimony and interpretation routinely
// takes a half day: 4h. Bond hearings and credible-fear reviews are short
// (often by video from detention): 1h, as is anything unknown.
var DefaultDurations = map[docket.HearingType]time.Duration{
	docket.TypeMaster:       2 * time.Hour,
	docket.TypeIndividual:   4 * time.Hour,
	docket.TypeBond:         time.Hour,
	docket.TypeCredibleFear: time.Hour,
	docket.TypeOther:        time.Hour,
}

// Court is where a hearing takes place.
type Court struct {
	Code    string // EOIR court code, e.g. "DAL"
	Name    string // e.g. "Dallas Immigration Court"
	Address string // full street address; EOIR's "|" separators are allowed
	Phone   string
	// Place is the court's city alone ("Dallas"), which names the court's clock: "9:00 AM Dallas time".
	Place string
}

// Client is a respondent in a hearing.
type Client struct {
	Name     string
	ANumber  docket.ANumber
	Phone    string
	Language string // a display name, e.g. "Spanish"
	// Home is the zone the client lives in and City its name ("El Paso"): a hearing joined from where the client is
	// (online, by telephone) happens on that clock. A nil Home is the court's.
	Home *time.Location
	City string
	// Detained says the client is in custody (docket.Hearing.InCustody): counsel's feed says so, and the client
	// joins nothing from home.
	Detained bool
	// Contact is the person the office reaches for a detained client, e.g. "Rosa Núñez, +1 915-555-0101"; counsel's
	// feed shows it at full detail.
	Contact string
}

// Reminder is one planned or sent reminder, shown to counsel so they can see
// whether the client was told.
type Reminder struct {
	Channel docket.Channel
	To      string    // "client" or "attorney"; never an address
	Due     time.Time // when it is or was due
	State   string    // outbox state: pending, sent, delivered, failed, ...
}

// Hearing is one hearing as a feed shows it. The store adapter fills it; the
// renderer decides what each Detail level reveals.
type Hearing struct {
	ID       string    // the hearing's identity outside the database (docket.Hearing.Identity); the UID is UID(ID)
	Sequence int       // raised by the store when start, end or status change
	Updated  time.Time // last change; DTSTAMP, so unchanged feeds are byte-identical
	// Start is the start in the court's *time.Location, a named IANA zone.
	Start time.Time
	// TimeUnknown: the hearing's date is known and its time of day is not yet; Start is that day's midnight, and
	// the event is an all-day one (VALUE=DATE) whose title says the time is not known.
	TimeUnknown  bool
	Duration     time.Duration // zero means the default for Type
	Type         docket.HearingType
	TypeCode     string // raw EOIR code (CAL_TYPE / SCHEDULE_TYPE), shown to counsel
	Medium       docket.Medium
	MediumCode   string // raw EOIR ADJ_MEDIUM
	Status       docket.HearingStatus
	Judge        string
	WebEx        string // the judge's WebEx room; LOCATION for internet hearings
	Court        Court
	Clients      []Client
	Counsel      string // attorney's name
	CounselPhone string
	Reminders    []Reminder
	Confirmation string // e.g. "confirmed by client by text on 3 Mar"; free text
	// Reader is the client whose own feed (scope client:<id>) shows the hearing; nil in counsel's, the office's and
	// a court's feeds. A client's feed tells a remote hearing on the client's clock too, and says nothing of custody,
	// which is counsel's to know.
	Reader *Client
	// Deadlines are the hearing's filing deadlines, each an all-day event of its own (see deadlineEvents); set only
	// in counsel's and the office's feeds.
	Deadlines []deadline.Deadline
}

// Options are the rendering choices shared by feeds and invitations.
type Options struct {
	Detail    Detail                               // zero means DetailFull
	Durations map[docket.HearingType]time.Duration // nil or missing types fall back to DefaultDurations
}

// Calendar is one feed to render.
type Calendar struct {
	Options
	Name     string        // NAME and X-WR-CALNAME
	Refresh  time.Duration // zero means DefaultRefresh
	Hearings []Hearing

	// Modified is when the content last changed, including hearings that aged
	// out of the feed; the handler uses it for Last-Modified. Not rendered.
	Modified time.Time
	// Expires is when the content will change with no change to the data
	// (the next hearing to age out); the handler renders again from then.
	// Zero means never. Not rendered.
	Expires time.Time
}

// Person is an organizer or attendee of an invitation.
type Person struct {
	Name  string
	Email string
}

// newCalendar is the feed's calendar with its own properties (name, refresh interval), before any component.
func newCalendar(cal Calendar) *ical.Calendar {
	c := ical.NewCalendar()
	setCalendarProps(c.Component)
	setText(c.Component, ical.PropName, cal.Name)
	setText(c.Component, "X-WR-CALNAME", cal.Name)
	refresh := cmp.Or(cal.Refresh, DefaultRefresh)
	p := ical.NewProp(ical.PropRefreshInterval)
	p.Params.Set(ical.ParamValue, string(ical.ValueDuration)) // RFC 7986 requires it explicit
	p.Value = formatDuration(refresh)
	c.Props.Set(p)
	setText(c.Component, "X-PUBLISHED-TTL", formatDuration(refresh))
	return c
}

// Render writes cal as an iCalendar feed (no METHOD, as subscription feeds
// must not have one), folded at 75 octets with CRLF line ends. The output
// depends only on cal: events are sorted by start, then UID. It is what a
// Handler serves for cal, assembled from the same pieces (each event encoded
// on its own, on every CPU), so an export and a subscription are one path.
func Render(w io.Writer, cal Calendar) error {
	out, err := newPieceCache(0).render("", cal)
	if err != nil {
		return err
	}
	for _, b := range out.blocks {
		if _, err := w.Write(b.text); err != nil {
			return err
		}
	}
	return nil
}

// RenderInvite writes an iTIP invitation (RFC 5546) for one hearing, to attach
// to counsel's email: method "REQUEST" or "CANCEL", with ORGANIZER and
// ATTENDEE, and the same UID and SEQUENCE as the event in the feed, so that a
// calendar holding both merges them. A CANCEL always says STATUS:CANCELLED.
func RenderInvite(w io.Writer, method string, opts Options, h Hearing, organizer, attendee Person) error {
	method = strings.ToUpper(method)
	if method != "REQUEST" && method != "CANCEL" {
		return fmt.Errorf("render invite: method %q is not REQUEST or CANCEL", method)
	}
	if organizer.Email == "" || attendee.Email == "" {
		return fmt.Errorf("render invite: organizer and attendee need an email address")
	}
	if method == "CANCEL" {
		h.Status = docket.StatusCancelled
	}
	c := ical.NewCalendar()
	setCalendarProps(c.Component)
	setText(c.Component, ical.PropMethod, method)

	zones := zoneSpans{}
	ev, err := buildEvent(&h, opts, zones)
	if err != nil {
		return err
	}
	org := calAddress(ical.PropOrganizer, organizer)
	ev.Props.Set(org)
	att := calAddress(ical.PropAttendee, attendee)
	att.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
	att.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
	att.Params.Set(ical.ParamRSVP, "FALSE") // nobody answers a court date
	ev.Props.Set(att)

	tzs, err := zones.components()
	if err != nil {
		return err
	}
	c.Children = append(tzs, ev)
	return encode(w, c)
}

func calAddress(name string, p Person) *ical.Prop {
	prop := ical.NewProp(name)
	if n := cleanParam(p.Name); n != "" {
		prop.Params.Set(ical.ParamCommonName, n)
	}
	prop.Value = "mailto:" + strings.Map(dropControl, p.Email)
	return prop
}

// cleanParam makes a name safe as a parameter value: go-ical refuses a double
// quote there, and a control character would break the line.
func cleanParam(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '"' {
			return '\''
		}
		return dropControl(r)
	}, s))
}

func dropControl(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return -1
	}
	return r
}

func setCalendarProps(c *ical.Component) {
	setText(c, ical.PropProductID, ProdID)
	setText(c, ical.PropVersion, "2.0")
	setText(c, ical.PropCalendarScale, "GREGORIAN")
}

// setText sets a TEXT property without the VALUE=TEXT parameter go-ical adds to
// properties it does not know, with CR removed (go-ical refuses it) and
// invalid UTF-8 replaced (a feed is UTF-8 and ical.js would choke).
func setText(c *ical.Component, name, text string) {
	text = normalizeNewlines(text)
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// No parameters: a nil map reads as empty, and an empty one allocated for each of a feed's tens of thousands of
	// text properties was a fifth of what a cold render allocated.
	c.Props[name] = []ical.Prop{{Name: name, Value: escapeText(text)}}
}

// setDateTime is ical.Props.SetDateTime for a property whose value is a DATE-TIME by default (DTSTAMP,
// LAST-MODIFIED, DTSTART, DTEND): the same property and value, with a parameter map made only for the TZID of a
// time not in UTC.
func setDateTime(c *ical.Component, name string, t time.Time) {
	p := ical.Prop{Name: name}
	if loc := t.Location(); loc == time.UTC {
		p.Value = t.Format("20060102T150405Z")
	} else {
		p.Params = ical.Params{ical.PropTimezoneID: {loc.String()}}
		p.Value = t.Format("20060102T150405")
	}
	c.Props[name] = []ical.Prop{p}
}

// textSpecial marks the bytes a TEXT value escapes.
var textSpecial = [256]bool{'\\': true, ';': true, ',': true, '\n': true}

// escapeText escapes a TEXT value as RFC 5545 §3.3.11 says, as go-ical's
// SetText does but a byte at a time: the characters to escape are ASCII, and
// a 5,000-event feed spent a third of its rendering in SetText's WriteRune.
func escapeText(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if textSpecial[s[i]] {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + n) // one allocation: every escape adds one byte
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !textSpecial[c] {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteByte('\\')
		if c == '\n' {
			c = 'n'
		}
		b.WriteByte(c)
		last = i + 1
	}
	b.WriteString(s[last:])
	return b.String()
}

func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func encode(w io.Writer, c *ical.Calendar) error {
	fw := NewFoldWriter(w)
	if err := ical.NewEncoder(fw).Encode(c); err != nil {
		return fmt.Errorf("encode calendar: %w", err)
	}
	if err := fw.Flush(); err != nil {
		return fmt.Errorf("encode calendar: %w", err)
	}
	return nil
}

// zoneSpans collects the zones events use and the years they span, so that
// each VTIMEZONE covers exactly what the file needs.
type zoneSpans map[string]*zoneSpan

type zoneSpan struct {
	loc         *time.Location
	first, last int
}

func (z zoneSpans) add(loc *time.Location, first, last int) error {
	if s, ok := z[loc.String()]; ok {
		s.first, s.last = min(s.first, first), max(s.last, last)
		return nil
	}
	if err := checkNamedZone(loc); err != nil {
		return err
	}
	z[loc.String()] = &zoneSpan{loc: loc, first: first, last: last}
	return nil
}

func (z zoneSpans) components() ([]*ical.Component, error) {
	names := make([]string, 0, len(z))
	for n := range z {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]*ical.Component, 0, len(names))
	for _, n := range names {
		s := z[n]
		tz, err := VTimezone(s.loc, s.first, s.last)
		if err != nil {
			return nil, err
		}
		out = append(out, tz)
	}
	return out, nil
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // only called with names in every zone database
	}
	return loc
}

// UID is the stable UID of a hearing's event: the same in every feed and
// invitation, so calendars update the event instead of duplicating it. It
// derives from the hearing's identity alone (docket.Identity: its source and
// the source's key), never from a database row id or the public URL's host, so
// a rebuilt database or a new public_url keeps every subscriber's events.
func UID(identity string) string {
	return "hearing-" + identity + "@docketd"
}

func buildEvent(h *Hearing, opts Options, zones zoneSpans) (*ical.Component, error) {
	if h.ID == "" {
		return nil, fmt.Errorf("render hearing: empty id")
	}
	if h.Start.IsZero() {
		return nil, fmt.Errorf("render hearing %s: no start", h.ID)
	}
	detail := cmp.Or(opts.Detail, DetailFull)
	start := h.Start.Truncate(time.Second)
	end := start.Add(h.duration(opts.Durations))
	if h.TimeUnknown {
		// The date alone: an all-day event on the court's date, in no zone, which no calendar shows at midnight.
		day := h.Start
		start = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
		end = start.AddDate(0, 0, 1)
	} else if loc := start.Location(); loc != time.UTC {
		if err := zones.add(loc, start.Year(), end.Year()); err != nil {
			return nil, fmt.Errorf("render hearing %s: %w", h.ID, err)
		}
	}
	// A hearing with no recorded change falls back to its start, which is as
	// stable; time.Now would change the bytes on every render.
	stamp := cmp.Or(h.Updated, h.Start).UTC().Truncate(time.Second)

	// ical.NewEvent's component, with room for its dozen properties from the start: the map grown one property at a
	// time was a sixth of what a cold render allocated.
	ev := &ical.Component{Name: ical.CompEvent, Props: make(ical.Props, 16)}
	setText(ev, ical.PropUID, UID(h.ID))
	setDateTime(ev, ical.PropDateTimeStamp, stamp)
	setDateTime(ev, ical.PropLastModified, stamp)
	if h.TimeUnknown {
		ev.Props.SetDate(ical.PropDateTimeStart, start)
		ev.Props.SetDate(ical.PropDateTimeEnd, end)
	} else {
		setDateTime(ev, ical.PropDateTimeStart, start)
		setDateTime(ev, ical.PropDateTimeEnd, end)
	}
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = strconv.Itoa(max(h.Sequence, 0))
	ev.Props.Set(seq)
	status := ical.EventConfirmed
	if h.Status == docket.StatusCancelled || h.Status == docket.StatusCompleted {
		// A decided case's hearing is not held either.
		status = ical.EventCancelled
		// A vacated hearing no longer blocks the day in free/busy lookups.
		setText(ev, ical.PropTransparency, "TRANSPARENT")
	}
	setText(ev, ical.PropStatus, string(status))
	setText(ev, ical.PropSummary, h.summary(detail))
	if loc := h.location(detail); loc != "" {
		setText(ev, ical.PropLocation, loc)
	}
	if d := h.description(detail); d != "" {
		setText(ev, ical.PropDescription, d)
	}
	if detail == DetailBusy {
		setText(ev, ical.PropClass, "PRIVATE")
	}
	return ev, nil
}

func (h *Hearing) duration(durations map[docket.HearingType]time.Duration) time.Duration {
	if h.Duration > 0 {
		return h.Duration
	}
	if d, ok := durations[h.Type]; ok && d > 0 {
		return d
	}
	if d, ok := DefaultDurations[h.Type]; ok {
		return d
	}
	return DefaultDurations[docket.TypeOther]
}

func typeLabel(t docket.HearingType) string {
	switch t {
	case docket.TypeMaster:
		return "Master calendar hearing"
	case docket.TypeIndividual:
		return "Individual hearing"
	case docket.TypeBond:
		return "Bond hearing"
	case docket.TypeCredibleFear:
		return "Credible fear review"
	default:
		return "Immigration court hearing"
	}
}

func mediumLabel(m docket.Medium) string {
	switch m {
	case docket.MediumInPerson:
		return "In person"
	case docket.MediumVideo:
		return "Video (VTC)"
	case docket.MediumTelephone:
		return "Telephone"
	case docket.MediumInternet:
		return "Internet (WebEx)"
	default:
		return ""
	}
}

// TimeUnknownTitle begins the title of a hearing whose time of day is not known yet.
const TimeUnknownTitle = "Time not known yet: "

func (h *Hearing) summary(detail Detail) string {
	var b strings.Builder
	switch h.Status {
	case docket.StatusCancelled:
		// Clients that ignore STATUS (or hide it) still show the word.
		b.WriteString("Cancelled: ")
	case docket.StatusCompleted:
		b.WriteString("Case decided: ")
	}
	if h.TimeUnknown {
		b.WriteString(TimeUnknownTitle)
	}
	if detail == DetailBusy {
		b.WriteString("Court hearing")
		return b.String()
	}
	b.WriteString(typeLabel(h.Type))
	switch h.Medium {
	case docket.MediumInternet:
		b.WriteString(" (WebEx)")
	case docket.MediumVideo:
		b.WriteString(" (video)")
	case docket.MediumTelephone:
		b.WriteString(" (phone)")
	}
	// Counsel must see at a glance that a client is in custody; a client's own feed does not say it.
	counsel := h.Reader == nil
	var names []string
	detained := 0
	for _, c := range h.Clients {
		name := c.Name
		if detail == DetailInitials {
			name = initials(c.Name)
		}
		if counsel && c.Detained {
			name += " (detained)"
			detained++
		}
		names = append(names, name)
	}
	switch {
	case len(names) == 0:
	case detail == DetailFull && len(names) > 2:
		// Whole families make summaries unreadable; the description lists all.
		first := h.Clients[0].Name
		switch {
		case detained == len(names):
			fmt.Fprintf(&b, ": %s +%d (all detained)", first, len(names)-1)
		case detained > 0:
			fmt.Fprintf(&b, ": %s +%d (%d detained)", first, len(names)-1, detained)
		default:
			fmt.Fprintf(&b, ": %s +%d", first, len(names)-1)
		}
	default:
		b.WriteString(": " + strings.Join(names, ", "))
	}
	if h.Court.Code != "" {
		b.WriteString(" – " + h.Court.Code)
	}
	return b.String()
}

// initials turns "María José Núñez Ramírez" into "M.J.N.R.".
func initials(name string) string {
	var b strings.Builder
	for _, w := range strings.Fields(name) {
		for _, part := range strings.Split(w, "-") {
			for _, r := range part {
				b.WriteRune(r)
				b.WriteByte('.')
				break
			}
		}
	}
	return b.String()
}

func (h *Hearing) address() string {
	parts := strings.Split(h.Court.Address, "|")
	kept := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

func (h *Hearing) location(detail Detail) string {
	if detail == DetailBusy {
		return ""
	}
	// The WebEx link is filled in even for in-person hearings, so the medium
	// decides, not the link.
	if h.Medium == docket.MediumInternet && h.WebEx != "" {
		return h.WebEx
	}
	// A hearing by telephone is joined from where one is: an address would send someone to court for nothing.
	if h.Medium == docket.MediumTelephone {
		return strings.TrimSpace("By telephone " + parens(h.Court.Name))
	}
	addr := h.address()
	switch {
	case h.Court.Name != "" && addr != "":
		return h.Court.Name + ", " + addr
	case addr != "":
		return addr
	default:
		return h.Court.Name
	}
}

// writeItem writes a list item of the fields that are not empty, joined by " · ".
func writeItem(b *strings.Builder, fields []string) {
	b.WriteString("- ")
	first := true
	for _, f := range fields {
		if f == "" {
			continue
		}
		if !first {
			b.WriteString(" · ")
		}
		b.WriteString(f)
		first = false
	}
	b.WriteByte('\n')
}

func (h *Hearing) description(detail Detail) string {
	if detail == DetailBusy {
		return ""
	}
	var b strings.Builder
	b.Grow(512) // a hearing's description is a few hundred bytes
	line := func(label, value string) {
		if value != "" {
			b.WriteString(label)
			b.WriteString(value)
			b.WriteByte('\n')
		}
	}
	b.WriteString(typeLabel(h.Type))
	if h.TypeCode != "" {
		b.WriteString(" (EOIR ")
		b.WriteString(h.TypeCode)
		b.WriteByte(')')
	}
	b.WriteByte('\n')
	if h.Status == docket.StatusCancelled {
		b.WriteString("CANCELLED. Confirm with counsel or the EOIR hotline " + EOIRHotline + " before assuming there is no hearing.\n")
	}
	if h.Status == docket.StatusCompleted {
		b.WriteString("CASE DECIDED: ACIS shows a decision, so this hearing is not held and no reminder is sent. Check " +
			"the decision and tell the client.\n")
	}
	// DTSTART carries the court's TZID, with its VTIMEZONE in the same file, so it names one instant and calendar
	// apps show it on the clock of the device that displays it (CALENDAR-SMS-EMAIL.md: without the VTIMEZONE,
	// Outlook shifts or floats the event and ical.js marks it floating). The text is not converted by anyone, so it
	// says which clock it is on.
	var joins string // counsel's: the client's clock of a remote hearing across zones, as the When line gives it
	switch {
	case h.TimeUnknown:
		line("When: ", h.Start.Format("Mon 2 Jan 2006")+", time not known yet (the source gave the date only)")
	case h.Reader != nil:
		m := h.moment(*h.Reader)
		if !m.Split() {
			line("When: ", h.courtTime(""))
			break
		}
		line("When: ", h.courtTime(h.Court.Place))
		at := m.Clock("en")
		if home := m.HomeTime(); home.Format(time.DateOnly) != h.Start.Format(time.DateOnly) {
			at = home.Format("Mon 2 Jan 2006, ") + at // the evening before, on the client's clock
		}
		line("Join at: ", at)
	default:
		for _, c := range h.Clients {
			if m := h.moment(c); m.Split() {
				joins = m.Formal("en")
				break
			}
		}
		if joins == "" {
			line("When: ", h.courtTime(""))
		} else {
			line("When: ", h.Start.Format("Mon 2 Jan 2006, ")+joins)
		}
	}
	court := h.Court.Name
	if h.Court.Code != "" {
		court += " (" + h.Court.Code + ")"
	}
	line("Court: ", strings.TrimSpace(court))
	if !h.Medium.Remote() {
		// A hearing online or by telephone is held at no address; one in the text could send someone to the wrong place.
		line("Address: ", h.address())
	}
	line("Court phone: ", h.Court.Phone)
	line("Judge: ", h.Judge)
	medium := mediumLabel(h.Medium)
	if h.MediumCode != "" {
		medium = strings.TrimSpace(medium + " (EOIR " + h.MediumCode + ")")
	}
	line("Medium: ", medium)
	// EOIR fills in the judge's WebEx room for every hearing; shown for one in person, it could keep someone home.
	if h.Medium.Online() {
		line("WebEx: ", h.WebEx)
	}
	counsel := h.Counsel
	if h.CounselPhone != "" {
		counsel = strings.TrimSpace(counsel + ", " + h.CounselPhone)
	}
	line("Counsel: ", counsel)
	if len(h.Clients) > 0 {
		b.WriteString("Clients:\n")
		for _, c := range h.Clients {
			var fields []string
			if detail == DetailFull {
				fields = append(fields, c.Name, c.ANumber.String(), c.Phone, c.Language)
			} else {
				fields = append(fields, initials(c.Name), c.Language)
			}
			if h.Reader == nil {
				if c.Detained {
					note := "Client detained: do not expect the client to travel"
					if detail == DetailFull && c.Contact != "" {
						note += "; the client's contact: " + c.Contact
					}
					fields = append(fields, note)
				} else if m := h.moment(c); !h.TimeUnknown && m.Split() && m.Formal("en") != joins {
					// A family split over zones: each client's own clock.
					fields = append(fields, m.Formal("en"))
				}
			}
			writeItem(&b, fields)
		}
	}
	if len(h.Reminders) > 0 {
		b.WriteString("Reminders:\n")
		for _, r := range h.Reminders {
			due := r.Due.In(h.Start.Location())
			abbr, _ := due.Zone()
			fields := []string{strings.ToUpper(string(r.Channel)), r.To, due.Format("Mon 2 Jan 3:04 PM ") + abbr, r.State}
			writeItem(&b, fields)
		}
	}
	line("Confirmation: ", h.Confirmation)
	return strings.TrimSuffix(b.String(), "\n")
}

// courtTime is the start on the court's clock for the When line: "Tue 16 Mar 2027, 9:00 AM CDT (court time)",
// with the court's place after "court time" when given.
func (h *Hearing) courtTime(place string) string {
	abbr, _ := h.Start.Zone()
	label := "court time"
	if place != "" {
		label += ", " + place
	}
	return h.Start.Format("Mon 2 Jan 2006, 3:04 PM ") + abbr + " (" + label + ")"
}

// moment is the hearing's start as client c goes by it. A detained client joins from custody, never from home, so
// their clock is the court's.
func (h *Hearing) moment(c Client) message.Moment {
	return message.Moment{Start: h.Start, Court: h.Start.Location(), CourtPlace: h.Court.Place, Home: c.Home,
		HomePlace: c.City, Remote: h.Medium.Remote() && !c.Detained}
}

// formatDuration writes a DURATION value in the largest whole unit, as
// calendar apps expect ("PT1H", not go-ical's "PT3600S").
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "PT1H"
	case d%(24*time.Hour) == 0:
		return "P" + strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "D"
	case d%time.Hour == 0:
		return "PT" + strconv.FormatInt(int64(d/time.Hour), 10) + "H"
	case d%time.Minute == 0:
		return "PT" + strconv.FormatInt(int64(d/time.Minute), 10) + "M"
	default:
		return "PT" + strconv.FormatInt(int64(d/time.Second), 10) + "S"
	}
}

// parens is "(s)", or "" for an empty s.
func parens(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
