package feed

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource is an in-memory store that counts what the handler asks of it.
type fakeSource struct {
	mu       sync.Mutex
	feeds    map[string]Feed // by hex token hash
	hearings []Hearing
	tag      int
	modified time.Time
	expires  time.Time
	calErr   error

	calendarCalls int
	touches       []time.Time
}

func (s *fakeSource) FeedByTokenHash(_ context.Context, hash []byte) (Feed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.feeds[hex.EncodeToString(hash)]
	if !ok {
		return Feed{}, ErrUnknownFeed
	}
	return f, nil
}

func (s *fakeSource) Version(context.Context, string) (Version, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Version{Tag: strconv.Itoa(s.tag), Modified: s.modified}, nil
}

func (s *fakeSource) Calendar(_ context.Context, f Feed, _ time.Time) (Calendar, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calendarCalls++
	if s.calErr != nil {
		return Calendar{}, s.calErr
	}
	return Calendar{
		Options:  Options{},
		Name:     "Feed " + f.Scope,
		Hearings: append([]Hearing(nil), s.hearings...),
		Expires:  s.expires,
	}, nil
}

func (s *fakeSource) Touch(_ context.Context, _ string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.touches = append(s.touches, at)
	return nil
}

// change edits the data the way the store would: new content, new version.
func (s *fakeSource) change(at time.Time, edit func(hs []Hearing) []Hearing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hearings = edit(s.hearings)
	s.tag++
	s.modified = at
}

func (s *fakeSource) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calendarCalls
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type feedTest struct {
	src    *fakeSource
	clock  *fakeClock
	srv    *httptest.Server
	client *http.Client
	token  string
}

func newFeedTest(t *testing.T) *feedTest {
	t.Helper()
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{
		feeds: map[string]Feed{
			hex.EncodeToString(HashToken(token)): {ID: "7", TokenHash: HashToken(token), Scope: "attorney:1", Detail: DetailFull},
		},
		hearings: testHearings(t),
		tag:      1,
		modified: time.Date(2026, 2, 27, 22, 15, 0, 0, time.UTC),
	}
	clock := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	h := NewHandler(src)
	h.Now = clock.Now
	mux := http.NewServeMux()
	mux.Handle(PathPrefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	// No transparent gzip, so the tests see the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	t.Cleanup(client.CloseIdleConnections)
	return &feedTest{src: src, clock: clock, srv: srv, client: client, token: token}
}

func (ft *feedTest) url() string { return ft.srv.URL + PathPrefix + ft.token + ".ics" }

func (ft *feedTest) do(t *testing.T, method, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := ft.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestHandlerServesAndRevalidates(t *testing.T) {
	ft := newFeedTest(t)
	resp, body := ft.do(t, "GET", ft.url())
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Content-Type":  "text/calendar; charset=utf-8",
		"Vary":          "Accept-Encoding",
		"Cache-Control": "private, no-cache",
		"Last-Modified": "Fri, 27 Feb 2026 22:15:00 GMT",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Errorf("ETag %q is not a strong tag", etag)
	}
	var want bytes.Buffer
	cal := Calendar{Options: Options{Detail: DetailFull}, Name: "Feed attorney:1", Hearings: testHearings(t)}
	if err := renderTree(&want, cal); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want.Bytes()) {
		t.Errorf("body is not the rendered feed")
	}

	// Polls of unchanged data: same ETag, no new rendering, 304 when asked.
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"plain", nil, 200},
		{"if-none-match", []string{"If-None-Match", etag}, 304},
		{"if-none-match list", []string{"If-None-Match", `"nope", ` + etag}, 304},
		{"if-none-match weak", []string{"If-None-Match", "W/" + etag}, 304},
		{"if-none-match star", []string{"If-None-Match", "*"}, 304},
		{"if-none-match other", []string{"If-None-Match", `"other"`}, 200},
		{"if-modified-since equal", []string{"If-Modified-Since", "Fri, 27 Feb 2026 22:15:00 GMT"}, 304},
		{"if-modified-since later", []string{"If-Modified-Since", "Sat, 28 Feb 2026 00:00:00 GMT"}, 304},
		{"if-modified-since earlier", []string{"If-Modified-Since", "Fri, 27 Feb 2026 22:14:59 GMT"}, 200},
		{"if-none-match wins", []string{"If-None-Match", `"other"`, "If-Modified-Since", "Sat, 28 Feb 2026 00:00:00 GMT"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := ft.do(t, "GET", ft.url(), tt.header...)
			if resp.StatusCode != tt.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if got := resp.Header.Get("ETag"); got != etag {
				t.Errorf("ETag %q, want unchanged %q", got, etag)
			}
			if tt.want == 304 && len(body) != 0 {
				t.Errorf("304 with a body of %d bytes", len(body))
			}
		})
	}
	if got, want := ft.src.calls(), 1; got != want {
		t.Errorf("Calendar loaded %d times for unchanged data, want %d", got, want)
	}
}

func TestHandlerChangeGivesNewETagAndSequence(t *testing.T) {
	ft := newFeedTest(t)
	resp, _ := ft.do(t, "GET", ft.url())
	oldTag, oldLM := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")

	ft.clock.Advance(time.Hour)
	moved := ft.clock.Now()
	ft.src.change(moved, func(hs []Hearing) []Hearing {
		hs[0].Start = hs[0].Start.AddDate(0, 0, 7)
		hs[0].Sequence++
		hs[0].Updated = moved
		return hs
	})
	resp, body := ft.do(t, "GET", ft.url(), "If-None-Match", oldTag)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d after a change, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("ETag"); got == oldTag {
		t.Errorf("ETag unchanged after the hearing moved")
	}
	if !bytes.Contains(body, []byte("SEQUENCE:2\r\nSTATUS:CONFIRMED\r\nSUMMARY:Master calendar hearing: María José")) {
		t.Errorf("moved hearing does not show SEQUENCE:2")
	}
	if !bytes.Contains(body, []byte("DTSTART;TZID=America/Chicago:20260317T083000")) {
		t.Errorf("moved hearing does not show its new start")
	}
	lm, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
	old, _ := http.ParseTime(oldLM)
	if !lm.After(old) || !lm.Equal(moved) {
		t.Errorf("Last-Modified %v, want %v (after %v)", lm, moved, old)
	}
}

func TestHandlerLastModifiedNeverGoesBack(t *testing.T) {
	ft := newFeedTest(t)
	resp, _ := ft.do(t, "GET", ft.url())
	first, _ := http.ParseTime(resp.Header.Get("Last-Modified"))

	// A deletion the store dates with an older time still changes the bytes.
	ft.clock.Advance(time.Hour)
	ft.src.change(first.Add(-48*time.Hour), func(hs []Hearing) []Hearing { return hs[1:] })
	resp, _ = ft.do(t, "GET", ft.url(), "If-Modified-Since", resp.Header.Get("Last-Modified"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200 for changed bytes", resp.StatusCode)
	}
	got, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
	if !got.After(first) {
		t.Errorf("Last-Modified %v, want later than %v", got, first)
	}
}

func TestHandlerExpiresRendersAgain(t *testing.T) {
	ft := newFeedTest(t)
	ft.src.expires = ft.clock.Now().Add(30 * time.Minute)
	resp, _ := ft.do(t, "GET", ft.url())
	etag := resp.Header.Get("ETag")
	ft.do(t, "GET", ft.url())
	if got, want := ft.src.calls(), 1; got != want {
		t.Fatalf("Calendar loaded %d times before expiry, want %d", got, want)
	}
	ft.clock.Advance(31 * time.Minute)
	resp, _ = ft.do(t, "GET", ft.url(), "If-None-Match", etag)
	if got, want := ft.src.calls(), 2; got != want {
		t.Errorf("Calendar loaded %d times after expiry, want %d", got, want)
	}
	if resp.StatusCode != 304 {
		t.Errorf("status %d, want 304 when re-rendering gave the same bytes", resp.StatusCode)
	}
}

func TestHandlerGzip(t *testing.T) {
	ft := newFeedTest(t)
	plainResp, plain := ft.do(t, "GET", ft.url())
	tests := []struct {
		accept string
		gz     bool
	}{
		{"gzip", true},
		{"deflate, gzip;q=0.5", true},
		{"x-gzip", true},
		{"*", true},
		{"gzip;q=0", false},
		{"br, deflate", false},
		{"*;q=0", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			resp, body := ft.do(t, "GET", ft.url(), "Accept-Encoding", tt.accept)
			if got := resp.Header.Get("Content-Encoding") == "gzip"; got != tt.gz {
				t.Fatalf("gzip %v, want %v", got, tt.gz)
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s, body %d", got, len(body))
			}
			if !tt.gz {
				return
			}
			if got, plainTag := resp.Header.Get("ETag"), plainResp.Header.Get("ETag"); got == plainTag || !strings.HasSuffix(got, `-gz"`) {
				t.Errorf("gzip ETag %q, want a -gz variant of %q", got, plainTag)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			unz, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(unz, plain) {
				t.Errorf("gunzipped body differs from the plain one")
			}
			again, _ := ft.do(t, "GET", ft.url(), "Accept-Encoding", tt.accept, "If-None-Match", resp.Header.Get("ETag"))
			if again.StatusCode != 304 {
				t.Errorf("status %d for the gzip ETag, want 304", again.StatusCode)
			}
		})
	}
	if got, want := ft.src.calls(), 1; got != want {
		t.Errorf("Calendar loaded %d times, want %d (gzip is cached too)", got, want)
	}
}

func TestHandlerHead(t *testing.T) {
	ft := newFeedTest(t)
	get, body := ft.do(t, "GET", ft.url())
	head, headBody := ft.do(t, "HEAD", ft.url())
	if head.StatusCode != 200 || len(headBody) != 0 {
		t.Errorf("HEAD: status %d, %d body bytes; want 200 and none", head.StatusCode, len(headBody))
	}
	for _, k := range []string{"ETag", "Last-Modified", "Content-Type"} {
		if got, want := head.Header.Get(k), get.Header.Get(k); got != want {
			t.Errorf("HEAD %s = %q, GET has %q", k, got, want)
		}
	}
	if got, want := head.Header.Get("Content-Length"), strconv.Itoa(len(body)); got != want {
		t.Errorf("HEAD Content-Length %s, want %s", got, want)
	}
	post, _ := ft.do(t, "POST", ft.url())
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status %d, want 405", post.StatusCode)
	}
}

// TestHandlerNotFoundIsIndistinguishable: a revoked token, a guessed token, a
// malformed path and a path that never existed get the same answer.
func TestHandlerNotFoundIsIndistinguishable(t *testing.T) {
	ft := newFeedTest(t)
	if resp, _ := ft.do(t, "GET", ft.url()); resp.StatusCode != 200 {
		t.Fatalf("status %d before revoking, want 200", resp.StatusCode)
	}
	ft.src.mu.Lock()
	clear(ft.src.feeds)
	ft.src.mu.Unlock()

	guess, _ := NewToken()
	ref, refBody := ft.do(t, "GET", ft.srv.URL+"/never-existed")
	for _, path := range []string{
		PathPrefix + ft.token + ".ics", // revoked: 404 at once
		PathPrefix + guess + ".ics",
		PathPrefix + ft.token,
		PathPrefix,
		PathPrefix + "a/b.ics",
		PathPrefix + "%2e%2e.ics",
		PathPrefix + strings.Repeat("A", 500) + ".ics",
	} {
		resp, body := ft.do(t, "GET", ft.srv.URL+path)
		if resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
		if !bytes.Equal(body, refBody) {
			t.Errorf("%s: body %q, want %q", path, body, refBody)
		}
		resp.Header.Del("Date")
		ref.Header.Del("Date")
		if got, want := headerString(resp.Header), headerString(ref.Header); got != want {
			t.Errorf("%s: headers\n%s\nwant\n%s", path, got, want)
		}
	}
}

func headerString(h http.Header) string {
	var b strings.Builder
	h.Write(&b)
	return b.String()
}

// TestHandlerTokenHashChecked: a Source that returns a row for the wrong hash
// (a bug in an adapter) must not serve it.
func TestHandlerTokenHashChecked(t *testing.T) {
	ft := newFeedTest(t)
	ft.src.mu.Lock()
	for k, f := range ft.src.feeds {
		f.TokenHash = HashToken("someone else")
		ft.src.feeds[k] = f
	}
	ft.src.mu.Unlock()
	if resp, _ := ft.do(t, "GET", ft.url()); resp.StatusCode != 404 {
		t.Errorf("status %d, want 404", resp.StatusCode)
	}
}

func TestHandlerTouchThrottled(t *testing.T) {
	ft := newFeedTest(t)
	for range 3 {
		ft.do(t, "GET", ft.url())
		ft.clock.Advance(10 * time.Second)
	}
	ft.clock.Advance(40 * time.Second)
	ft.do(t, "GET", ft.url())
	ft.src.mu.Lock()
	defer ft.src.mu.Unlock()
	if got, want := len(ft.src.touches), 2; got != want {
		t.Errorf("%d touches, want %d", got, want)
	}
}

func TestHandlerSourceErrors(t *testing.T) {
	ft := newFeedTest(t)
	ft.src.calErr = errors.New("database is down")
	if resp, _ := ft.do(t, "GET", ft.url()); resp.StatusCode != 500 {
		t.Errorf("status %d with no feed to fall back on, want 500", resp.StatusCode)
	}
	ft.src.calErr = nil
	good, goodBody := ft.do(t, "GET", ft.url())
	ft.src.calErr = errors.New("database is down")
	ft.src.change(ft.clock.Now(), func(hs []Hearing) []Hearing { return hs })
	resp, body := ft.do(t, "GET", ft.url())
	if resp.StatusCode != 200 || !bytes.Equal(body, goodBody) || resp.Header.Get("ETag") != good.Header.Get("ETag") {
		t.Errorf("status %d, want the last good feed while the source fails", resp.StatusCode)
	}
}

func TestHandlerConcurrentPolls(t *testing.T) {
	ft := newFeedTest(t)
	var wg sync.WaitGroup
	tags := make([]string, 16)
	for i := range tags {
		wg.Go(func() {
			resp, err := ft.client.Get(ft.url())
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			tags[i] = resp.Header.Get("ETag")
		})
	}
	wg.Wait()
	for _, tag := range tags {
		if tag != tags[0] || tag == "" {
			t.Fatalf("ETags differ between concurrent polls: %q", tags)
		}
	}
}

func TestNewTokenAndHash(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if a == b {
		t.Errorf("two tokens are equal")
	}
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != TokenBytes {
		t.Errorf("token %q decodes to %d bytes (%v), want %d", a, len(raw), err, TokenBytes)
	}
	if tokenFromPath(PathPrefix+a+".ics") != a {
		t.Errorf("a new token is not accepted in a path")
	}
	if got := HashToken(a); len(got) != 32 || !bytes.Equal(got, HashToken(a)) || bytes.Equal(got, HashToken(b)) {
		t.Errorf("HashToken is not a stable SHA-256")
	}
}
