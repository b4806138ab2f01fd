package source

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

const officeCalendar = "BEGIN:VCALENDAR\r\n" +
	"VERSION:2.0\r\n" +
	"PRODID:-//Office//Calendar//EN\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Central Standard Time\r\nEND:VTIMEZONE\r\n" +
	// 7: IANA TZID, folded description, WebEx link.
	"BEGIN:VEVENT\r\n" +
	"UID:ev-1@office\r\n" +
	"DTSTAMP:20261101T120000Z\r\n" +
	"DTSTART;TZID=America/Chicago:20270209T130000\r\n" +
	"SUMMARY:Individual hearing - Ramirez A201-555-123\r\n" +
	"DESCRIPTION:Bring documents. Link: https://eoir.webex.com/meet/IJ.Exa\r\n mple\r\n" +
	"LOCATION:1100 Commerce St\\, Suite 1060\\, Dallas TX\r\n" +
	"BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT1H\r\nEND:VALARM\r\n" +
	"END:VEVENT\r\n" +
	// 20: staff meeting, no A-number: skipped.
	"BEGIN:VEVENT\r\nUID:ev-2@office\r\nDTSTART:20270209T150000Z\r\nSUMMARY:Staff meeting\r\nEND:VEVENT\r\n" +
	// 25: Windows TZID, two respondents.
	"BEGIN:VEVENT\r\nUID:ev-3@office\r\nDTSTART;TZID=Mountain Standard Time:20270301T083000\r\n" +
	"SUMMARY:Master A201555124 and A20155512\r\nLOCATION:WebEx\r\nEND:VEVENT\r\n" +
	// 31: unknown TZID, no default zone: rejected.
	"BEGIN:VEVENT\r\nUID:ev-4@office\r\nDTSTART;TZID=Mars/Olympus:20270301T083000\r\n" +
	"SUMMARY:Bond A201555125\r\nEND:VEVENT\r\n" +
	// 36: no UID.
	"BEGIN:VEVENT\r\nDTSTART:20270301T140000Z\r\nSUMMARY:A201555126\r\nEND:VEVENT\r\n" +
	// 40: cancelled: skipped.
	"BEGIN:VEVENT\r\nUID:ev-6@office\r\nSTATUS:CANCELLED\r\nDTSTART:20270301T140000Z\r\n" +
	"SUMMARY:A201555127\r\nEND:VEVENT\r\n" +
	// 46: all-day.
	"BEGIN:VEVENT\r\nUID:ev-7@office\r\nDTSTART;VALUE=DATE:20270301\r\nSUMMARY:A201555128\r\nEND:VEVENT\r\n" +
	// 51: UTC, a moved occurrence of a recurring event.
	"BEGIN:VEVENT\r\nUID:ev-8@office\r\nRECURRENCE-ID:20270401T140000Z\r\nDTSTART:20270402T140000Z\r\n" +
	"SUMMARY:A201555129 master\r\nEND:VEVENT\r\n" +
	// 57: a broken line inside the event.
	"BEGIN:VEVENT\r\nUID:ev-9@office\r\nDTSTART;TZID=\"unterminated:20270402T140000\r\nSUMMARY:A201555130\r\n" +
	"END:VEVENT\r\n" +
	// 62: never ends.
	"BEGIN:VEVENT\r\nUID:ev-10@office\r\nDTSTART:20270402T140000Z\r\nSUMMARY:A201555131\r\n" +
	"END:VCALENDAR\r\n"

func TestICSRead(t *testing.T) {
	path := writeFile(t, "office.ics", officeCalendar)
	c := &ICS{Path: path, Court: "dal", Zoner: testZones}
	res, err := Collect(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	chicago := mustLoad(t, "America/Chicago")
	want := []docket.SourceRecord{
		{Key: "ev-1@office", ANumber: "201555123", Court: "DAL", Start: time.Date(2027, 2, 9, 13, 0, 0, 0, chicago),
			Type: docket.TypeIndividual, WebEx: "https://eoir.webex.com/meet/IJ.Example",
			Address: "1100 Commerce St, Suite 1060, Dallas TX", Line: 7},
		{Key: "ev-3@office|201555124", ANumber: "201555124", Court: "DAL",
			Start: time.Date(2027, 3, 1, 9, 30, 0, 0, chicago), Type: docket.TypeMaster, Medium: docket.MediumInternet,
			Address: "WebEx", Line: 25},
		{Key: "ev-3@office|020155512", ANumber: "020155512", Court: "DAL",
			Start: time.Date(2027, 3, 1, 9, 30, 0, 0, chicago), Type: docket.TypeMaster, Medium: docket.MediumInternet,
			Address: "WebEx", Line: 25},
		{Key: "ev-8@office|20270401T140000Z", ANumber: "201555129", Court: "DAL",
			Start: time.Date(2027, 4, 2, 9, 0, 0, 0, chicago), Type: docket.TypeMaster, Line: 51},
	}
	if len(res.Records) != len(want) {
		t.Fatalf("got %d records %+v, want %d; rejects %v", len(res.Records), res.Records, len(want), res.Rejects)
	}
	for i := range want {
		got := res.Records[i]
		if !got.Start.Equal(want[i].Start) || got.Start.Location().String() != "America/Chicago" {
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
		{31, `unknown time zone "Mars/Olympus"`},
		{36, "no UID"},
		{46, "all-day"},
		{57, "malformed event"},
		{62, "no END:VEVENT"},
	}
	if len(res.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %v, want %d", res.Rejects, len(wantRejects))
	}
	if got, want := res.Rejects[0].ANumber, docket.ANumber("201555125"); got != want {
		t.Errorf("reject a-number = %q, want %q", got, want)
	}
	for i, w := range wantRejects {
		if got := res.Rejects[i]; got.Line != w.line || !strings.Contains(got.Reason, w.reason) || got.File != path {
			t.Errorf("reject %d = %v, want line %d with %q", i, got, w.line, w.reason)
		}
	}
}

func TestICSDefaultZoneAndPattern(t *testing.T) {
	cal := "BEGIN:VCALENDAR\nVERSION:2.0\n" +
		"BEGIN:VEVENT\nUID:1\nDTSTART;TZID=Mars/Olympus:20270301T083000\nDESCRIPTION:Case 201-555-123\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:2\nDTSTART:20270301T090000\nDESCRIPTION:Case 201555124\nEND:VEVENT\n" +
		"END:VCALENDAR\n"
	denver := mustLoad(t, "America/Denver")
	c := &ICS{Path: "office.ics", DefaultZone: denver, ANumberPattern: `Case ([\d-]+)`}
	res, err := collectICS(c, cal)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 2 || len(res.Rejects) != 0 {
		t.Fatalf("records %+v rejects %v, want 2 records", res.Records, res.Rejects)
	}
	for i, want := range []time.Time{time.Date(2027, 3, 1, 8, 30, 0, 0, denver), time.Date(2027, 3, 1, 9, 0, 0, 0,
		denver)} {
		if got := res.Records[i].Start; !got.Equal(want) {
			t.Errorf("record %d start = %v, want %v", i, got, want)
		}
	}
	if got, want := res.Records[0].ANumber, docket.ANumber("201555123"); got != want {
		t.Errorf("a-number = %s, want %s", got, want)
	}
}

func collectICS(c *ICS, text string) (Result, error) {
	var res Result
	err := c.Scan(context.Background(), []byte(text), func(r docket.SourceRecord) error {
		res.Records = append(res.Records, r)
		return nil
	}, func(e docket.RecordError) { res.Rejects = append(res.Rejects, e) })
	return res, err
}

func TestICSURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/office.ics":
			w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
			w.Write([]byte(officeCalendar))
		case "/login":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>Please sign in</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	res, err := Collect(context.Background(), &ICS{Path: srv.URL + "/office.ics", Court: "DAL", Zoner: testZones})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(res.Records), 4; got != want {
		t.Errorf("records = %d, want %d", got, want)
	}
	for path, want := range map[string]string{"/login": "not an iCalendar file", "/gone": "status 404"} {
		_, err := Collect(context.Background(), &ICS{Path: srv.URL + path})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v, want %q", path, err, want)
		}
	}
	if _, err := Collect(context.Background(), &ICS{Path: "office.ics", ANumberPattern: "("}); err == nil {
		t.Error("bad pattern: no error, want one")
	}
}

func FuzzICS(f *testing.F) {
	f.Add("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=America/Chicago:20270209T130000\r\n" +
		"SUMMARY:Master A201-555-123\r\nDESCRIPTION:https://eoir.webex.com/x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	f.Add("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20270101T000000\nSUMMARY:A201555123\nEND:VEVENT\n")
	f.Add("BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:VEVENT\nEND:VEVENT\nEND:VEVENT\nEND:VCALENDAR")
	f.Add("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID;X=\"a:b\nEND:VEVENT")
	f.Fuzz(func(t *testing.T, text string) {
		c := &ICS{Path: "fuzz.ics", Court: "DAL", Zoner: testZones, DefaultZone: time.UTC}
		res, err := collectICS(c, text)
		if err != nil {
			return
		}
		for _, r := range res.Records {
			if r.Key == "" || len(r.ANumber) != 9 || r.Start.IsZero() || r.Line < 1 {
				t.Fatalf("bad record %+v", r)
			}
		}
		for _, e := range res.Rejects {
			if e.Line < 1 || e.Reason == "" {
				t.Fatalf("bad reject %+v", e)
			}
		}
	})
}
