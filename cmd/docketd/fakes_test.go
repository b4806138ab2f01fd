package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/smtptest"
	"github.com/docketd/docketd/twiliotest"
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
	// holds counts the dispatcher's lanes at work (reminder.Holder): time stands still until they are done.
	holds int
	// wakes are the dispatcher's sleeps through Wake: when time reaches one, it holds the clock until the dispatcher
	// is done with it (reminder.Waker).
	wakes []*wake
}

// wake is one sleep through Wake.
type wake struct {
	at         time.Time
	held, done bool
}

// Wake is After whose firing holds the clock until done is called (reminder.Waker).
func (c *testClock) Wake(d time.Duration) (<-chan time.Time, func()) {
	w := &wake{}
	c.mu.Lock()
	w.at = c.FakeClock.Now().Add(d)
	c.wakes = append(c.wakes, w)
	c.mu.Unlock()
	ch := c.After(d)
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			c.mu.Lock()
			w.done = true
			if w.held {
				c.holds--
			}
			c.wakes = slices.DeleteFunc(c.wakes, func(x *wake) bool { return x == w })
			c.mu.Unlock()
			c.slept.ring()
		})
	}
}

// advance moves the clock to at; the wakes it reaches hold the clock first, so time stands still until their
// sleepers have acted.
func (c *testClock) advance(at time.Time) {
	c.mu.Lock()
	for _, w := range c.wakes {
		if !w.done && !w.held && !w.at.After(at) {
			w.held = true
			c.holds++
		}
	}
	c.mu.Unlock()
	c.Advance(at.Sub(c.Now()))
}

// Hold keeps time still until the returned function is called: a dispatcher's lane is sending.
func (c *testClock) Hold() func() {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.holds--
			c.mu.Unlock()
			c.slept.ring()
		})
	}
}

func (c *testClock) held() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.holds > 0
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
// still. A sleep it saw but could not reach, its deadline past limit, is left for the next wait: the sleeper says
// once that it sleeps, and a later wait whose limit reaches the deadline must still move time there.
func (c *testClock) until(t *testing.T, limit time.Time, what string, ring bell, cond func() bool) {
	t.Helper()
	guard := time.NewTimer(c.guard)
	defer guard.Stop()
	beyond := false
	defer func() {
		if beyond {
			c.slept.ring() // for the next wait
		}
	}()
	for !cond() {
		select {
		case <-ring:
		case <-c.slept:
			if c.held() {
				continue
			}
			at, ok := c.next()
			if !ok {
				continue
			}
			if at.After(limit) {
				beyond = true
				continue
			}
			c.advance(at)
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
	// A test that gives its clock a longer guard (thousands of clients under -race) gives the start as long.
	wait := max(realGuard, clk.guard)
	guard := time.After(wait)
	select {
	case a := <-addr:
		d.base = "http://" + a
	case err := <-d.done:
		d.done <- err
		return nil, fmt.Errorf("daemon stopped before listening: %v\n%s", err, d.logs) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-guard:
		return nil, fmt.Errorf("daemon did not listen within %v", wait)
	}
	select {
	case <-ready:
	case err := <-d.done:
		d.done <- err
		return nil, fmt.Errorf("daemon stopped before it was ready: %v\n%s", err, d.logs) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-guard:
		return nil, fmt.Errorf("daemon not ready within %v:\n%s", wait, d.logs)
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

// newFakeTwilio starts the shared fake Twilio for the account sid with token: it stamps messages with now and
// rings ring at each one it accepts.
func newFakeTwilio(t *testing.T, sid, token string, now func() time.Time, ring bell) *twiliotest.Server {
	t.Helper()
	f := twiliotest.NewServer(sid, token)
	t.Cleanup(f.Close)
	f.SetClock(now)
	f.SetOnAccept(func(twiliotest.Message, int) { ring.ring() })
	return f
}

// newFakeSMTP starts the shared SMTP sink (no TLS, AUTH allowed in the clear); it rings ring at each message.
func newFakeSMTP(t *testing.T, ring bell) *smtptest.Server {
	t.Helper()
	f := smtptest.NewServer()
	t.Cleanup(f.Close)
	f.SetOnMessage(func(smtptest.Message) { ring.ring() })
	return f
}

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
