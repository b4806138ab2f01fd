package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// fakeClock drives the ACIS source's rate limit and Retry-After waits
// without sleeping.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.slept = append(c.slept, d)
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func sampleCaseInfo(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "acis_getcaseinfo_sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// envelope wraps a GetCaseInfo answer as eoir-api does.
func envelope(aNumber, acis string) string {
	return fmt.Sprintf(`{"a_number":%q,"nationality":{"code":"MX","name":"MEXICO"},`+
		`"retrieved_at":"2026-11-20T15:04:05Z","cached":false,"acis":%s}`, aNumber, acis)
}

// acisServer speaks the eoir-api wire format: each A-number gets a scripted
// list of answers, one per request, the last one repeating.
type acisServer struct {
	t       *testing.T
	clock   *fakeClock
	mu      sync.Mutex
	answers map[string][]func(w http.ResponseWriter)
	calls   map[string]int
	times   []time.Time
}

func (s *acisServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.times = append(s.times, s.clock.Now())
	if r.Header.Get("X-API-Key") != "secret" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	an, ok := strings.CutPrefix(r.URL.Path, "/api/cases/")
	if !ok || r.Method != http.MethodGet || r.URL.Query().Get("nationality") == "" {
		s.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	list := s.answers[an]
	if len(list) == 0 {
		s.t.Errorf("unexpected lookup of %s", docket.MaskANumber(an))
		w.WriteHeader(http.StatusNotFound)
		return
	}
	i := min(s.calls[an], len(list)-1)
	s.calls[an]++
	list[i](w)
}

func status(code int, header ...string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"detail":"status %d"}`, code)
	}
}

func body(s string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, s)
	}
}

// retryAt answers 503 with a Retry-After date d after the fake time of the request.
func retryAt(clock *fakeClock, d time.Duration) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		status(503, "Retry-After", clock.Now().Add(d).Format(http.TimeFormat))(w)
	}
}

func newACISTest(t *testing.T, clock *fakeClock, answers map[string][]func(http.ResponseWriter)) (*acisServer,
	*fakeClock, string) {
	if clock == nil {
		clock = &fakeClock{now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	}
	s := &acisServer{t: t, clock: clock, answers: answers, calls: map[string]int{}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, clock, srv.URL + "/api"
}

func TestACISLookups(t *testing.T) {
	sample := sampleCaseInfo(t)
	noSchedule := strings.Replace(sample, `"Schedule": {`, `"Schedule": null, "Old": {`, 1)
	clock := &fakeClock{now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	srv, _, url := newACISTest(t, clock, map[string][]func(http.ResponseWriter){
		"201555123": {body(envelope("201555123", sample))},
		"201555124": {status(429, "Retry-After", "7"), body(envelope("201555124",
			strings.ReplaceAll(noSchedule, "201555123", "201555124")))},
		"201555125": {retryAt(clock, 30*time.Second), status(404)},
		"201555126": {status(422)},
		"201555127": {body(`{"a_number":"201555127","acis":{"Data":`)},
		"201555128": {body(envelope("201555128", `{"message":"Invalid nationality code"}`))},
		"201555129": {body(envelope("201555129", `{"AlienNumber":"201555129","Data":{"ValidAlienNumber":false}}`))},
		"201555130": {status(502)},
		"201555131": {body(envelope("201555131", `{"message":"No case info found"}`))},
	})
	a := &ACIS{URL: url, APIKey: "secret", Zoner: testZones, Now: clock.Now, Sleep: clock.Sleep}
	for _, an := range []string{"A201-555-123", "201555124", "201555125", "201555126", "201555127", "201555128",
		"201555129", "201555130", "201555131", "12", "201555132"} {
		nat := "MX"
		if an == "201555132" {
			nat = ""
		}
		a.Cases = append(a.Cases, ACISCase{ANumber: an, Nationality: nat})
	}
	res, err := Collect(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}

	if len(res.Records) != 1 {
		t.Fatalf("records = %+v, want 1", res.Records)
	}
	chicago := mustLoad(t, "America/Chicago")
	want := docket.SourceRecord{Key: "201555123", ANumber: "201555123", CaseID: "71002233", Court: "DAL", Location: "DAL",
		Start: time.Date(2027, 2, 9, 13, 0, 0, 0, chicago), Type: docket.TypeIndividual, TypeCode: "I/II",
		Medium: docket.MediumInPerson, MediumCode: "P", Judge: "Example, Judge",
		WebEx:      "https://eoir.webex.com/meet/IJ.Example",
		Address:    "Dallas, Texas, 1100 Commerce Street, Suite 1060, Dallas, TX 75242",
		ClientName: "RAMIREZ SOTO, MARIO"}
	got := res.Records[0]
	if !got.Start.Equal(want.Start) || got.Start.Location().String() != "America/Chicago" {
		t.Errorf("start = %v, want %v", got.Start, want.Start)
	}
	got.Start, want.Start = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("record\n got %+v\nwant %+v", got, want)
	}

	wantRejects := map[string]string{
		"201555126": "unavailable (422)",
		"201555127": "JSON cut short",
		"201555128": `ACIS says "Invalid nationality code"`,
		"201555129": "not valid",
		"201555130": "(502)",
		"201555132": "no nationality",
		"":          "digits",
	}
	if len(res.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %v, want %d", res.Rejects, len(wantRejects))
	}
	for _, r := range res.Rejects {
		if w, ok := wantRejects[r.Key]; !ok || !strings.Contains(r.Reason, w) {
			t.Errorf("reject %+v, want key %s with %q", r, docket.MaskANumber(r.Key), w)
		}
		if r.Key != "" && strings.Contains(r.Error(), r.Key) {
			t.Errorf("reject message %q shows the A-number", r.Error())
		}
	}

	// Retry-After obeyed (7 s, then an HTTP date 30 s ahead), and lookups
	// never closer than the default rate allows.
	var sawSeven, sawThirty bool
	for _, d := range clock.slept {
		sawSeven = sawSeven || d == 7*time.Second
		sawThirty = sawThirty || d == 30*time.Second
	}
	if !sawSeven || !sawThirty {
		t.Errorf("slept %v, want 7s and 30s among them", clock.slept)
	}
	for i := 1; i < len(srv.times); i++ {
		if gap := srv.times[i].Sub(srv.times[i-1]); gap < 2*time.Second {
			t.Errorf("requests %d and %d %v apart, want at least 2s", i-1, i, gap)
		}
	}
	if got, want := srv.calls["201555124"], 2; got != want {
		t.Errorf("lookups of the 429 case = %d, want %d", got, want)
	}
}

func TestACISRunErrors(t *testing.T) {
	tests := []struct {
		name    string
		answers []func(http.ResponseWriter)
		cases   int
		key     string
		maxWait time.Duration
		want    string
	}{
		{"429 forever", []func(http.ResponseWriter){status(429, "Retry-After", "1")}, 1, "secret", 0,
			"still 429 after 3 retries"},
		{"503 asks too long", []func(http.ResponseWriter){status(503, "Retry-After", "3600")}, 1, "secret",
			time.Minute, "asks to wait 1h0m0s"},
		{"ACIS down", []func(http.ResponseWriter){status(502)}, 5, "secret", 0, "3 upstream failures"},
		{"bad key", []func(http.ResponseWriter){status(200)}, 1, "wrong", 0, "api key refused (401)"},
		{"500", []func(http.ResponseWriter){status(500)}, 1, "secret", 0, "service error 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := map[string][]func(http.ResponseWriter){}
			a := &ACIS{APIKey: tt.key, Zoner: testZones, MaxWait: tt.maxWait}
			for i := range tt.cases {
				an := fmt.Sprintf("2015551%02d", i)
				answers[an] = tt.answers
				a.Cases = append(a.Cases, ACISCase{ANumber: an, Nationality: "MX"})
			}
			_, clock, url := newACISTest(t, nil, answers)
			a.URL, a.Now, a.Sleep = url, clock.Now, clock.Sleep
			_, err := Collect(context.Background(), a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "201555100") {
				t.Errorf("error %q shows an A-number", err)
			}
		})
	}
}

func TestACISUnreachableAndCancelled(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	a := &ACIS{URL: url, Cases: []ACISCase{{"201555123", "MX"}}, Zoner: testZones}
	_, err := Collect(context.Background(), a)
	if err == nil || !strings.Contains(err.Error(), "unreachable") || strings.Contains(err.Error(), "201555123") {
		t.Errorf("error = %v, want unreachable without the A-number", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestACISDir(t *testing.T) {
	sample := sampleCaseInfo(t)
	dir := t.TempDir()
	files := map[string]string{
		"a-bare.json": sample,
		"b-envelope.json": envelope("201555124", strings.ReplaceAll(strings.ReplaceAll(sample, "201555123", "201555124"),
			"71002233", "71002234")),
		"c-broken.json":    `{"AlienNumber": "201555125", "Schedule": {"AdjDate": 5}}`,
		"d-duplicate.json": sample,
		"e-none.json":      `{"AlienNumber": "201555126", "Data": {"ValidAlienNumber": true}, "Schedule": null}`,
		"f-badtime.json": strings.ReplaceAll(strings.ReplaceAll(sample, "201555123", "201555127"), `"1:00 PM"`,
			`"soon"`),
		"notes.txt": "not json",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The lookup service must not be asked about the A-number a file answered.
	_, clock, url := newACISTest(t, nil, map[string][]func(http.ResponseWriter){"201555128": {status(404)}})
	a := &ACIS{Dir: dir, URL: url, APIKey: "secret", Zoner: testZones, Now: clock.Now, Sleep: clock.Sleep,
		Cases: []ACISCase{{"201555123", "MX"}, {"201555128", "MX"}}}
	res, err := Collect(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range res.Records {
		keys = append(keys, r.Key)
	}
	if got, want := strings.Join(keys, ","), "201555123,201555124"; got != want {
		t.Errorf("keys = %s, want %s", got, want)
	}
	wantRejects := map[string]string{
		"c-broken.json":    "field Schedule.AdjDate should be string",
		"d-duplicate.json": "same case as",
		"f-badtime.json":   "not a time of day",
	}
	if len(res.Rejects) != len(wantRejects) {
		t.Fatalf("rejects = %v, want %d", res.Rejects, len(wantRejects))
	}
	for _, r := range res.Rejects {
		if w := wantRejects[filepath.Base(r.File)]; w == "" || !strings.Contains(r.Reason, w) {
			t.Errorf("reject %v, want %q", r, w)
		}
	}

	if _, err := Collect(context.Background(), &ACIS{Dir: filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing folder: no error, want one")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 0 ", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"", -1},
		{"-5", -1},
		{"soon", -1},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func FuzzACISJSON(f *testing.F) {
	short := `{"AlienNumber":"201555123","Data":{"ValidAlienNumber":true,"CaseID":7},` +
		`"Proceeding":{"BaseCityCode":"DAL"},"Schedule":{"AdjDate":"2027-02-09T00:00:00","AdjTime":"1:00 PM",` +
		`"CalType":"I","ScheduleType":"II","HearingMedium":"P","HearingLocationAddress":"A ST|DALLAS, TX 75242"}}`
	f.Add(short)
	f.Add(envelope("201555123", short))
	f.Add(`{"message":"No case info found"}`)
	f.Add(`{"acis":null}`)
	f.Add(`{"AlienNumber":201555123,"Data":{"CaseID":"x"},"Proceeding":{"BaseCityCode":"ELP"},` +
		`"Schedule":{"AdjDate":"2027-13-01T00:00:00","AdjTime":"1:00 PM"}}`)
	f.Add(`[1,2]`)
	f.Fuzz(func(t *testing.T, data string) {
		an, recs, err := parseCaseInfo([]byte(data), "", newZoneCache(testZones))
		if err != nil {
			if recs != nil {
				t.Fatalf("records %v with error %v", recs, err)
			}
			return
		}
		if len(recs) > 1 {
			t.Fatalf("%d records, want at most 1", len(recs))
		}
		for _, r := range recs {
			if r.Key != string(an) || len(r.ANumber) != 9 || r.Start.IsZero() || r.Type == "" {
				t.Fatalf("bad record %+v", r)
			}
		}
	})
}
