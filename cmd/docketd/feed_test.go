package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/store"
)

// feedFixture is the example config applied to a real SQLite store, with the feed handler served over HTTP.
type feedFixture struct {
	t     *testing.T
	path  string
	db    *store.DB
	o     *assembly.Office
	cfg   atomic.Pointer[config.Config]
	now   atomic.Int64 // unix nanoseconds; the handler's clock and the version cache's
	src   *feed.Service
	srv   *httptest.Server
	mu    sync.Mutex
	files []string // every feed served or exported, for ical.js
}

var feedT0 = time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)

func newFeedFixture(t *testing.T) *feedFixture {
	t.Helper()
	dir := t.TempDir()
	f := &feedFixture{t: t, path: testConfig(t, dir, nil)}
	f.now.Store(feedT0.UnixNano())
	cfg, err := loadConfig(f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg.Store(cfg)
	f.o, err = assembly.Open(context.Background(), f.cfg.Load, assembly.Options{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.o.Close() })
	f.db, f.src = f.o.DB, f.o.Feeds
	h := f.src.Handler()
	h.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedFixture) clock() time.Time { return time.Unix(0, f.now.Load()).UTC() }

func (f *feedFixture) advance(d time.Duration) { f.now.Add(int64(d)) }

// apply does what the daemon does with a config: load it into the store.
func (f *feedFixture) apply(cfg *config.Config) {
	f.t.Helper()
	if _, err := f.o.ApplyConfig(context.Background(), cfg); err != nil {
		f.t.Fatal(err)
	}
}

// edit rewrites the config file and applies it, as a reload would.
func (f *feedFixture) edit(old, new string) {
	f.t.Helper()
	src, err := os.ReadFile(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	if !bytes.Contains(src, []byte(old)) {
		f.t.Fatalf("config lacks %q", old)
	}
	if err := os.WriteFile(f.path, bytes.Replace(src, []byte(old), []byte(new), 1), 0o600); err != nil {
		f.t.Fatal(err)
	}
	cfg, err := loadConfig(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.apply(cfg)
	f.cfg.Store(cfg)
}

// cli runs a docketd command against the fixture's config.
func (f *feedFixture) cli(args ...string) (stdout, stderr string, err error) {
	e, out, errb := testEnv()
	e.now = f.clock
	err = e.dispatch(context.Background(), append(args, "--config", f.path))
	return out.String(), errb.String(), err
}

var grantRE = regexp.MustCompile(`Feed (\d+) for (\S+):\n  (http://\S+\.ics)\n  (webcal://\S+\.ics)\n`)

// grant runs `feed grant` and returns the feed's id and URL.
func (f *feedFixture) grant(args ...string) (id, url string) {
	f.t.Helper()
	out, errOut, err := f.cli(append([]string{"feed", "grant"}, args...)...)
	if err != nil {
		f.t.Fatalf("feed grant %v: %v\n%s", args, err, errOut)
	}
	m := grantRE.FindStringSubmatch(out)
	if m == nil {
		f.t.Fatalf("feed grant %v printed no URL:\n%s", args, out)
	}
	if got, want := m[4], "webcal://"+strings.TrimPrefix(m[3], "http://"); got != want {
		f.t.Errorf("webcal URL: got %s, want %s", got, want)
	}
	if !strings.Contains(errOut, "secret") || !strings.Contains(errOut, "docketd feed revoke "+m[1]) {
		f.t.Errorf("feed grant does not warn that the URL is a secret:\n%s", errOut)
	}
	return m[1], m[3]
}

type feedResponse struct {
	status int
	etag   string
	ctype  string
	body   []byte
}

// get fetches a granted feed URL from the test server, conditionally when etag is set.
func (f *feedFixture) get(feedURL, etag string) feedResponse {
	f.t.Helper()
	path := strings.TrimPrefix(feedURL, f.cfg.Load().HTTP.PublicURL)
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "identity")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	r := feedResponse{status: resp.StatusCode, etag: resp.Header.Get("ETag"), ctype: resp.Header.Get("Content-Type"),
		body: body}
	if r.status == http.StatusOK {
		f.keep(body, "")
		f.keep(f.gzipped(req, body), ".gz")
	}
	return r
}

// gzipped fetches req again as gzip, which the handler compresses block by block, and checks that Go's decoder
// gives back the plain body; the file kept is decoded by zlib too (check.mjs).
func (f *feedFixture) gzipped(req *http.Request, plain []byte) []byte {
	f.t.Helper()
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Del("If-None-Match")
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	gz, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		f.t.Fatalf("gzip fetch: status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		f.t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, plain) {
		f.t.Fatalf("the gzip feed decodes to %d bytes (%v), want the plain feed's %d", len(got), err, len(plain))
	}
	return gz
}

// keep writes a rendered feed to a file for ical.js; ext ".gz" marks its gzip encoding.
func (f *feedFixture) keep(body []byte, ext string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	name := filepath.Join(f.t.TempDir(), fmt.Sprintf("feed-%d.ics%s", len(f.files), ext))
	if err := os.WriteFile(name, body, 0o600); err != nil {
		f.t.Fatal(err)
	}
	f.files = append(f.files, name)
}

// checkICalJS parses every kept feed with Mozilla's ical.js when DOCKETD_ICALJS_DIR names a directory where
// `npm install ical.js` was run (.ci/icaljs.sh does that).
func (f *feedFixture) checkICalJS() {
	f.t.Helper()
	dir := os.Getenv("DOCKETD_ICALJS_DIR")
	if dir == "" || len(f.files) == 0 {
		return
	}
	script, err := filepath.Abs("../../feed/testdata/icaljs/check.mjs")
	if err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command("node", append([]string{script}, f.files...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DOCKETD_ICALJS_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Errorf("ical.js rejects a served feed: %v\n%s", err, out)
	}
}

// events decodes a feed with go-ical and returns its events.
func events(t *testing.T, body []byte) []ical.Event {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("decode feed: %v\n%s", err, body)
	}
	return cal.Events()
}

func text(ev ical.Event, name string) string {
	p := ev.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		return p.Value
	}
	return s
}

// eventOf returns the one hearing event whose description mentions s (a filing deadline's event names its
// hearing's clients too).
func eventOf(t *testing.T, evs []ical.Event, s string) ical.Event {
	t.Helper()
	var found []ical.Event
	for _, ev := range evs {
		if strings.HasPrefix(text(ev, ical.PropUID), "hearing-") && strings.Contains(text(ev, ical.PropDescription), s) {
			found = append(found, ev)
		}
	}
	if len(found) != 1 {
		t.Fatalf("events mentioning %q: got %d, want 1", s, len(found))
	}
	return found[0]
}

func TestFeedGrantServeMoveRevoke(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	chicago, _ := time.LoadLocation("America/Chicago")

	// Rosa's first reminder went out and she confirmed by text: counsel's feed says so.
	hs, err := f.db.Hearings(ctx, docket.HearingFilter{ClientID: "rosa-mendoza"})
	if err != nil || len(hs) != 1 {
		t.Fatalf("Rosa's hearings: got %d, %v", len(hs), err)
	}
	confirmed := time.Date(2028, 2, 1, 16, 5, 0, 0, time.UTC)
	if _, err := f.db.PlanOutbox(ctx, []docket.Reminder{{HearingID: hs[0].ID, Recipient: "client",
		RecipientID: "rosa-mendoza", Channel: "sms", Address: "+12145550142", Kind: docket.KindReminder,
		Policy: "client-text", Offset: "7d", DedupeKey: "rosa-7d", Due: time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC),
		State: docket.StateDelivered, ConfirmedAt: &confirmed}}); err != nil {
		t.Fatal(err)
	}

	lfID, lfURL := f.grant("attorney:lfernandez", "--label", "Lucía's phone")
	_, orgURL := f.grant("--label", "front desk", "org")
	_, okURL := f.grant("attorney:dokafor")

	first := f.get(lfURL, "")
	if got, want := first.status, http.StatusOK; got != want {
		t.Fatalf("GET: got %d, want %d\n%s", got, want, first.body)
	}
	if got, want := first.ctype, "text/calendar; charset=utf-8"; got != want {
		t.Errorf("content type: got %q, want %q", got, want)
	}
	if first.etag == "" {
		t.Error("no ETag")
	}
	evs := events(t, first.body)
	if got, want := len(evs), 8; got != want {
		t.Fatalf("Lucía's events: got %d, want 8 (the Mendoza family's hearings and their filing deadlines)", got)
	}
	rosa := eventOf(t, evs, "A201-555-101")
	desc := text(rosa, ical.PropDescription)
	for _, want := range []string{"Rosa María Mendoza López", "+12145550142", "Spanish", "Judge: Example, Judge",
		"Counsel: Lucía Fernández, +12145550111", "SMS · client · Tue 1 Feb 10:00 AM CST · delivered",
		"Confirmation: confirmed by the client by text on Tue 1 Feb 2028, 10:05 AM CST",
		"Dallas Immigration Court (DAL)", "1100 Commerce Street, Suite 1060, Dallas, TX"} {
		if !strings.Contains(desc, want) {
			t.Errorf("description lacks %q:\n%s", want, desc)
		}
	}
	start, err := rosa.DateTimeStart(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago); !start.Equal(want) || start.Location().String() != "America/Chicago" {
		t.Errorf("DTSTART: got %v, want %v in America/Chicago", start, want)
	}
	end, _ := rosa.DateTimeEnd(nil)
	if got, want := end.Sub(start), 2*time.Hour; got != want {
		t.Errorf("master hearing length: got %v, want %v (feeds.durations.master)", got, want)
	}
	if got, want := rosa.Props.Get(ical.PropSequence).Value, "0"; got != want {
		t.Errorf("SEQUENCE: got %s, want %s", got, want)
	}

	if got, want := f.get(lfURL, first.etag).status, http.StatusNotModified; got != want {
		t.Errorf("GET with If-None-Match: got %d, want %d", got, want)
	}
	org := f.get(orgURL, "")
	if got, want := len(events(t, org.body)), 15; got != want { // 7 hearings, 8 filing deadlines
		t.Errorf("org events: got %d, want %d", got, want)
	}
	ok := f.get(okURL, "")
	if got, want := len(events(t, ok.body)), 7; got != want { // 3 hearings (the WhatsApp and voice clients' too), 4 deadlines
		t.Errorf("David's events: got %d, want %d", got, want)
	}

	// Rosa's hearing moves (a config reload, which bumps the feeds): same event, higher SEQUENCE, new ETag.
	f.edit(`start = "2028-02-08 08:30"`, `start = "2028-02-09 13:00"`)
	f.src.Bump()
	moved := f.get(lfURL, first.etag)
	if got, want := moved.status, http.StatusOK; got != want {
		t.Fatalf("GET after the move: got %d, want %d", got, want)
	}
	if moved.etag == first.etag {
		t.Error("ETag unchanged after the move")
	}
	rosa2 := eventOf(t, events(t, moved.body), "A201-555-101")
	if got, want := text(rosa2, ical.PropUID), text(rosa, ical.PropUID); got != want {
		t.Errorf("UID after the move: got %s, want %s", got, want)
	}
	if got, want := rosa2.Props.Get(ical.PropSequence).Value, "1"; got != want {
		t.Errorf("SEQUENCE after the move: got %s, want %s", got, want)
	}
	if start, _ := rosa2.DateTimeStart(nil); !start.Equal(time.Date(2028, 2, 9, 13, 0, 0, 0, chicago)) {
		t.Errorf("DTSTART after the move: got %v", start)
	}
	// David's feed shows nothing that changed: same bytes, so still 304.
	if got, want := f.get(okURL, ok.etag).status, http.StatusNotModified; got != want {
		t.Errorf("untouched feed after the move: got %d, want %d", got, want)
	}

	// A change made by another process (no bump) shows once the version cache expires.
	f.edit(`start = "2028-04-11 09:00"`, `start = "2028-04-11 10:30"`)
	f.advance(feed.VersionTTL)
	ok2 := f.get(okURL, ok.etag)
	if got, want := ok2.status, http.StatusOK; got != want {
		t.Fatalf("GET after another process moved the hearing: got %d, want %d", got, want)
	}
	if got, want := eventOf(t, events(t, ok2.body), "A208-555-310").Props.Get(ical.PropSequence).Value, "1"; got != want {
		t.Errorf("SEQUENCE: got %s, want %s", got, want)
	}

	// Revocation works at once and looks like any unknown URL.
	if out, _, err := f.cli("feed", "revoke", lfID); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("feed revoke: %v\n%s", err, out)
	}
	gone := f.get(lfURL, "")
	token, _ := feed.NewToken()
	never := f.get(f.cfg.Load().HTTP.PublicURL+feed.PathPrefix+token+".ics", "")
	if gone.status != http.StatusNotFound || gone.status != never.status || !bytes.Equal(gone.body, never.body) {
		t.Errorf("revoked feed: got %d %q, want the 404 of a URL never granted (%d %q)", gone.status, gone.body,
			never.status, never.body)
	}

	// The list shows labels and use, never the tokens.
	tokens := []string{path.Base(lfURL), path.Base(orgURL), path.Base(okURL)}
	out, _, err := f.cli("feed", "list", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list []feedTokenJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("feed list json: %v\n%s", err, out)
	}
	if len(list) != 3 {
		t.Fatalf("feed list: got %d feeds, want 3", len(list))
	}
	if got, want := list[0].Label+" "+list[0].Scope, "Lucía's phone attorney:lfernandez"; got != want {
		t.Errorf("first feed: got %q, want %q", got, want)
	}
	if list[0].RevokedAt == nil || list[0].LastUsedAt == nil || list[1].RevokedAt != nil {
		t.Errorf("revoked and last used: got %+v", list)
	}
	table, _, err := f.cli("feed", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table, "front desk") || !strings.Contains(table, "attorney:dokafor") {
		t.Errorf("feed list table lacks a feed:\n%s", table)
	}
	for _, tok := range tokens {
		tok = strings.TrimSuffix(tok, ".ics")
		if strings.Contains(out+table, tok) {
			t.Errorf("feed list prints a token")
		}
	}

	// Export writes the same calendar to standard output, at the chosen detail.
	exp, _, err := f.cli("feed", "export", "client:rosa-mendoza", "--detail", "initials")
	if err != nil {
		t.Fatal(err)
	}
	f.keep([]byte(exp), "")
	evs = events(t, []byte(exp))
	if len(evs) != 1 || !strings.Contains(text(evs[0], ical.PropSummary), "R.M.M.L.") ||
		strings.Contains(exp, "Rosa") || strings.Contains(exp, "555-101") {
		t.Errorf("initials export: got\n%s", exp)
	}
	f.checkICalJS()
}

func TestFeedKeepsPastAndCancelledForTheirWindows(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	cfg := f.cfg.Load()
	org := feed.Feed{Scope: "org", Detail: feed.DetailFull}
	elpStart := time.Date(2028, 4, 11, 15, 0, 0, 0, time.UTC) // 9:00 MDT
	keepPast := cfg.Feeds.KeepPast.D

	// Renaming the El Paso hearing's id in the file cancels the old one (missing on the first pass, cancelled on
	// the next) and creates a new one at the same time.
	f.edit(`id = "tesfaye-individual"`, `id = "tesfaye-individual-2"`)
	f.apply(f.cfg.Load())
	cancelledAt := f.clock()

	tests := []struct {
		name      string
		now       time.Time
		cancelled bool // the cancelled El Paso hearing is still shown
		events    int
		expires   time.Time
	}{
		{"just cancelled", cancelledAt, true, 8, cancelledAt.Add(cfg.Feeds.KeepCancelled.D)},
		{"cancellation aged out", cancelledAt.Add(cfg.Feeds.KeepCancelled.D), false, 7,
			time.Date(2028, 2, 8, 16, 30, 0, 0, time.UTC).Add(keepPast)}, // Mendoza: 8:30 CST + 2h
		{"all past but kept", elpStart.Add(24 * time.Hour), false, 7, time.Date(2028, 2, 8, 16, 30, 0, 0, time.UTC).Add(keepPast)},
		{"everything aged out", elpStart.Add(4*time.Hour + keepPast), false, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := f.src.Calendar(ctx, org, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			cancelled := false
			for _, h := range cal.Hearings {
				if h.Status == docket.StatusCancelled {
					cancelled = true
				}
			}
			if got, want := len(cal.Hearings), tt.events; got != want {
				t.Errorf("hearings: got %d, want %d", got, want)
			}
			if got, want := cancelled, tt.cancelled; got != want {
				t.Errorf("cancelled hearing shown: got %v, want %v", got, want)
			}
			if got, want := cal.Expires, tt.expires; !got.Equal(want) {
				t.Errorf("expires: got %v, want %v", got, want)
			}
			if cal.Modified.After(tt.now) {
				t.Errorf("modified %v is after now %v", cal.Modified, tt.now)
			}
			var buf bytes.Buffer
			if err := feed.Render(&buf, cal); err != nil {
				t.Fatal(err)
			}
			f.keep(buf.Bytes(), "")
		})
	}
	f.checkICalJS()
}

func TestFeedCommandUsage(t *testing.T) {
	f := newFeedFixture(t)
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"feed"}, exitUsage},
		{[]string{"feed", "subscribe"}, exitUsage},
		{[]string{"feed", "grant"}, exitUsage},
		{[]string{"feed", "grant", "org", "attorney:dokafor"}, exitUsage},
		{[]string{"feed", "grant", "planet:mars"}, exitUsage},
		{[]string{"feed", "grant", "attorney:"}, exitUsage},
		{[]string{"feed", "grant", "attorney:nobody"}, exitUsage},
		{[]string{"feed", "grant", "client:nobody"}, exitUsage},
		{[]string{"feed", "grant", "court:ZZZ"}, exitUsage},
		{[]string{"feed", "grant", "court:elp", "--label", "El Paso watch"}, exitOK},
		{[]string{"feed", "grant", "client:samuel-tesfaye"}, exitOK},
		{[]string{"feed", "list", "--format", "xml"}, exitUsage},
		{[]string{"feed", "revoke"}, exitUsage},
		{[]string{"feed", "revoke", "first"}, exitUsage},
		{[]string{"feed", "revoke", "999"}, exitFailure},
		{[]string{"feed", "export", "org", "--detail", "everything"}, exitUsage},
		{[]string{"feed", "export", "org", "--now", "soon"}, exitUsage},
		{[]string{"feed", "export", "court:DAL"}, exitOK},
		{[]string{"feed", "grant", "--help"}, exitOK},
	}
	for _, tt := range tests {
		_, _, err := f.cli(tt.args...)
		if got, want := exitCode(err), tt.code; got != want {
			t.Errorf("%v: exit %d, want %d (%v)", tt.args, got, want, err)
		}
	}
	out, _, err := f.cli("feed", "list")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "court:ELP") || !strings.Contains(out, "El Paso watch") {
		t.Errorf("court scope is not stored upper-cased with its label:\n%s", out)
	}
}

func TestDemoFeedsOnlyOnTheDemoDatabaseAndOnlyOnce(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	if urls, err := demoFeeds(ctx, f.db, f.cfg.Load()); err != nil || urls != nil {
		t.Fatalf("another database: got %v, %v; want nothing", urls, err)
	}
	demo := *f.cfg.Load()
	demo.Database.URL = demoDatabaseURL
	urls, err := demoFeeds(ctx, f.db, &demo)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(urls), 3; got != want {
		t.Fatalf("demo feeds: got %d, want %d (org and two attorneys)", got, want)
	}
	// org, then attorneys by id: dokafor, lfernandez; each hearing with its filing deadlines.
	for i, want := range []int{15, 7, 8} {
		r := f.get(urls[i][strings.LastIndex(urls[i], " ")+1:], "")
		if r.status != http.StatusOK {
			t.Fatalf("demo feed %d: got %d", i, r.status)
		}
		if got := len(events(t, r.body)); got != want {
			t.Errorf("demo feed %d: got %d events, want %d", i, got, want)
		}
	}
	if again, err := demoFeeds(ctx, f.db, &demo); err != nil || again != nil {
		t.Errorf("second start: got %v, %v; want nothing", again, err)
	}
	tokens, _ := f.db.FeedTokens(ctx)
	if got, want := tokens[0].Scope+" "+tokens[0].Label, "org every hearing of the office"; got != want {
		t.Errorf("first demo feed: got %q, want %q", got, want)
	}
	f.checkICalJS()
}

func TestInviteMatchesTheFeedEvent(t *testing.T) {
	f := newFeedFixture(t)
	ctx := context.Background()
	hs, err := f.db.Hearings(ctx, docket.HearingFilter{ClientID: "samuel-tesfaye"})
	if err != nil || len(hs) != 1 {
		t.Fatalf("hearings: got %d, %v", len(hs), err)
	}
	cal, err := f.src.Calendar(ctx, feed.Feed{Scope: "client:samuel-tesfaye"}, f.clock())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := feed.Render(&buf, cal); err != nil {
		t.Fatal(err)
	}
	feedEvent := events(t, buf.Bytes())[0]

	invite := f.src.Invite
	for _, method := range []string{"REQUEST", "CANCEL"} {
		inv, err := invite(hs[0], method)
		if err != nil {
			t.Fatal(err)
		}
		f.keep(inv.Data, "")
		if got, want := inv.Method, method; got != want {
			t.Errorf("method: got %s, want %s", got, want)
		}
		c, err := ical.NewDecoder(bytes.NewReader(inv.Data)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := c.Props.Get(ical.PropMethod).Value, method; got != want {
			t.Errorf("METHOD: got %s, want %s", got, want)
		}
		ev := c.Events()[0]
		for _, p := range []string{ical.PropUID, ical.PropSequence, ical.PropDateTimeStart, ical.PropLocation} {
			if got, want := ev.Props.Get(p).Value, feedEvent.Props.Get(p).Value; got != want {
				t.Errorf("%s %s: got %s, want the feed's %s", method, p, got, want)
			}
		}
		if got, want := ev.Props.Get(ical.PropAttendee).Value, "mailto:dokafor@frontera-legal.example"; got != want {
			t.Errorf("ATTENDEE: got %s, want %s", got, want)
		}
		if got, want := ev.Props.Get(ical.PropOrganizer).Value, "mailto:docket@frontera-legal.example"; got != want {
			t.Errorf("ORGANIZER: got %s, want %s", got, want)
		}
	}
	noCounsel := hs[0]
	noCounsel.Attorneys = nil
	if _, err := invite(noCounsel, "REQUEST"); err == nil {
		t.Error("invite without counsel: got nil error")
	}
	f.checkICalJS()
}
