package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/docketd/docketd/docket"
)

// eoirBulkKind is the tbl_schedule table of EOIR's case-data dump, a file of millions of rows read as it streams.
var eoirBulkKind = Kind{Name: "eoir_bulk", Progress: true, build: newEOIRBulk}

func newEOIRBulk(s Spec, zones Zoner) (Reader, error) {
	return &EOIRBulk{Path: s.Path, Courts: s.BaseCities, CaseIDs: s.CaseIDs, Zoner: zones}, nil
}

// EOIRScheduleColumns are the columns of tbl_schedule in EOIR's case-data
// dump, in the dump's order. The reader finds columns by header name, so this
// order matters only to WriteSyntheticSchedule.
var EOIRScheduleColumns = []string{"IDNSCHEDULE", "IDNPROCEEDING", "IDNCASE", "OSC_DATE", "GENERATION",
	"SUB_GENERATION", "REC_TYPE", "LANG", "HEARING_LOC_CODE", "BASE_CITY_CODE", "IJ_CODE", "INTERPRETER_CODE",
	"INPUT_DATE", "INPUT_TIME", "UPDATE_DATE", "UPDATE_TIME", "ASSIGNMENT_PATH", "CAL_TYPE", "ADJ_DATE",
	"ADJ_TIME_START", "ADJ_TIME_STOP", "ADJ_RSN", "ADJ_MEDIUM", "ADJ_MSG", "ADJ_ELAP_DAYS", "LNGSESSNID",
	"SCHEDULE_TYPE", "NOTICE_CODE", "BLNCLOCKOVERRIDE", "EOIRAttorneyID"}

// eoirRequired are the columns without which no hearing can be placed.
var eoirRequired = []string{"IDNSCHEDULE", "IDNCASE", "BASE_CITY_CODE", "ADJ_DATE", "ADJ_TIME_START"}

const (
	// maxEOIRLine bounds one line so a file without newlines cannot exhaust
	// memory; real lines are a few hundred bytes.
	maxEOIRLine = 1 << 20
)

// EOIRBulk streams the tbl_schedule table of EOIR's public case-data dump:
// tab-separated with a header line, latin-1, with stray NUL bytes, HHMM
// times and the occasional short or shifted row. Rows are emitted one at a
// time, so memory stays flat on files of millions of rows.
//
// Every row is kept, including rows with an adjournment reason (ADJ_RSN):
// EOIR-DATA.md gives no meaning to its codes, so nothing justifies dropping
// them here.
type EOIRBulk struct {
	// Path is the tbl_schedule file.
	Path string
	// Courts keeps only rows whose BASE_CITY_CODE is listed; empty keeps all.
	Courts []string
	// CaseIDs keeps only rows whose IDNCASE is listed; empty keeps all.
	CaseIDs []string
	// Zoner gives each row's zone from HEARING_LOC_CODE, then BASE_CITY_CODE.
	Zoner Zoner
	// Progress, when set, is called with the bytes read so far and the total
	// (-1 when unknown), about every megabyte and once at the end.
	Progress func(done, total int64)
}

var _ Reader = (*EOIRBulk)(nil)

// Read implements Reader for the file at Path.
func (b *EOIRBulk) Read(ctx context.Context, emit func(docket.SourceRecord) error, reject func(docket.RecordError)) error {
	f, err := os.Open(b.Path)
	if err != nil {
		return fmt.Errorf("eoir_bulk: %w", err)
	}
	defer f.Close()
	return b.Scan(ctx, f, fileSize(f), emit, reject)
}

// WithProgress returns a copy of b that reports its progress to progress (see Progress).
func (b *EOIRBulk) WithProgress(progress func(done, total int64)) Reader {
	r := *b
	r.Progress = progress
	return &r
}

// Scan reads tbl_schedule text from r as if it were the file at Path; size
// is the total for progress reports, -1 when unknown.
func (b *EOIRBulk) Scan(ctx context.Context, r io.Reader, size int64, emit func(docket.SourceRecord) error,
	reject func(docket.RecordError)) error {
	reject = rejectFunc(reject)
	cr := &countingReader{r: r}
	br := bufio.NewReaderSize(cr, 64<<10)
	s := &eoirScanner{
		b:       b,
		zones:   newZoneCache(b.Zoner),
		courts:  stringSet(b.Courts, strings.ToUpper),
		cases:   stringSet(b.CaseIDs, nil),
		intern:  map[string]string{},
		reject:  reject,
		decoder: charmap.ISO8859_1.NewDecoder(),
	}
	var lastReport int64
	report := func(force bool) {
		if b.Progress != nil && (force || cr.n-lastReport >= progressStep) {
			lastReport = cr.n
			b.Progress(cr.n, size)
		}
	}
	var long []byte
	for line := 1; ; line++ {
		if line%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		raw, err := br.ReadSlice('\n')
		tooLong := false
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], raw...)
			for errors.Is(err, bufio.ErrBufferFull) {
				raw, err = br.ReadSlice('\n')
				if len(long) < maxEOIRLine {
					long = append(long, raw...)
				} else {
					tooLong = true
				}
			}
			raw = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("eoir_bulk %s: line %d: %w", b.Path, line, err)
		}
		switch {
		case tooLong:
			reject(docket.RecordError{File: b.Path, Line: line, Reason: "line longer than 1 MiB"})
		case len(raw) > 0:
			if herr := s.line(line, raw); herr != nil {
				return fmt.Errorf("eoir_bulk %s: %w", b.Path, herr)
			}
			if s.rec != nil {
				if eerr := emit(*s.rec); eerr != nil {
					return eerr
				}
				s.rec = nil
			}
		}
		report(false)
		if errors.Is(err, io.EOF) {
			if s.header == nil {
				return fmt.Errorf("eoir_bulk %s: empty file, want a header line", b.Path)
			}
			report(true)
			return nil
		}
	}
}

// eoirScanner holds the state of one Scan between lines.
type eoirScanner struct {
	b       *EOIRBulk
	zones   *zoneCache
	courts  map[string]struct{}
	cases   map[string]struct{}
	intern  map[string]string
	reject  func(docket.RecordError)
	decoder interface{ Bytes([]byte) ([]byte, error) }

	header []string
	col    map[string]int
	fields [][]byte
	rec    *docket.SourceRecord
	recBuf docket.SourceRecord
}

// line handles one raw line; it sets s.rec when the line is a hearing to
// emit. Only a bad header is an error: a bad row is rejected and skipped.
func (s *eoirScanner) line(n int, raw []byte) error {
	raw = bytes.TrimRight(raw, "\r\n")
	if bytes.IndexByte(raw, 0) >= 0 {
		raw = bytes.ReplaceAll(raw, []byte{0}, nil)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if s.header == nil {
		raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	}
	if !isASCII(raw) {
		// The dump is latin-1; only non-ASCII lines need decoding.
		dec, err := s.decoder.Bytes(raw)
		if err != nil {
			s.reject(docket.RecordError{File: s.b.Path, Line: n, Reason: "not latin-1 text"})
			return nil
		}
		raw = dec
	}
	s.fields = splitTabs(s.fields[:0], raw)
	if s.header == nil {
		return s.readHeader()
	}
	return s.row(n)
}

func (s *eoirScanner) readHeader() error {
	s.header = make([]string, len(s.fields))
	s.col = map[string]int{}
	for i, f := range s.fields {
		h := strings.ToUpper(strings.TrimSpace(string(f)))
		s.header[i] = h
		if _, dup := s.col[h]; !dup {
			s.col[h] = i
		}
	}
	for _, h := range eoirRequired {
		if _, ok := s.col[h]; !ok {
			return fmt.Errorf("header: missing column %s", h)
		}
	}
	return nil
}

// get returns the trimmed field of column name, or nil when absent.
func (s *eoirScanner) get(name string) []byte {
	i, ok := s.col[name]
	if !ok || i >= len(s.fields) {
		return nil
	}
	return bytes.TrimSpace(s.fields[i])
}

// eoirKept are the columns row reads.
var eoirKept = []string{"IDNSCHEDULE", "IDNCASE", "BASE_CITY_CODE", "HEARING_LOC_CODE", "ADJ_DATE", "ADJ_TIME_START",
	"CAL_TYPE", "SCHEDULE_TYPE", "ADJ_MEDIUM", "IJ_CODE", "LANG"}

func (s *eoirScanner) row(n int) error {
	rej := func(key, reason string) {
		s.reject(docket.RecordError{File: s.b.Path, Line: n, Key: key, Reason: reason})
	}
	// IDNSCHEDULE is the first column, so even a short or shifted row names its hearing: the reject carries the key
	// and a complete source then holds back only that hearing's cancellation, not every one.
	if len(s.fields) < len(s.header) {
		rej(string(s.get("IDNSCHEDULE")), fmt.Sprintf("short row: %d fields, want %d", len(s.fields), len(s.header)))
		return nil
	}
	for _, extra := range s.fields[len(s.header):] {
		if len(bytes.TrimSpace(extra)) > 0 {
			rej(string(s.get("IDNSCHEDULE")), fmt.Sprintf("%d fields, want %d (shifted columns)", len(s.fields), len(s.header)))
			return nil
		}
	}
	// Only the columns a record keeps are bounded: the dump's free-text columns are never read.
	for _, col := range eoirKept {
		if f := s.get(col); len(f) > MaxFieldLen {
			key := string(s.get("IDNSCHEDULE"))
			if len(key) > MaxFieldLen {
				key = ""
			}
			rej(key, fmt.Sprintf("%s: %d bytes, more than the %d a field may hold", col, len(f), MaxFieldLen))
			return nil
		}
	}
	court := s.get("BASE_CITY_CODE")
	if s.courts != nil {
		if _, ok := s.courts[string(bytes.ToUpper(court))]; !ok {
			return nil
		}
	}
	caseID := s.get("IDNCASE")
	if s.cases != nil {
		if _, ok := s.cases[string(caseID)]; !ok {
			return nil
		}
	}
	key := string(s.get("IDNSCHEDULE"))
	if key == "" {
		rej("", "no IDNSCHEDULE")
		return nil
	}
	rec := &s.recBuf
	*rec = docket.SourceRecord{Key: key, CaseID: string(caseID), Line: n}
	rec.Court = s.internUpper(court)
	if rec.Court == "" {
		rej(key, "no BASE_CITY_CODE")
		return nil
	}
	rec.Location = s.internUpper(s.get("HEARING_LOC_CODE"))
	y, m, d, err := parseEOIRDate(s.get("ADJ_DATE"))
	if err != nil {
		rej(key, "ADJ_DATE: "+err.Error())
		return nil
	}
	hh, mm, err := parseHHMM(s.get("ADJ_TIME_START"))
	if err != nil {
		rej(key, "ADJ_TIME_START: "+err.Error())
		return nil
	}
	loc, err := s.zones.zone(rec.Location, rec.Court)
	if err != nil {
		rej(key, err.Error())
		return nil
	}
	rec.Start = time.Date(y, time.Month(m), d, hh, mm, 0, 0, loc)
	typ, code := docket.EOIRHearingType(string(s.get("CAL_TYPE")), string(s.get("SCHEDULE_TYPE")))
	rec.Type, rec.TypeCode = typ, s.intern1(code)
	// tbl_schedule has no custody column: a detained schedule type (MD, detained master) is what it says. The store
	// adds what the hearing location says.
	rec.Detained = docket.EOIRDetainedSchedule(string(s.get("SCHEDULE_TYPE")))
	rec.MediumCode = s.internUpper(s.get("ADJ_MEDIUM"))
	rec.Medium = docket.EOIRMedium(rec.MediumCode)
	// The dump has judge codes and language codes, not names; keep the codes.
	rec.Judge = s.internUpper(s.get("IJ_CODE"))
	rec.Language = s.internUpper(s.get("LANG"))
	s.rec = rec
	return nil
}

// internUpper returns one shared string per distinct code, so millions of
// records repeating "DAL" or "P" share one copy.
func (s *eoirScanner) internUpper(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if v, ok := s.intern[string(b)]; ok {
		return v
	}
	v := strings.ToUpper(string(b))
	if len(s.intern) < 1<<16 {
		s.intern[string(b)] = v
	}
	return v
}

func (s *eoirScanner) intern1(v string) string {
	if w, ok := s.intern[v]; ok {
		return w
	}
	if len(s.intern) < 1<<16 {
		s.intern[v] = v
	}
	return v
}

// parseEOIRDate reads ADJ_DATE in the forms EOIR dumps have used:
// "2027-02-09 00:00:00.000", "2027-02-09", "02/09/2027" and SQL Server's
// "Feb  9 2027 12:00AM". Only the date matters; a time part is ignored.
func parseEOIRDate(b []byte) (y, m, d int, err error) {
	switch {
	case len(b) == 0:
		return 0, 0, 0, errors.New("empty")
	case len(b) >= 10 && b[4] == '-' && b[7] == '-':
		y, m, d = atoiDigits(b[0:4]), atoiDigits(b[5:7]), atoiDigits(b[8:10])
	case bytes.IndexByte(b, '/') > 0:
		ds, _, _ := bytes.Cut(b, []byte{' '})
		parts := bytes.Split(ds, []byte{'/'})
		if len(parts) != 3 || len(parts[2]) != 4 {
			return 0, 0, 0, fmt.Errorf("%q is not MM/DD/YYYY", clip(string(b)))
		}
		m, d, y = atoiDigits(parts[0]), atoiDigits(parts[1]), atoiDigits(parts[2])
	case len(b) >= 11:
		t, perr := time.Parse("Jan _2 2006", string(b[:11]))
		if perr != nil {
			return 0, 0, 0, fmt.Errorf("%q is not a date", clip(string(b)))
		}
		return t.Year(), int(t.Month()), t.Day(), nil
	default:
		return 0, 0, 0, fmt.Errorf("%q is not a date", clip(string(b)))
	}
	if y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, fmt.Errorf("%q is not a date", clip(string(b)))
	}
	return y, m, d, nil
}

// parseHHMM reads "0830", "830" or "08:30".
func parseHHMM(b []byte) (hh, mm int, err error) {
	s := bytes.ReplaceAll(b, []byte{':'}, nil)
	if len(s) < 3 || len(s) > 4 {
		return 0, 0, fmt.Errorf("%q is not HHMM", clip(string(b)))
	}
	hh, mm = atoiDigits(s[:len(s)-2]), atoiDigits(s[len(s)-2:])
	if hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, 0, fmt.Errorf("%q is not HHMM", clip(string(b)))
	}
	return hh, mm, nil
}

// atoiDigits parses ASCII digits, -1 when any byte is not a digit.
func atoiDigits(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func splitTabs(dst [][]byte, line []byte) [][]byte {
	for {
		i := bytes.IndexByte(line, '\t')
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i+1:]
	}
}

func stringSet(list []string, norm func(string) string) map[string]struct{} {
	if len(list) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if norm != nil {
			s = norm(s)
		}
		m[s] = struct{}{}
	}
	return m
}

// syntheticCourts are real court codes (in eoir_courts.csv) spread over
// several zones, including Mountain (ELP) and no-DST Arizona (PHO).
var syntheticCourts = []string{"DAL", "HOU", "SNA", "ELP", "PHO", "LOS", "NYC", "MIA", "CHI"}

// syntheticTypes are CAL_TYPE/SCHEDULE_TYPE pairs in rough proportion.
var syntheticTypes = [][2]string{{"M", "MM"}, {"M", "MM"}, {"M", "MR"}, {"M", "MD"}, {"I", "II"}, {"I", "IR"},
	{"C", "CY"}, {"R", "RR"}}

// syntheticMedia follows the dump's mix: P about 60%, then undocumented codes.
var syntheticMedia = []string{"P", "P", "P", "P", "P", "P", "V", "T", "W", "H", "A", ""}

// syntheticShortRow says which data rows (0-based) WriteSyntheticSchedule
// cuts short, so tests know how many rejects to expect.
func syntheticShortRow(i int) bool { return i%9973 == 9972 }

// WriteSyntheticSchedule writes a tbl_schedule file of n data rows shaped like
// EOIR's dump (header line, tabs, CRLF, latin-1 text, stray NUL bytes, three
// ADJ_DATE forms, a short row about every 10,000), with hearings from start
// over the following year. The same seed writes the same bytes.
func WriteSyntheticSchedule(w io.Writer, n int, seed int64, start time.Time) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	rng := rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))
	bw.WriteString(strings.Join(EOIRScheduleColumns, "\t")) //nolint:errcheck // bufio keeps the error for Flush
	bw.WriteString("\r\n")                                  //nolint:errcheck // likewise
	base := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	// "revisión" in latin-1: one byte for ó.
	msgs := []string{"", "", "", "HEARING RESET", "Audiencia de revisi\xf3n", "Notice \xe0 la partie"}
	var row []byte
	fields := make([]string, len(EOIRScheduleColumns))
	for i := range n {
		court := syntheticCourts[rng.IntN(len(syntheticCourts))]
		typ := syntheticTypes[rng.IntN(len(syntheticTypes))]
		day := base.AddDate(0, 0, rng.IntN(365))
		var date string
		switch rng.IntN(20) {
		case 0:
			date = day.Format("01/02/2006")
		case 1:
			date = day.Format("2006-01-02")
		default:
			date = day.Format("2006-01-02") + " 00:00:00.000"
		}
		minutes := 8*60 + 15*rng.IntN(33)
		startHHMM := fmt.Sprintf("%02d%02d", minutes/60, minutes%60)
		stopHHMM := fmt.Sprintf("%02d%02d", (minutes+60)/60%24, minutes%60)
		fields[0] = strconv.Itoa(i + 1)
		fields[1] = strconv.Itoa(5000000 + rng.IntN(4000000))
		fields[2] = strconv.Itoa(1000000 + rng.IntN(2000000))
		fields[3] = "2025-11-03 00:00:00.000"
		fields[4] = "1"
		fields[5] = "0"
		fields[6] = "O"
		fields[7] = []string{"SP", "ENG", "POR", "CRE", "MAM"}[rng.IntN(5)]
		fields[8] = court
		fields[9] = court
		fields[10] = string(rune('A'+rng.IntN(26))) + string(rune('A'+rng.IntN(26))) + "J"
		fields[11] = ""
		fields[12] = "2025-11-05 00:00:00.000"
		fields[13] = "1032"
		fields[14] = "2026-01-10 00:00:00.000"
		fields[15] = "0915"
		fields[16] = ""
		fields[17] = typ[0]
		fields[18] = date
		fields[19] = startHHMM
		fields[20] = stopHHMM
		fields[21] = ""
		fields[22] = syntheticMedia[rng.IntN(len(syntheticMedia))]
		fields[23] = msgs[rng.IntN(len(msgs))]
		fields[24] = strconv.Itoa(rng.IntN(900))
		fields[25] = ""
		fields[26] = typ[1]
		fields[27] = ""
		fields[28] = "0"
		fields[29] = ""
		if i%97 == 13 {
			// A stray NUL inside a field the reader uses.
			fields[9] = court[:1] + "\x00" + court[1:]
		}
		cols := len(fields)
		if syntheticShortRow(i) {
			cols = 12
		}
		row = row[:0]
		for j, f := range fields[:cols] {
			if j > 0 {
				row = append(row, '\t')
			}
			row = append(row, f...)
		}
		if i%501 == 7 {
			row = append(row, 0)
		}
		row = append(row, '\r', '\n')
		if _, err := bw.Write(row); err != nil {
			return fmt.Errorf("write synthetic schedule: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write synthetic schedule: %w", err)
	}
	return nil
}
