package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/docketd/docketd/docket"
)

// csvKind is a docket export from a case-management system, a file read as it streams.
var csvKind = Kind{Name: "csv", Progress: true, build: newCSV}

// newCSV checks the formats now, which the reader would find bad only when it runs: the error then points at the
// config.
func newCSV(s Spec, zones Zoner) (Reader, error) {
	for _, f := range []struct{ key, format string }{{"date_format", s.DateFormat}, {"time_format", s.TimeFormat}} {
		if f.format == "" {
			continue
		}
		if _, err := ParseFormat(f.format); err != nil {
			return nil, fmt.Errorf("%s: %w", f.key, err)
		}
	}
	c := &CSV{Path: s.Path, Columns: s.Columns, DateFormat: s.DateFormat, TimeFormat: s.TimeFormat, Zoner: zones,
		KnownAttorney: s.KnownAttorney}
	if s.Separator != "" {
		r, n := utf8.DecodeRuneInString(s.Separator)
		if n != len(s.Separator) || r == 0 || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
			return nil, fmt.Errorf("separator: want one character other than a quote or a line break, got %q",
				s.Separator)
		}
		c.Comma = r
	}
	return c, nil
}

// CSV fields an admin can map to a header in [sources.columns].
const (
	FieldKey        = "key" // the exporting system's own id for the hearing, when it has one
	FieldANumber    = "a_number"
	FieldDate       = "date"
	FieldTime       = "time"
	FieldStart      = "start" // date and time in one column
	FieldCourt      = "court"
	FieldLocation   = "location"
	FieldType       = "type"
	FieldMedium     = "medium"
	FieldJudge      = "judge"
	FieldWebEx      = "webex"
	FieldClientName = "client_name"
	FieldPhone      = "phone"
	FieldEmail      = "email"
	FieldLanguage   = "language"
	FieldAttorney   = "attorney"
	FieldState      = "state"    // the client's US state, two letters
	FieldDetained   = "detained" // the client is in custody: yes/no, true/false, 1/0, D
	FieldCustody    = "custody"  // EOIR custody status of the case: D detained, N never detained, R released
)

// CSVFields lists every field a CSV column can be mapped to, for config
// validation.
var CSVFields = []string{FieldKey, FieldANumber, FieldDate, FieldTime, FieldStart, FieldCourt, FieldLocation,
	FieldType, FieldMedium, FieldJudge, FieldWebEx, FieldClientName, FieldPhone, FieldEmail, FieldLanguage,
	FieldAttorney, FieldState, FieldDetained, FieldCustody}

// Default formats: ISO dates as most exports write them and US dates as US
// case-management systems do; 24-hour and 12-hour times alike.
var (
	defaultDateLayouts = []string{"2006-01-02", "1/2/2006"}
	defaultTimeLayouts = []string{"15:04", "3:04 PM", "3:04PM", "15:04:05", "3:04:05 PM"}
)

// CSV reads a docket export from a case-management system: one hearing per
// row, headers mapped to fields by Columns.
type CSV struct {
	// Path is the file to read; it also names the file in errors.
	Path string
	// Columns maps a field (see CSVFields) to the header that holds it. A
	// field not mapped is looked for under its own name.
	Columns map[string]string
	// DateFormat and TimeFormat are token formats (see ParseFormat); empty
	// means the defaults (YYYY-MM-DD or M/D/YYYY; 24-hour or h:mm A).
	DateFormat, TimeFormat string
	// Court is the court of every row when the file has no court column.
	Court string
	// Comma is the field separator; 0 means ','.
	Comma rune
	// Zoner gives each row's time zone from its location and court.
	Zoner Zoner
	// KnownAttorney, when set, reports whether an attorney cell names one of the office's attorneys (by id or
	// name); a row naming another is reported with its line. The store links a client to the attorney it names and
	// to no one when it knows no such attorney, so without the report the link would be lost without a word.
	KnownAttorney func(idOrName string) bool
	// Progress, when set, is called with the bytes read so far and the file's size (-1 when unknown), about every
	// megabyte and once at the end of a read that succeeds.
	Progress func(done, total int64)
}

var _ Reader = (*CSV)(nil)

// Read implements Reader for the file at Path.
func (c *CSV) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	f, err := os.Open(c.Path)
	if err != nil {
		return fmt.Errorf("csv: %w", err)
	}
	defer f.Close()
	if c.Progress == nil {
		return c.Scan(ctx, f, emit, reject)
	}
	cr := &countingReader{r: f, total: fileSize(f), report: c.Progress}
	if err := c.Scan(ctx, cr, emit, reject); err != nil {
		return err
	}
	c.Progress(cr.n, cr.total)
	return nil
}

// WithProgress returns a copy of c that reports its progress to progress (see Progress).
func (c *CSV) WithProgress(progress func(done, total int64)) Reader {
	r := *c
	r.Progress = progress
	return &r
}

// Scan reads CSV text from r as if it were the file at Path.
func (c *CSV) Scan(ctx context.Context, r io.Reader, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	reject = rejectFunc(reject)
	dates, times, err := c.layouts()
	if err != nil {
		return fmt.Errorf("csv %s: %w", c.Path, err)
	}
	cr := csv.NewReader(&bomSkipper{r: r})
	if c.Comma != 0 {
		cr.Comma = c.Comma
	}
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("csv %s: empty file, want a header line", c.Path)
	}
	if err != nil {
		return fmt.Errorf("csv %s: header: %w", c.Path, err)
	}
	cols, err := c.mapColumns(header)
	if err != nil {
		if serr := c.checkSeparator(header); serr != nil {
			err = serr
		}
		return fmt.Errorf("csv %s: %w", c.Path, err)
	}
	zones := newZoneCache(c.Zoner)
	seen := map[string]int{}
	lastLine := 0
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			if pe.StartLine <= lastLine {
				// The reader cannot move past this point; stop rather than loop.
				return fmt.Errorf("csv %s: %w", c.Path, err)
			}
			lastLine = pe.StartLine
			reject(docket.RecordError{File: c.Path, Line: pe.StartLine, Reason: pe.Err.Error()})
			continue
		}
		if err != nil {
			return fmt.Errorf("csv %s: %w", c.Path, err)
		}
		line, _ := cr.FieldPos(0)
		lastLine = line
		rec, dropped, err := c.row(row, cols, dates, times, zones)
		if err == nil && len(row) < len(header) {
			// A line with fewer fields than the header was cut short (a file still being written, a truncated
			// copy): what it lacks would be stored as blank, so it is rejected, and its hearing left as it is.
			err = fmt.Errorf("has %d fields, the header %d: the line looks cut short", len(row), len(header))
		}
		if err != nil {
			reject(docket.RecordError{File: c.Path, Line: line, Key: rec.Key, ANumber: rec.ANumber, Reason: err.Error()})
			continue
		}
		rec.Line = line
		if first, dup := seen[rec.Key]; dup {
			reject(docket.RecordError{File: c.Path, Line: line, Key: rec.Key, ANumber: rec.ANumber,
				Reason: fmt.Sprintf("same hearing as line %d", first)})
			continue
		}
		seen[rec.Key] = line
		if err := emit(rec); err != nil {
			return err
		}
		// A field that cannot be used is reported with its line; the hearing itself still counts.
		for _, d := range dropped {
			reject(docket.RecordError{File: c.Path, Line: line, Key: rec.Key, ANumber: rec.ANumber,
				Reason: d})
		}
	}
}

// MaxFieldLen is the most bytes one CSV field may hold. The longest real values (a WebEx link, a name, an address)
// are a few hundred bytes; a field of megabytes is a broken export, and stored it would be read back on every start.
const MaxFieldLen = 1000

// otherSeparators are the characters exports separate fields with besides the configured one: a European-locale
// Excel saves "CSV" with ';', other tools with a tab.
var otherSeparators = []rune{',', ';', '\t', '|'}

// checkSeparator tells, for a header whose columns do not map, a file separated by another character than the
// configured one (a European-locale Excel export, separated by ';', read with ','): the header reads as one column,
// or as columns that do not map, where split by the other character it maps. Without it every row would be read
// as one field and rejected, and the message would only name a missing column.
func (c *CSV) checkSeparator(header []string) error {
	comma := c.Comma
	if comma == 0 {
		comma = ','
	}
	line := strings.Join(header, string(comma))
	for _, r := range otherSeparators {
		if r == comma || !strings.ContainsRune(line, r) {
			continue
		}
		cr := csv.NewReader(strings.NewReader(line))
		cr.Comma = r
		cr.LazyQuotes = true
		split, err := cr.Read()
		if err != nil || len(split) <= len(header) {
			continue
		}
		if _, err := c.mapColumns(split); err != nil && len(header) > 1 {
			continue
		}
		return fmt.Errorf("the header line %q does not map to the columns, and split by %q it does: the file "+
			"looks separated by %q (a spreadsheet saved in a European locale writes ';'), not %q; set "+
			"separator = %q on this source", clip(line), r, r, comma, string(r))
	}
	return nil
}

// layouts turns the admin's formats into Go layouts, or the defaults.
func (c *CSV) layouts() (dates, times []string, err error) {
	dates, times = defaultDateLayouts, defaultTimeLayouts
	if c.DateFormat != "" {
		l, err := ParseFormat(c.DateFormat)
		if err != nil {
			return nil, nil, fmt.Errorf("date format: %w", err)
		}
		dates = []string{l}
	}
	if c.TimeFormat != "" {
		l, err := ParseFormat(c.TimeFormat)
		if err != nil {
			return nil, nil, fmt.Errorf("time format: %w", err)
		}
		times = []string{l}
	}
	return dates, times, nil
}

// mapColumns finds each field's column index (-1 when absent) and names the
// first required header that is missing.
func (c *CSV) mapColumns(header []string) (map[string]int, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	cols := map[string]int{}
	for _, f := range CSVFields {
		h := f
		if m, ok := c.Columns[f]; ok && strings.TrimSpace(m) != "" {
			h = m
		}
		i, ok := idx[strings.ToLower(strings.TrimSpace(h))]
		if !ok {
			i = -1
		}
		cols[f] = i
	}
	for f := range c.Columns {
		if !slices.Contains(CSVFields, f) {
			return nil, fmt.Errorf("unknown field %q in columns", f)
		}
	}
	missing := func(f string) error {
		h := f
		if m := c.Columns[f]; m != "" {
			h = m
		}
		return fmt.Errorf("missing column %q (%s)", h, f)
	}
	if cols[FieldANumber] < 0 {
		return nil, missing(FieldANumber)
	}
	if cols[FieldStart] < 0 {
		if cols[FieldDate] < 0 {
			return nil, missing(FieldDate)
		}
		if cols[FieldTime] < 0 {
			return nil, missing(FieldTime)
		}
	}
	if cols[FieldCourt] < 0 && c.Court == "" {
		return nil, missing(FieldCourt)
	}
	return cols, nil
}

// row turns one CSV row into a Record. The returned Record carries its Key
// when the error comes after the key is known. dropped names the fields left
// out of a record that is otherwise good (a phone that cannot receive texts).
func (c *CSV) row(row []string, cols map[string]int, dates, times []string,
	zones *zoneCache) (rec docket.SourceRecord, dropped []string, err error) {
	get := func(f string) string {
		i := cols[f]
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	if a := get(FieldANumber); len(a) > MaxFieldLen {
		return rec, nil, fmt.Errorf("%s: %d bytes, more than the %d a field may hold", FieldANumber, len(a), MaxFieldLen)
	}
	a := get(FieldANumber)
	if a == "" {
		return rec, nil, errors.New("no a-number")
	}
	an, err := docket.ParseANumber(a)
	if err != nil {
		return rec, nil, err
	}
	rec.ANumber = an
	var notUTF8 []string
	for _, f := range CSVFields {
		v := get(f)
		if len(v) > MaxFieldLen {
			return rec, nil, fmt.Errorf("%s: %d bytes, more than the %d a field may hold", f, len(v), MaxFieldLen)
		}
		if !utf8.ValidString(v) {
			notUTF8 = append(notUTF8, f)
		}
	}
	if len(notUTF8) > 0 {
		// Spreadsheet programs often save in Windows-1252; its accented letters are not UTF-8 and would be stored
		// as U+FFFD. The record is read with them replaced, and the admin told.
		dropped = append(dropped, fmt.Sprintf("%s: not UTF-8 text (save the export as UTF-8); "+
			"the bytes that are not were read as \uFFFD", strings.Join(notUTF8, ", ")))
		get0 := get
		get = func(f string) string { return strings.ToValidUTF8(get0(f), "\uFFFD") }
	}
	rec.Court = strings.ToUpper(get(FieldCourt))
	if rec.Court == "" {
		rec.Court = strings.ToUpper(c.Court)
	}
	if rec.Court == "" {
		return rec, nil, errors.New("no court")
	}
	rec.Location = strings.ToUpper(get(FieldLocation))
	loc, err := zones.zone(rec.Location, rec.Court)
	if err != nil {
		return rec, nil, err
	}
	if s := get(FieldStart); s != "" {
		rec.Start, err = parseStart(s, dates, times, loc)
	} else {
		rec.Start, err = parseDateTime(get(FieldDate), get(FieldTime), dates, times, loc)
	}
	if err != nil {
		return rec, nil, err
	}
	if note := localTimeNote(rec.Start, get(FieldStart) == ""); note != "" {
		dropped = append(dropped, note)
	}
	rec.Key = get(FieldKey)
	if rec.Key == "" {
		// Without an id from the exporting system, a hearing is its case on a
		// day: a time change the same day stays the same hearing.
		rec.Key = string(an) + "@" + rec.Start.Format("2006-01-02")
	}
	rec.Type, rec.TypeCode = docket.ParseHearingType(get(FieldType))
	rec.MediumCode = get(FieldMedium)
	rec.Medium = docket.ParseMedium(rec.MediumCode)
	rec.Judge = get(FieldJudge)
	rec.WebEx = get(FieldWebEx)
	rec.ClientName = get(FieldClientName)
	if p := get(FieldPhone); p != "" {
		if e, ok := UsablePhone(p); ok {
			rec.Phone = e
		} else {
			dropped = append(dropped, fmt.Sprintf("phone %q is not a number that can receive texts "+
				"(write it in E.164, like +12145550123, or leave the cell empty); the hearing is kept without it",
				docket.MaskPhone(p)))
		}
	}
	rec.Email = get(FieldEmail)
	rec.Language = get(FieldLanguage)
	// The client's custody is theirs (a detained client is reminded through counsel and their contact); EOIR's
	// custody status is the case's, and so its hearing's.
	if rec.ClientDetained, err = parseDetained(get(FieldDetained)); err != nil {
		return rec, nil, err
	}
	if rec.Detained, err = docket.ParseCustody(get(FieldCustody)); err != nil {
		return rec, nil, fmt.Errorf("custody: %w", err)
	}
	rec.Attorney = get(FieldAttorney)
	if s := get(FieldState); s != "" {
		if code, ok := docket.ParseState(s); ok {
			rec.State = code
		} else {
			dropped = append(dropped, fmt.Sprintf("state %q is not the two-letter code of a US state (like FL); "+
				"the hearing is kept, and the phone's area code decides the hours of its texts", clip(s)))
		}
	}
	if rec.Attorney != "" && c.KnownAttorney != nil && !c.KnownAttorney(rec.Attorney) {
		dropped = append(dropped, fmt.Sprintf("attorney %q is not the id or name of an [[attorneys]] entry of the "+
			"config; the hearing is kept, and its client has no attorney until the name matches",
			clip(rec.Attorney)))
	}
	return rec, dropped, nil
}

// parseDetained reads a "detained" cell: yes/no, true/false, 1/0, or EOIR's custody code D (N and R are not
// detained). An empty cell is not detained; anything else is an error, since a wrong guess either way harms the client.
func parseDetained(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "d", "detained", "sí", "si":
		return true, nil
	case "", "no", "n", "false", "0", "r", "released":
		return false, nil
	}
	return false, fmt.Errorf("detained: expected yes or no (true/false, 1/0, D), got %q", clip(s))
}

// localTimeNote says when a start read as a wall-clock time in its court's zone names no instant (the clocks jump
// over it; parseDateTime refuses those) or two (the clocks go back over it), and which instant the record holds. wall
// is false for a combined start, which may be an RFC 3339 instant and so exact.
func localTimeNote(t time.Time, wall bool) string {
	zone := t.Location().String()
	if _, offset := t.Zone(); wall && !t.IsZero() {
		for _, d := range []time.Duration{-time.Hour, time.Hour} {
			o := t.Add(d)
			if _, oo := o.Zone(); oo != offset && o.Hour() == t.Hour() && o.Minute() == t.Minute() && o.Day() == t.Day() {
				which := "first"
				if d < 0 {
					which = "second"
				}
				return fmt.Sprintf("%s happens twice on %s in %s (the clocks go back); read as the %s, %s",
					t.Format("15:04"), t.Format("2006-01-02"), zone, which, t.Format("15:04 MST"))
			}
		}
	}
	return ""
}

// parseDateTime reads a date cell and a time cell in loc.
func parseDateTime(date, clock string, dates, times []string, loc *time.Location) (time.Time, error) {
	if date == "" {
		return time.Time{}, errors.New("no date")
	}
	if clock == "" {
		return time.Time{}, errors.New("no time")
	}
	d, err := parseFirst(date, dates)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q does not match the date format", clip(date))
	}
	t, err := parseFirst(normalizeClock(clock), times)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q does not match the time format", clip(clock))
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
	if start.Hour() != t.Hour() || start.Minute() != t.Minute() {
		// time.Date moves a time the clocks jump over by the size of the jump, silently.
		return time.Time{}, fmt.Errorf("time %s does not exist on %s in %s (the clocks go forward then)",
			t.Format("15:04"), d.Format("2006-01-02"), loc)
	}
	return start, nil
}

// parseStart reads a combined date-time cell: RFC 3339 (an instant, shown in
// the court's zone), or the date format and time format separated by a space
// or a "T".
func parseStart(s string, dates, times []string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), nil
	}
	for _, sep := range []string{" ", "T"} {
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], sep)
			if j < 0 {
				break
			}
			j += i
			if t, err := parseDateTime(s[:j], strings.TrimSpace(s[j+1:]), dates, times, loc); err == nil {
				return t, nil
			}
			i = j + 1
		}
	}
	return time.Time{}, fmt.Errorf("start %q does not match the date and time formats", clip(s))
}

// normalizeClock upper-cases am/pm and collapses spaces, so "1:00 pm" and
// "1:00  PM" read as "1:00 PM".
func normalizeClock(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), " "))
}

// formatTokens are the tokens admins write, longest first where one is a
// prefix of another.
var formatTokens = []struct {
	tok, layout, kind string
	variable          bool // one or two digits
}{
	{"YYYY", "2006", "year", false}, {"YY", "06", "year", false},
	{"MM", "01", "month", false}, {"M", "1", "month", true},
	{"DD", "02", "day", false}, {"D", "2", "day", true},
	{"HH", "15", "hour", false}, {"H", "15", "hour", true}, // Go reads one or two digits for "15"
	{"hh", "03", "hour", false}, {"h", "3", "hour", true},
	{"mm", "04", "minute", false}, {"ss", "05", "second", false},
	{"A", "PM", "ampm", false}, {"a", "PM", "ampm", false}, // values are upper-cased before parsing
}

// ParseFormat turns a date or time format written with tokens (YYYY, YY, MM,
// M, DD, D, HH, H, hh, h, mm, ss, A) into a Go layout. Separators (space,
// "/", "-", ".", ":", ",", "T") are kept; other letters and digits are errors
// because they are almost always typos.
func ParseFormat(tokens string) (string, error) {
	if strings.TrimSpace(tokens) == "" {
		return "", errors.New("empty format")
	}
	var b strings.Builder
	var hour12, ampm, hasToken, afterVariable bool
	used := map[string]bool{}
	for i := 0; i < len(tokens); {
		matched := false
		for _, t := range formatTokens {
			if strings.HasPrefix(tokens[i:], t.tok) {
				if used[t.kind] {
					return "", fmt.Errorf("format %q has the %s twice", clip(tokens), t.kind)
				}
				if afterVariable && t.kind != "ampm" {
					// "Hmm" cannot tell 1:05 from 10:5: a one-or-two-digit
					// token needs a separator after it.
					return "", fmt.Errorf("format %q needs a separator before %s", clip(tokens), t.tok)
				}
				used[t.kind], afterVariable = true, t.variable
				b.WriteString(t.layout)
				i += len(t.tok)
				matched, hasToken = true, true
				hour12 = hour12 || t.tok == "hh" || t.tok == "h"
				ampm = ampm || t.tok == "A" || t.tok == "a"
				break
			}
		}
		if matched {
			continue
		}
		ch := tokens[i]
		switch {
		case ch == 'T' || strings.IndexByte(" /-.:,", ch) >= 0:
			afterVariable = false
			b.WriteByte(ch)
			i++
		default:
			return "", fmt.Errorf("unexpected %q at position %d in format %q; use YYYY MM DD HH hh mm A", ch, i+1,
				clip(tokens))
		}
	}
	if !hasToken {
		return "", fmt.Errorf("format %q has no tokens", clip(tokens))
	}
	if hour12 != ampm {
		return "", fmt.Errorf("format %q: 12-hour hours (h, hh) go with A and only with them", clip(tokens))
	}
	return b.String(), nil
}

// bomSkipper drops a UTF-8 byte-order mark at the start of the stream, which
// spreadsheet programs write and which would otherwise stick to the first
// header.
type bomSkipper struct {
	r    io.Reader
	done bool
	buf  []byte
}

func (s *bomSkipper) Read(p []byte) (int, error) {
	if !s.done {
		s.done = true
		head := make([]byte, 3)
		n, err := io.ReadFull(s.r, head)
		head = head[:n]
		if !bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
			s.buf = head
		}
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return 0, err
		}
	}
	if len(s.buf) > 0 {
		n := copy(p, s.buf)
		s.buf = s.buf[n:]
		return n, nil
	}
	return s.r.Read(p)
}

// UsablePhone returns a phone number in E.164 form when it is a number that exists (phonenumbers' validity check:
// a real country and area code and the right length), reading numbers without a country code as North American.
// "555-CALL-NOW" spells a possible number but not a valid one; "+1 214 555 01720" has a digit too many.
func UsablePhone(s string) (string, bool) {
	num, err := phonenumbers.Parse(s, "US")
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
