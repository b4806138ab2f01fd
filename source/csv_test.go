package source

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"YYYY-MM-DD", "2006-01-02", true},
		{"M/D/YYYY", "1/2/2006", true},
		{"DD.MM.YY", "02.01.06", true},
		{"HH:mm", "15:04", true},
		{"H:mm", "15:04", true},
		{"h:mm A", "3:04 PM", true},
		{"hh:mm:ss a", "03:04:05 PM", true},
		{"YYYY-MM-DDTHH:mm", "2006-01-02T15:04", true},
		{"h:mm", "", false},    // 12-hour without AM/PM
		{"HH:mm A", "", false}, // AM/PM with 24-hour
		{"YYYY-MM-DD Z", "", false},
		{"YYYY1", "", false},
		{"", "", false},
		{" / ", "", false},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseFormat(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSVRead(t *testing.T) {
	const file = "\xef\xbb\xbf Client , A-Number,Hearing Date,Hearing Time,Court,Type,Medium,Judge,Phone\n" +
		"Mario Ramirez,A201-555-123,2027-02-09,1:00 PM,DAL,Individual,in person,Example,+12145550100\n" +
		"Ana Soto,20155512,2027-03-01,08:30,elp,MM,V,,\n" +
		"Bad Date,201555124,2027-02-30,9:00,DAL,Master,,,\n" +
		"No Number,,2027-02-09,9:00,DAL,Master,,,\n" +
		"Unknown Court,201555125,2027-02-09,9:00,XYZ,Master,,,\n" +
		"\"Multi\nLine\",201555126,2027-04-01,9:00 am,HOU,bond,WebEx,,\n" +
		"Mario Again,201555123,2027-02-09,2:00 PM,DAL,Individual,,,\n"
	path := writeFile(t, "docket.csv", file)
	c := &CSV{
		Path: path,
		Columns: map[string]string{
			FieldClientName: "client", FieldANumber: "a-number", FieldDate: "HEARING DATE", FieldTime: "hearing time",
		},
		Zoner: testZones,
	}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	chicago, denver := mustLoad(t, "America/Chicago"), mustLoad(t, "America/Denver")
	want := []docket.SourceRecord{
		{Key: "201555123@2027-02-09", ANumber: "201555123", Court: "DAL",
			Start: time.Date(2027, 2, 9, 13, 0, 0, 0, chicago), Type: docket.TypeIndividual, TypeCode: "Individual",
			Medium: docket.MediumInPerson, MediumCode: "in person", Judge: "Example", ClientName: "Mario Ramirez",
			Phone: "+12145550100", Line: 2},
		{Key: "020155512@2027-03-01", ANumber: "020155512", Court: "ELP",
			Start: time.Date(2027, 3, 1, 8, 30, 0, 0, denver), Type: docket.TypeMaster, TypeCode: "MM",
			Medium: docket.MediumVideo, MediumCode: "V", ClientName: "Ana Soto", Line: 3},
		{Key: "201555126@2027-04-01", ANumber: "201555126", Court: "HOU",
			Start: time.Date(2027, 4, 1, 9, 0, 0, 0, chicago), Type: docket.TypeBond, TypeCode: "bond",
			Medium: docket.MediumInternet, MediumCode: "WebEx", ClientName: "Multi\nLine", Line: 7},
	}
	if len(res.Records) != len(want) {
		t.Fatalf("got %d records, want %d: %+v", len(res.Records), len(want), res.Records)
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
		{4, "does not match the date format"},
		{5, "no a-number"},
		{6, "unknown court"},
		{9, "same hearing as line 2"},
	}
	if len(res.Rejects) != len(wantRejects) {
		t.Fatalf("got rejects %v, want %d", res.Rejects, len(wantRejects))
	}
	if got, want := res.Rejects[0].ANumber, docket.ANumber("201555124"); got != want {
		t.Errorf("reject a-number = %q, want %q so the sync can leave the case alone", got, want)
	}
	for i, w := range wantRejects {
		got := res.Rejects[i]
		if got.File != path || got.Line != w.line || !strings.Contains(got.Reason, w.reason) {
			t.Errorf("reject %d = %v, want %s:%d: …%s…", i, got, path, w.line, w.reason)
		}
		if strings.Contains(got.Error(), "20155512") {
			t.Errorf("reject %q shows an A-number", got.Error())
		}
	}
}

func TestCSVFormatsAndStart(t *testing.T) {
	chicago := mustLoad(t, "America/Chicago")
	tests := []struct {
		name       string
		c          CSV
		content    string
		want       time.Time
		wantReject string
	}{
		{
			name:    "custom date and time",
			c:       CSV{DateFormat: "DD.MM.YYYY", TimeFormat: "h:mm A", Court: "DAL"},
			content: "a_number,date,time\n201555123,09.02.2027,1:05 pm\n",
			want:    time.Date(2027, 2, 9, 13, 5, 0, 0, chicago),
		},
		{
			name:    "default US date",
			c:       CSV{Court: "DAL"},
			content: "a_number,date,time\n201555123,2/9/2027,13:05\n",
			want:    time.Date(2027, 2, 9, 13, 5, 0, 0, chicago),
		},
		{
			name:    "combined start column",
			c:       CSV{Columns: map[string]string{FieldStart: "When"}, Court: "DAL"},
			content: "a_number,when\n201555123,2027-02-09 1:05 PM\n",
			want:    time.Date(2027, 2, 9, 13, 5, 0, 0, chicago),
		},
		{
			name:    "RFC 3339 start is an instant",
			c:       CSV{Columns: map[string]string{FieldStart: "When"}, Court: "DAL"},
			content: "a_number,when\n201555123,2027-02-09T19:05:00Z\n",
			want:    time.Date(2027, 2, 9, 13, 5, 0, 0, chicago),
		},
		{
			name:    "semicolons",
			c:       CSV{Comma: ';', Court: "DAL"},
			content: "a_number;date;time\n201555123;2027-02-09;13:05\n",
			want:    time.Date(2027, 2, 9, 13, 5, 0, 0, chicago),
		},
		{
			name:       "time does not match format",
			c:          CSV{TimeFormat: "HH:mm", Court: "DAL"},
			content:    "a_number,date,time\n201555123,2027-02-09,1:05 PM\n",
			wantReject: "does not match the time format",
		},
		{
			name:       "no time",
			c:          CSV{Court: "DAL"},
			content:    "a_number,date,time\n201555123,2027-02-09,\n",
			wantReject: "no time",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Path = writeFile(t, "d.csv", tt.content)
			c.Zoner = testZones
			res, err := Collect(context.Background(), &c)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantReject != "" {
				if len(res.Rejects) != 1 || !strings.Contains(res.Rejects[0].Reason, tt.wantReject) ||
					res.Rejects[0].Line != 2 {
					t.Fatalf("rejects = %v, want one on line 2 with %q", res.Rejects, tt.wantReject)
				}
				return
			}
			if len(res.Records) != 1 {
				t.Fatalf("records = %v, rejects = %v, want 1 record", res.Records, res.Rejects)
			}
			got := res.Records[0].Start
			if !got.Equal(tt.want) || got.Location().String() != "America/Chicago" {
				t.Errorf("start = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCSVWholeFileErrors(t *testing.T) {
	tests := []struct {
		name, content string
		c             CSV
		want          string
	}{
		{"missing mapped header", "Client,Date,Time,Court\nx,2027-01-01,9:00,DAL\n",
			CSV{Columns: map[string]string{FieldANumber: "A-Number"}}, `missing column "A-Number" (a_number)`},
		{"missing court", "a_number,date,time\n", CSV{}, `missing column "court"`},
		{"missing time", "a_number,date,court\n", CSV{}, `missing column "time"`},
		{"empty file", "", CSV{}, "empty file"},
		{"bad format", "a_number,date,time,court\n", CSV{DateFormat: "YYYY-QQ"}, "date format"},
		{"unknown field", "a_number,date,time,court\n", CSV{Columns: map[string]string{"room": "Room"}},
			`unknown field "room"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			c.Path = writeFile(t, "d.csv", tt.content)
			c.Zoner = testZones
			_, err := Collect(context.Background(), &c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	_, err := Collect(context.Background(), &CSV{Path: filepath.Join(t.TempDir(), "none.csv")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file error = %v, want ErrNotExist", err)
	}
}

func TestCSVBareQuoteRowIsRejectedAlone(t *testing.T) {
	content := "a_number,date,time,court\n201555123,2027-02-09,9:00,DAL\n2015\"55124,2027-02-09,9:00,DAL\n" +
		"201555125,2027-02-10,9:00,DAL\n"
	c := &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Records), 2; got != want {
		t.Errorf("records = %d, want %d", got, want)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 3 {
		t.Errorf("rejects = %v, want one on line 3", res.Rejects)
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"YYYY-MM-DD", "h:mm A", "HH:mm", "DD.MM.YY", "T", "MMMM", "A", "hh"} {
		f.Add(s)
	}
	ref := time.Date(2027, 11, 23, 14, 5, 6, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		layout, err := ParseFormat(s)
		if err != nil {
			return
		}
		// A layout that formats must parse its own output back.
		out := ref.Format(layout)
		if _, err := time.Parse(layout, out); err != nil {
			t.Fatalf("ParseFormat(%q) = %q: cannot parse its own output %q: %v", s, layout, out, err)
		}
	})
}

func FuzzCSVRow(f *testing.F) {
	f.Add("201555123,2027-02-09,1:00 PM,DAL,Master,P")
	f.Add("A-201-555-123,02/09/2027,13:00,elp,II,webex")
	f.Add("\"x\"\"y\",,,,,")
	f.Add(",,,,\n,,")
	f.Fuzz(func(t *testing.T, row string) {
		c := &CSV{Path: "fuzz.csv", Zoner: testZones}
		var n int
		err := c.Scan(context.Background(), strings.NewReader("a_number,date,time,court,type,medium\n"+row),
			func(r docket.SourceRecord) error {
				n++
				if len(r.ANumber) != 9 || r.Start.IsZero() || r.Key == "" || r.Line < 2 {
					t.Fatalf("bad record %+v", r)
				}
				if !slices.Contains(docket.HearingTypes, r.Type) {
					t.Fatalf("type %q", r.Type)
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

func TestCSVFieldOverLimitIsRejectedWithItsLine(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	content := "a_number,date,time,court,client_name,judge\n" +
		"201555123,2027-02-09,9:00,DAL,Ana," + huge + "\n" +
		"201555124,2027-02-09,9:00,DAL,\"" + huge + "\",\n" +
		"201555125,2027-02-10,9:00,DAL,Luis," + strings.Repeat("j", MaxFieldLen) + "\n"
	c := &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 || res.Records[0].ANumber != "201555125" {
		t.Fatalf("records = %d, want only the row whose fields fit", len(res.Records))
	}
	if len(res.Rejects) != 2 {
		t.Fatalf("rejects = %v, want two", res.Rejects)
	}
	for i, w := range []struct {
		line  int
		field string
	}{{2, "judge"}, {3, "client_name"}} {
		r := res.Rejects[i]
		if r.Line != w.line || !strings.HasPrefix(r.Reason, w.field+": ") || !strings.Contains(r.Reason, "more than the 1000") {
			t.Errorf("reject %d = %v, want line %d naming %s", i, r, w.line, w.field)
		}
		if r.ANumber == "" {
			t.Errorf("reject %d has no A-number: the sync could not leave the case alone", i)
		}
	}
}

func TestCSVPhoneThatCannotBeUsedIsReportedAndTheHearingKept(t *testing.T) {
	content := "a_number,date,time,court,client_name,phone\n" +
		"201555123,2027-02-09,9:00,DAL,Ana,+1 214 555 01720\n" +
		"201555124,2027-02-09,9:00,DAL,Luis,0052 55 1234 5679\n" +
		"201555125,2027-02-09,9:00,DAL,Eva,555-CALL-NOW\n" +
		"201555126,2027-02-09,9:00,DAL,Rosa,(214) 555-0100\n" +
		"201555127,2027-02-09,9:00,DAL,Juan,+52 55 1234 5679\n"
	c := &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	phones := map[docket.ANumber]string{}
	for _, r := range res.Records {
		phones[r.ANumber] = r.Phone
	}
	want := map[docket.ANumber]string{"201555123": "", "201555124": "", "201555125": "", "201555126": "+12145550100",
		"201555127": "+525512345679"}
	if len(phones) != len(want) {
		t.Fatalf("records %v, want every hearing kept", phones)
	}
	for a, p := range want {
		if phones[a] != p {
			t.Errorf("%s phone = %q, want %q", a, phones[a], p)
		}
	}
	if len(res.Rejects) != 3 {
		t.Fatalf("rejects = %v, want one per unusable phone", res.Rejects)
	}
	for i, r := range res.Rejects {
		if r.Line != i+2 || !strings.HasPrefix(r.Reason, "phone ") || !strings.Contains(r.Reason, "hearing is kept") {
			t.Errorf("reject %d = %v, want line %d about the phone", i, r, i+2)
		}
		if strings.Contains(r.Reason, "01720") || strings.Contains(r.Reason, "1234 5679") {
			t.Errorf("reject %q shows the phone unmasked", r.Reason)
		}
	}
}

func TestCSVLocalTimeThatDoesNotExistOrHappensTwice(t *testing.T) {
	content := "a_number,date,time,court\n" +
		"201555123,2027-03-14,02:30,DAL\n" +
		"201555124,2027-11-07,01:30,DAL\n" +
		"201555125,2027-11-07,09:00,DAL\n"
	res, err := Collect(context.Background(), &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 || res.Records[0].ANumber != "201555124" {
		t.Fatalf("records = %+v, want the two hearings at times that exist", res.Records)
	}
	if len(res.Rejects) != 2 {
		t.Fatalf("rejects = %v, want the gap and the repeated hour", res.Rejects)
	}
	if r := res.Rejects[0]; r.Line != 2 ||
		r.Reason != "time 02:30 does not exist on 2027-03-14 in America/Chicago (the clocks go forward then)" {
		t.Errorf("gap: %v", r)
	}
	if r := res.Rejects[1]; r.Line != 3 || !strings.HasPrefix(r.Reason,
		"01:30 happens twice on 2027-11-07 in America/Chicago (the clocks go back); read as the first, 01:30 CDT") {
		t.Errorf("repeated hour: %v", r)
	}
}

func TestCSVFieldThatIsNotUTF8IsReported(t *testing.T) {
	content := "a_number,date,time,court,client_name\n201555123,2027-02-09,9:00,DAL,Jos\xe9 P\xe9rez\n" +
		"201555124,2027-02-09,9:00,DAL,José Pérez\n"
	res, err := Collect(context.Background(), &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 || res.Records[0].ClientName != "Jos\uFFFD P\uFFFDrez" || res.Records[1].ClientName != "José Pérez" {
		t.Fatalf("records = %+v, want both, the first with its bad bytes replaced", res.Records)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 2 ||
		!strings.HasPrefix(res.Rejects[0].Reason, "client_name: not UTF-8 text (save the export as UTF-8)") {
		t.Errorf("rejects = %v, want line 2 naming client_name", res.Rejects)
	}
}

// A file separated by ';' (a European-locale Excel export) read with the default ',' fails with a message naming the
// separator to set; with separator = ";" in its Spec it reads.
func TestCSVSeparatedBySemicolons(t *testing.T) {
	kind, _ := Lookup("csv")
	for _, content := range []string{
		"a_number;date;time;court\n201555123;2027-02-09;9:00;DAL\n",
		// A header cell holding a comma splits into columns that still do not map.
		"a_number;date;time;court;Client, name\n201555123;2027-02-09;9:00;DAL;Ana\n",
	} {
		path := writeFile(t, "d.csv", content)
		r, err := kind.New(Spec{Path: path, Zoner: testZones})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Collect(context.Background(), r)
		if err == nil || !strings.Contains(err.Error(), `the file looks separated by ';'`) ||
			!strings.Contains(err.Error(), `set separator = ";" on this source`) {
			t.Errorf("%q read with ',': err %v, want the separator named", content, err)
		}
		r, err = kind.New(Spec{Path: path, Zoner: testZones, Separator: ";"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := Collect(context.Background(), r)
		if err != nil || len(res.Records) != 1 || res.Records[0].ANumber != "201555123" || len(res.Rejects) != 0 {
			t.Errorf("%q read with ';': %+v, err %v; want its one hearing", content, res, err)
		}
	}
	// The other way round: a comma file read with ';'.
	r, err := kind.New(Spec{Path: writeFile(t, "d.csv", "a_number,date,time,court\n201555123,2027-02-09,9:00,DAL\n"),
		Zoner: testZones, Separator: ";"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(context.Background(), r); err == nil || !strings.Contains(err.Error(), `set separator = ","`) {
		t.Errorf("a comma file read with ';': err %v, want separator = \",\" named", err)
	}
	if _, err := kind.New(Spec{Path: "d.csv", Separator: "\n"}); err == nil {
		t.Error("a line break as separator was accepted")
	}
}

// A row naming an attorney the office does not have keeps its hearing and is reported with its line and the name.
func TestCSVUnknownAttorneyIsReportedWithItsLine(t *testing.T) {
	kind, _ := Lookup("csv")
	content := "a_number,date,time,court,client_name,attorney\n" +
		"201555123,2027-02-09,9:00,DAL,Ana Soto,jlee\n" +
		"201555124,2027-02-09,9:30,DAL,Luis Mora,J. Leee\n" +
		"201555125,2027-02-09,10:00,DAL,Rosa Gil,\n"
	known := func(s string) bool { return s == "jlee" }
	r, err := kind.New(Spec{Path: writeFile(t, "d.csv", content), Zoner: testZones, KnownAttorney: known})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Collect(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 3 || res.Records[1].Attorney != "J. Leee" {
		t.Fatalf("records = %+v, want all three, the second naming J. Leee", res.Records)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 3 || !strings.HasPrefix(res.Rejects[0].Reason,
		`attorney "J. Leee" is not the id or name of an [[attorneys]] entry of the config; the hearing is kept`) {
		t.Errorf("rejects = %v, want line 3 naming J. Leee", res.Rejects)
	}
}

func TestCSVStateIsReadAndAnUnknownOneReported(t *testing.T) {
	content := "a_number,date,time,court,client_name,phone,estado\n" +
		"201555123,2027-02-09,9:00,DAL,Ana,+12145550172,fl\n" +
		"201555124,2027-02-09,9:00,DAL,Luis,+13055550100,\n" +
		"201555125,2027-02-09,9:00,DAL,Eva,+13055550101,Florida\n"
	c := &CSV{Path: writeFile(t, "d.csv", content), Zoner: testZones, Columns: map[string]string{FieldState: "estado"}}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	states := map[docket.ANumber]string{}
	for _, r := range res.Records {
		states[r.ANumber] = r.State
	}
	want := map[docket.ANumber]string{"201555123": "FL", "201555124": "", "201555125": ""}
	if !maps.Equal(states, want) {
		t.Errorf("states %v, want %v (every hearing kept)", states, want)
	}
	if len(res.Rejects) != 1 || res.Rejects[0].Line != 4 || !strings.HasPrefix(res.Rejects[0].Reason, `state "Florida"`) {
		t.Errorf("rejects = %v, want line 4 about the state", res.Rejects)
	}
}
