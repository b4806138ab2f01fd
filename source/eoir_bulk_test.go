package source

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// eoirRow builds a tbl_schedule line from column values, empty elsewhere.
func eoirRow(v map[string]string) string {
	cells := make([]string, len(EOIRScheduleColumns))
	for i, c := range EOIRScheduleColumns {
		cells[i] = v[c]
	}
	return strings.Join(cells, "\t")
}

func TestEOIRBulkRead(t *testing.T) {
	lines := []string{
		strings.Join(EOIRScheduleColumns, "\t"),
		eoirRow(map[string]string{"IDNSCHEDULE": "1", "IDNCASE": "100", "BASE_CITY_CODE": "DAL",
			"HEARING_LOC_CODE": "DAL", "CAL_TYPE": "I", "SCHEDULE_TYPE": "II", "ADJ_DATE": "2027-02-09 00:00:00.000",
			"ADJ_TIME_START": "0830", "ADJ_MEDIUM": "P", "IJ_CODE": "xyz", "LANG": "SP",
			"ADJ_MSG": "revisi\xf3n"}),
		// NUL inside the court code, a US date, a 3-digit time, El Paso is Mountain time.
		eoirRow(map[string]string{"IDNSCHEDULE": "2", "IDNCASE": "101", "BASE_CITY_CODE": "E\x00LP",
			"CAL_TYPE": "M", "SCHEDULE_TYPE": "MR", "ADJ_DATE": "07/01/2027", "ADJ_TIME_START": "930",
			"ADJ_MEDIUM": "H"}),
		// Filtered out by court.
		eoirRow(map[string]string{"IDNSCHEDULE": "3", "IDNCASE": "102", "BASE_CITY_CODE": "NYC",
			"ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "0900"}),
		"4\t5\t103\tshort",
		eoirRow(map[string]string{"IDNSCHEDULE": "5", "IDNCASE": "104", "BASE_CITY_CODE": "DAL",
			"ADJ_DATE": "2027-02-30", "ADJ_TIME_START": "0900"}),
		eoirRow(map[string]string{"IDNSCHEDULE": "6", "IDNCASE": "105", "BASE_CITY_CODE": "DAL",
			"ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "2460"}),
		"",
		eoirRow(map[string]string{"IDNSCHEDULE": "7", "IDNCASE": "106", "BASE_CITY_CODE": "dal",
			"HEARING_LOC_CODE": "ZZZ", "CAL_TYPE": "C", "SCHEDULE_TYPE": "CY", "ADJ_DATE": "Feb  9 2027 12:00AM",
			"ADJ_TIME_START": "13:00"}) + "\t\t",
		eoirRow(map[string]string{"IDNSCHEDULE": "8", "IDNCASE": "107", "BASE_CITY_CODE": "DAL",
			"ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "0900"}) + "\tshifted",
	}
	path := writeFile(t, "tbl_schedule.csv", strings.Join(lines, "\r\n")+"\r\n")
	var progress [][2]int64
	b := &EOIRBulk{Path: path, Courts: []string{"dal", "ELP"}, Zoner: testZones,
		Progress: func(done, total int64) { progress = append(progress, [2]int64{done, total}) }}
	res, err := Collect(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	chicago, denver := mustLoad(t, "America/Chicago"), mustLoad(t, "America/Denver")
	want := []docket.SourceRecord{
		{Key: "1", CaseID: "100", Court: "DAL", Location: "DAL", Start: time.Date(2027, 2, 9, 8, 30, 0, 0, chicago),
			Type: docket.TypeIndividual, TypeCode: "I/II", Medium: docket.MediumInPerson, MediumCode: "P", Judge: "XYZ",
			Language: "SP", Line: 2},
		{Key: "2", CaseID: "101", Court: "ELP", Start: time.Date(2027, 7, 1, 9, 30, 0, 0, denver),
			Type: docket.TypeMaster, TypeCode: "M/MR", MediumCode: "H", Line: 3},
		{Key: "7", CaseID: "106", Court: "DAL", Location: "ZZZ", Start: time.Date(2027, 2, 9, 13, 0, 0, 0, chicago),
			Type: docket.TypeBond, TypeCode: "C/CY", Line: 9},
	}
	if len(res.Records) != len(want) {
		t.Fatalf("got %d records %+v, want %d", len(res.Records), res.Records, len(want))
	}
	for i := range want {
		got := res.Records[i]
		if !got.Start.Equal(want[i].Start) || got.Start.Location().String() != want[i].Start.Location().String() {
			t.Errorf("record %d start = %v, want %v", i, got.Start, want[i].Start)
		}
		got.Start, want[i].Start = time.Time{}, time.Time{}
		if got != want[i] {
			t.Errorf("record %d\n got %+v\nwant %+v", i, got, want[i])
		}
	}
	wantRejects := []struct {
		line   int
		reason string
	}{
		{5, "short row: 4 fields, want 30"},
		{6, "ADJ_DATE"},
		{7, "ADJ_TIME_START"},
		{10, "shifted columns"},
	}
	if len(res.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %v, want %d", res.Rejects, len(wantRejects))
	}
	for i, w := range wantRejects {
		if got := res.Rejects[i]; got.Line != w.line || !strings.Contains(got.Reason, w.reason) || got.File != path {
			t.Errorf("reject %d = %v, want line %d with %q", i, got, w.line, w.reason)
		}
		if res.Rejects[i].Key == "" {
			t.Errorf("reject %d (line %d) names no IDNSCHEDULE: a complete source would hold every cancellation", i, w.line)
		}
	}
	fi, _ := os.Stat(path)
	if len(progress) == 0 || progress[len(progress)-1] != [2]int64{fi.Size(), fi.Size()} {
		t.Errorf("progress = %v, want it to end at %d of %d", progress, fi.Size(), fi.Size())
	}
}

func TestEOIRBulkCaseFilterAndHeaderErrors(t *testing.T) {
	content := "IDNSCHEDULE\tIDNCASE\tBASE_CITY_CODE\tADJ_DATE\tADJ_TIME_START\n" +
		"1\t100\tDAL\t2027-02-09\t0900\n2\t200\tDAL\t2027-02-09\t1000\n3\t100\tHOU\t2027-02-10\t1000\n"
	b := &EOIRBulk{Path: writeFile(t, "s.tsv", content), CaseIDs: []string{"100"}, Zoner: testZones}
	res, err := Collect(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range res.Records {
		keys = append(keys, r.Key)
	}
	if got, want := strings.Join(keys, ","), "1,3"; got != want {
		t.Errorf("keys = %s, want %s", got, want)
	}

	for name, tt := range map[string]struct{ content, want string }{
		"missing column": {"IDNSCHEDULE\tIDNCASE\tADJ_DATE\tADJ_TIME_START\n", "missing column BASE_CITY_CODE"},
		"empty":          {"", "empty file"},
	} {
		t.Run(name, func(t *testing.T) {
			b := &EOIRBulk{Path: writeFile(t, "s.tsv", tt.content), Zoner: testZones}
			if _, err := Collect(context.Background(), b); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEOIRBulkEmitErrorStops(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSyntheticSchedule(&buf, 50, 1, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	err := (&EOIRBulk{Path: "mem", Zoner: testZones}).Scan(context.Background(), &buf, -1, func(docket.SourceRecord) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	}, nil)
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("err = %v after %d records, want stop after 3", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	buf.Reset()
	WriteSyntheticSchedule(&buf, 20000, 1, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	err = (&EOIRBulk{Path: "mem", Zoner: testZones}).Scan(ctx, &buf, -1, func(docket.SourceRecord) error { return nil }, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestEOIRBulkFlatMemory reads 100,000 generated rows and checks that the
// live heap never grows with the number of rows: holding them all would take
// tens of megabytes.
func TestEOIRBulkFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100,000-row file")
	}
	const n = 100_000
	path := filepath.Join(t.TempDir(), "tbl_schedule.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	if err := WriteSyntheticSchedule(f, n, 42, start); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantShort := 0
	for i := range n {
		if syntheticShortRow(i) {
			wantShort++
		}
	}

	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak uint64
	sample := func() {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	good, rejected, nul := 0, 0, 0
	var first, last time.Time
	b := &EOIRBulk{Path: path, Zoner: testZones}
	err = b.Read(context.Background(), func(r docket.SourceRecord) error {
		good++
		if good%10_000 == 0 {
			sample()
		}
		if strings.ContainsRune(r.Court, 0) {
			nul++
		}
		if first.IsZero() || r.Start.Before(first) {
			first = r.Start
		}
		if r.Start.After(last) {
			last = r.Start
		}
		return nil
	}, func(e docket.RecordError) {
		rejected++
		if !strings.HasPrefix(e.Reason, "short row") {
			t.Errorf("unexpected reject %v", e)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := good, n-wantShort; got != want {
		t.Errorf("good rows = %d, want %d", got, want)
	}
	if got, want := rejected, wantShort; got != want {
		t.Errorf("rejected rows = %d, want %d", got, want)
	}
	if nul != 0 {
		t.Errorf("%d courts kept a NUL byte", nul)
	}
	if first.Before(start.AddDate(0, 0, -1)) || last.After(start.AddDate(1, 0, 1)) {
		t.Errorf("starts from %v to %v, want within a year from %v", first, last, start)
	}
	t.Logf("live heap growth %d bytes", int64(peak)-int64(base))
	const limit = 8 << 20
	if growth := int64(peak) - int64(base); growth > limit {
		t.Errorf("live heap grew by %d bytes while reading %d rows, want at most %d", growth, n, limit)
	}
}

func FuzzTSVLine(f *testing.F) {
	header := "IDNSCHEDULE\tIDNCASE\tBASE_CITY_CODE\tHEARING_LOC_CODE\tCAL_TYPE\tSCHEDULE_TYPE\tADJ_DATE\t" +
		"ADJ_TIME_START\tADJ_MEDIUM\n"
	f.Add("1\t100\tDAL\tDAL\tI\tII\t2027-02-09 00:00:00.000\t0830\tP")
	f.Add("1\t100\tE\x00LP\t\tM\tMR\t02/09/2027\t930\tV\r\n2\t3")
	f.Add("\xff\xfe\t\t\t\t\t\t\t\t")
	f.Add("1\t100\tDAL\t\t\t\tFeb  9 2027 12:00AM\t13:00\t")
	f.Fuzz(func(t *testing.T, line string) {
		b := &EOIRBulk{Path: "fuzz.tsv", Zoner: testZones}
		err := b.Scan(context.Background(), strings.NewReader(header+line), -1, func(r docket.SourceRecord) error {
			if r.Key == "" || r.Court == "" || r.Start.IsZero() || r.Line < 2 {
				t.Fatalf("bad record %+v", r)
			}
			if strings.ContainsRune(r.Key+r.Court+r.CaseID+r.Location, 0) {
				t.Fatalf("NUL kept in %+v", r)
			}
			return nil
		}, func(e docket.RecordError) {
			if e.Line < 2 || e.Reason == "" {
				t.Fatalf("bad reject %+v", e)
			}
		})
		if err != nil {
			t.Fatalf("Scan: %v", err)
		}
	})
}

func BenchmarkEOIRBulkScan(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteSyntheticSchedule(&buf, 100_000, 7, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	bulk := &EOIRBulk{Path: "bench", Zoner: testZones}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		err := bulk.Scan(context.Background(), bytes.NewReader(data), int64(len(data)),
			func(docket.SourceRecord) error { return nil }, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestEOIRBulkFieldOverLimitIsRejected(t *testing.T) {
	lines := []string{
		strings.Join(EOIRScheduleColumns, "\t"),
		eoirRow(map[string]string{"IDNSCHEDULE": "1", "IDNCASE": "100", "BASE_CITY_CODE": "DAL",
			"ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "0900", "IJ_CODE": strings.Repeat("J", 200<<10)}),
		eoirRow(map[string]string{"IDNSCHEDULE": "2", "IDNCASE": "101", "BASE_CITY_CODE": "DAL",
			"ADJ_DATE": "2027-02-09", "ADJ_TIME_START": "1000", "ADJ_MSG": strings.Repeat("m", 5000)}),
	}
	res, err := Collect(context.Background(), &EOIRBulk{Path: writeFile(t, "s.tsv", strings.Join(lines, "\n")+"\n"),
		Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].Key != "2" {
		t.Errorf("records = %+v, want only hearing 2 (a long column it does not read is no harm)", res.Records)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 2 || res.Rejects[0].Key != "1" ||
		!strings.HasPrefix(res.Rejects[0].Reason, "IJ_CODE: ") {
		t.Errorf("rejects = %v, want line 2, hearing 1, naming IJ_CODE", res.Rejects)
	}
}
