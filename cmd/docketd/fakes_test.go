package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jonboulle/clockwork"
)

// bell tells a waiting test that something it watches may have changed. A ring while nobody listens is kept, so
// a test that checks its condition after every ring misses nothing.
type bell chan struct{}

func newBell() bell { return make(bell, 1) }

func (b bell) ring() {
	select {
	case b <- struct{}{}:
	default:
	}
}

// testClock is a fake clock that also notes every deadline the daemon's dispatcher sleeps until (it sleeps with
// After; gocron uses AfterFunc), so a test can move time exactly as far as the next thing the dispatcher waits for
// instead of guessing.
type testClock struct {
	*clockwork.FakeClock
	mu      sync.Mutex
	pending []time.Time
	slept   bell
	// guard is how long until waits in real time before it fails the test.
	guard time.Duration
}

func newTestClock(t0 time.Time) *testClock {
	return &testClock{FakeClock: clockwork.NewFakeClockAt(t0), slept: newBell(), guard: realGuard}
}

func (c *testClock) After(d time.Duration) <-chan time.Time {
	ch := c.FakeClock.After(d)
	if d > 0 {
		// Read after After: time only moves forward, so this is no earlier than the timer's own deadline, and
		// advancing to it surely fires the timer.
		at := c.FakeClock.Now().Add(d)
		c.mu.Lock()
		c.pending = append(c.pending, at)
		c.mu.Unlock()
		c.slept.ring()
	}
	return ch
}

// next drops past deadlines and returns the earliest one still ahead.
func (c *testClock) next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	c.pending = slices.DeleteFunc(c.pending, func(at time.Time) bool { return !at.After(now) })
	if len(c.pending) == 0 {
		return time.Time{}, false
	}
	return slices.MinFunc(c.pending, func(a, b time.Time) int { return a.Compare(b) }), true
}

// realGuard is how long a test waits in real time for something the daemon should do at once; it only stops a
// broken test from hanging.
const realGuard = 60 * time.Second

// until waits for cond, which is checked whenever ring rings. Meanwhile, whenever the dispatcher sleeps, the clock
// moves to the earliest deadline a dispatcher waits for, but never past limit: limit at or before Now keeps time
// still.
func (c *testClock) until(t *testing.T, limit time.Time, what string, ring bell, cond func() bool) {
	t.Helper()
	guard := time.NewTimer(c.guard)
	defer guard.Stop()
	for !cond() {
		select {
		case <-ring:
		case <-c.slept:
			at, ok := c.next()
			if !ok || at.After(limit) {
				continue
			}
			c.Advance(at.Sub(c.Now()))
			if _, more := c.next(); more {
				c.slept.ring() // a stale sleep may hide a live one behind it
			}
		case <-guard.C:
			t.Fatalf("waited %v (real time) for %s; fake clock at %s", c.guard, what, c.Now().UTC().Format(time.RFC3339))
		}
	}
}

// asleepBy waits, with time standing still, until the dispatcher sleeps until at or sooner. The planner wakes the
// dispatcher after it logs what it planned, and until moves the clock to the earliest deadline it knows: without
// this wait, a deadline the dispatcher set before it was woken (an idle check minutes away) could be the only one
// known, and time would jump past the reminders' due time.
func (c *testClock) asleepBy(t *testing.T, at time.Time) {
	t.Helper()
	guard := time.NewTimer(c.guard)
	defer guard.Stop()
	for {
		c.mu.Lock()
		found := slices.ContainsFunc(c.pending, func(p time.Time) bool { return !p.After(at) && p.After(c.Now()) })
		c.mu.Unlock()
		if found {
			c.slept.ring() // for the until that moves time next
			return
		}
		select {
		case <-c.slept:
		case <-guard.C:
			t.Fatalf("waited %v (real time) for the dispatcher to sleep until %s", c.guard, at.UTC().Format(time.RFC3339))
		}
	}
}

// logTail is a daemon's stderr: it keeps everything and rings a bell on each write, so a test can wait for a line.
type logTail struct {
	mu   sync.Mutex
	b    bytes.Buffer
	ring bell
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	n, err := l.b.Write(p)
	l.mu.Unlock()
	l.ring.ring()
	return n, err
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the complete lines logged so far.
func (l *logTail) lines() []string {
	s := l.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.Split(s[:i], "\n")
	}
	return nil
}

// find returns the index of the first line from index from on that contains every part, or -1.
func (l *logTail) find(from int, parts ...string) int {
	lines := l.lines()
	for i := max(from, 0); i < len(lines); i++ {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(lines[i], p)
		}
		if ok {
			return i
		}
	}
	return -1
}

// testDaemon is `docketd run` started in-process on a config, with its own context.
type testDaemon struct {
	base     string // http://127.0.0.1:port
	logs     *logTail
	stdout   *syncBuffer
	reload   chan struct{}
	reloaded chan error
	cancel   context.CancelFunc
	done     chan error
}

// startDaemon runs the daemon on path with clk as its clock and the store's, and returns once it is ready.
func startDaemon(t *testing.T, path string, clk *testClock, ring bell) *testDaemon {
	t.Helper()
	d, err := launchDaemon(t, path, clk, ring)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// launchDaemon is startDaemon for any goroutine: it reports failure instead of stopping the test.
func launchDaemon(t *testing.T, path string, clk *testClock, ring bell) (*testDaemon, error) {
	d := &testDaemon{logs: &logTail{ring: ring}, stdout: &syncBuffer{}, reload: make(chan struct{}),
		reloaded: make(chan error, 1), done: make(chan error, 1)}
	addr := make(chan string, 1)
	ready := make(chan struct{})
	e := &env{stdout: d.stdout, stderr: d.logs, getenv: func(string) string { return "" }, now: clk.Now,
		clock: clk, reload: d.reload,
		onListen: func(a string) { addr <- a },
		onReady:  func() { close(ready) },
		onReload: func(err error) { d.reloaded <- err },
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- e.dispatch(ctx, []string{"run", "--config", path}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-d.done:
			d.done <- err
		case <-time.After(realGuard):
			t.Errorf("daemon did not stop within %v", realGuard)
		}
	})
	guard := time.After(realGuard)
	select {
	case a := <-addr:
		d.base = "http://" + a
	case err := <-d.done:
		d.done <- err
		return nil, fmt.Errorf("daemon stopped before listening: %v\n%s", err, d.logs) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-guard:
		return nil, fmt.Errorf("daemon did not listen within %v", realGuard)
	}
	select {
	case <-ready:
	case err := <-d.done:
		d.done <- err
		return nil, fmt.Errorf("daemon stopped before it was ready: %v\n%s", err, d.logs) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-guard:
		return nil, fmt.Errorf("daemon not ready within %v:\n%s", realGuard, d.logs)
	}
	return d, nil
}

// stop cancels the daemon's context and returns what run returned.
func (d *testDaemon) stop(t *testing.T) error {
	t.Helper()
	d.cancel()
	select {
	case err := <-d.done:
		d.done <- err // for the cleanup
		return err
	case <-time.After(realGuard):
		t.Fatalf("daemon did not stop within %v", realGuard)
		return nil
	}
}

// scrape reads the daemon's /metrics into samples keyed as the text format writes them: name{a="1",b="2"}.
func (d *testDaemon) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	resp, err := http.Get(d.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: status %d\n%s", resp.StatusCode, body)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// sample names a series as the Prometheus text format writes it, labels sorted by name.
func sample(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
	}
	sort.Strings(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// twilioMessage is one message the fake Twilio accepted.
type twilioMessage struct {
	SID, To, From, Body, StatusCallback string
	At                                  time.Time
}

// twilioFailure is an answer the fake gives instead of accepting a message.
type twilioFailure struct {
	status, code int
	message      string
}

// fakeTwilio speaks the Messages API as twilio-go calls it: form POSTs and list GETs on
// /2010-04-01/Accounts/{sid}/Messages.json with basic auth, JSON answers and JSON error bodies. It records every
// message it accepts and rings a bell, and can be told to refuse the next few.
type fakeTwilio struct {
	srv        *httptest.Server
	sid, token string
	now        func() time.Time
	ring       bell
	// hold, when set, is called with each message's recipient before it is answered or recorded: a slow provider.
	hold func(to string)

	mu    sync.Mutex
	msgs  []twilioMessage
	fails []twilioFailure
	seq   int
}

func newFakeTwilio(t *testing.T, sid, token string, now func() time.Time, ring bell) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{sid: sid, token: token, now: now, ring: ring}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// failNext makes the next n sends fail with Twilio's answer for status and code.
func (f *fakeTwilio) failNext(n, status, code int, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fails = append(f.fails, twilioFailure{status, code, message})
	}
}

// messages returns what was accepted, in order.
func (f *fakeTwilio) messages() []twilioMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.msgs)
}

// to returns the messages accepted for one number.
func (f *fakeTwilio) to(phone string) []twilioMessage {
	var out []twilioMessage
	for _, m := range f.messages() {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}

func twilioAnswerError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)})
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	if user, pass, ok := r.BasicAuth(); !ok || user != f.sid || pass != f.token {
		twilioAnswerError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.URL.Path != "/2010-04-01/Accounts/"+f.sid+"/Messages.json" {
		twilioAnswerError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	switch r.Method {
	case http.MethodPost:
		f.create(w, r)
	case http.MethodGet:
		f.list(w, r)
	default:
		twilioAnswerError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
	}
}

func (f *fakeTwilio) resource(m twilioMessage, status string) map[string]any {
	date := m.At.Format(time.RFC1123Z)
	return map[string]any{
		"account_sid": f.sid, "api_version": "2010-04-01", "body": m.Body, "date_created": date,
		"date_sent": date, "date_updated": date, "direction": "outbound-api", "error_code": nil,
		"error_message": nil, "from": m.From, "num_media": "0", "num_segments": "1", "price": nil,
		"price_unit": "USD", "sid": m.SID, "status": status, "to": m.To,
		"uri": "/2010-04-01/Accounts/" + f.sid + "/Messages/" + m.SID + ".json",
	}
}

func (f *fakeTwilio) create(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		twilioAnswerError(w, http.StatusBadRequest, 20001, "unsupported content type "+ct)
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioAnswerError(w, http.StatusBadRequest, 20001, err.Error())
		return
	}
	form := r.PostForm
	if form.Get("To") == "" || form.Get("Body") == "" || (form.Get("From") == "" && form.Get("MessagingServiceSid") == "") {
		twilioAnswerError(w, http.StatusBadRequest, 21604, "A 'To', 'Body' and 'From' or 'MessagingServiceSid' are required")
		return
	}
	if f.hold != nil {
		f.hold(form.Get("To"))
	}
	f.mu.Lock()
	if len(f.fails) > 0 {
		fail := f.fails[0]
		f.fails = f.fails[1:]
		f.mu.Unlock()
		twilioAnswerError(w, fail.status, fail.code, fail.message)
		return
	}
	f.seq++
	m := twilioMessage{SID: fmt.Sprintf("SM%032x", f.seq), To: form.Get("To"), From: form.Get("From"),
		Body: form.Get("Body"), StatusCallback: form.Get("StatusCallback"), At: f.now().UTC()}
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(f.resource(m, "queued"))
	f.ring.ring()
}

// list answers GET Messages.json?To=…&DateSent>=… in one page; like Twilio it filters DateSent by day.
func (f *fakeTwilio) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since time.Time
	if s := q.Get("DateSent>"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			twilioAnswerError(w, http.StatusBadRequest, 20001, "bad DateSent>: "+s)
			return
		}
		since = t.UTC().Truncate(24 * time.Hour)
	}
	msgs := []any{}
	all := f.messages()
	for i := len(all) - 1; i >= 0; i-- { // newest first
		m := all[i]
		if (q.Get("To") == "" || m.To == q.Get("To")) && !m.At.Before(since) {
			msgs = append(msgs, f.resource(m, "delivered"))
		}
	}
	base := "/2010-04-01/Accounts/" + f.sid + "/Messages.json"
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": msgs, "first_page_uri": base + "?PageSize=50&Page=0",
		"next_page_uri": nil, "previous_page_uri": nil, "page": 0, "page_size": 50, "start": 0,
		"end": len(msgs), "uri": base})
}

// mailMessage is one message the fake SMTP server accepted.
type mailMessage struct {
	from string
	rcpt []string
	data []byte
}

// fakeSMTP is an in-process SMTP server (no TLS, AUTH allowed in the clear) that records what it accepts and
// rings a bell.
type fakeSMTP struct {
	host string
	port int
	ring bell

	mu   sync.Mutex
	msgs []mailMessage
}

func newFakeSMTP(t *testing.T, ring bell) *fakeSMTP {
	t.Helper()
	f := &fakeSMTP{ring: ring}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &fakeSMTPSession{f: f}, nil }))
	s.Domain = "smtp.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	f.host, f.port = addr.IP.String(), addr.Port
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return f
}

func (f *fakeSMTP) messages() []mailMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.msgs)
}

// to returns the messages with rcpt among their recipients.
func (f *fakeSMTP) to(rcpt string) []mailMessage {
	var out []mailMessage
	for _, m := range f.messages() {
		if slices.Contains(m.rcpt, rcpt) {
			out = append(out, m)
		}
	}
	return out
}

type fakeSMTPSession struct {
	f   *fakeSMTP
	cur mailMessage
}

func (s *fakeSMTPSession) Mail(from string, _ *smtp.MailOptions) error {
	s.cur = mailMessage{from: from}
	return nil
}

func (s *fakeSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.rcpt = append(s.cur.rcpt, to)
	return nil
}

func (s *fakeSMTPSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.data = b
	s.f.mu.Lock()
	s.f.msgs = append(s.f.msgs, s.cur)
	s.f.mu.Unlock()
	s.f.ring.ring()
	return nil
}

func (s *fakeSMTPSession) Reset()        { s.cur = mailMessage{} }
func (s *fakeSMTPSession) Logout() error { return nil }

// mimePart is one leaf of a MIME message, its body decoded.
type mimePart struct {
	mediaType string
	params    map[string]string
	body      []byte
}

// mailParts parses a message and returns its headers and its leaf parts in order.
func mailParts(t *testing.T, data []byte) (mail.Header, []mimePart) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse mail: %v\n%s", err, data)
	}
	var parts []mimePart
	var walk func(h map[string][]string, body io.Reader)
	walk = func(h map[string][]string, body io.Reader) {
		ct := "text/plain"
		if v := h["Content-Type"]; len(v) > 0 {
			ct = v[0]
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p.Header, p)
			}
		}
		r := body
		if enc := h["Content-Transfer-Encoding"]; len(enc) > 0 {
			switch strings.ToLower(enc[0]) {
			case "quoted-printable":
				r = quotedprintable.NewReader(body)
			case "base64":
				r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
			}
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("part %s: %v", mt, err)
		}
		parts = append(parts, mimePart{mediaType: mt, params: params, body: b})
	}
	walk(msg.Header, msg.Body)
	return msg.Header, parts
}

// newlineStripper drops CR and LF, which base64 bodies carry between lines.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	j := 0
	for _, c := range p[:k] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
