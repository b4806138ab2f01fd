package drills

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	fromNumber = "+15005550006"
)

// needDrills skips t unless DOCKETD_DRILLS=1: the drills take minutes and real processes.
func needDrills(t *testing.T) {
	t.Helper()
	if os.Getenv("DOCKETD_DRILLS") != "1" {
		t.Skip("fault drill: set DOCKETD_DRILLS=1 (or run .ci/drills.sh)")
	}
}

// repoRoot is the module root, found from this file's place in it.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Dir(filepath.Dir(file))
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// daemonBinary builds ./cmd/docketd once per test binary.
func daemonBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "docketd-drills-bin")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "docketd")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/docketd")
		cmd.Dir = repoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// discard is a logger for in-process parts.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// --- fake Twilio ---------------------------------------------------------------------------------------------

// twMsg is one message the fake Twilio accepted.
type twMsg struct {
	SID, To, Body string
	At            time.Time
}

// fault is what the fake does with one POST.
type fault int

const (
	faultNone         fault = iota
	fault429                // JSON 20429
	fault500                // JSON 20500
	fault503                // HTML from a load balancer
	faultTimeout            // hangs past the client's timeout; nothing accepted
	faultAcceptHang         // accepts the message, then hangs past the client's timeout
	faultAcceptNoResp       // accepts the message and the hook decides (kill drills)
)

// fakeTwilio speaks Twilio's Messages API: form POSTs with basic auth that create messages (JSON answers, JSON
// error bodies), and the list endpoint GET …/Messages.json?To=…&DateSent>=… with paging, which reconciliation uses.
type fakeTwilio struct {
	srv *httptest.Server
	// now stamps accepted messages (the test's clock in-process, the real clock for the daemon).
	now func() time.Time
	// latency, when set, delays every answer to a POST (after the message is accepted).
	latency func() time.Duration
	// decide, when set, picks the fault for the n-th POST (1-based).
	decide func(n int) fault
	// hang is how long a timeout fault waits before giving up on its own.
	hang time.Duration

	mu       sync.Mutex
	posts    int
	lists    int
	accepted []twMsg
	faults   map[fault]int
	// afterAccept, when set, is called with the count of accepted messages right after one is accepted and
	// before it is answered.
	afterAccept func(n int)
}

func newFakeTwilio(t *testing.T, now func() time.Time) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{now: now, faults: map[fault]int{}, hang: 3 * time.Second}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func twError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code": %d, "message": %q, "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`,
		code, msg, code, status)
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != accountSID || pass != authToken {
		twError(w, 401, 20003, "Authenticate")
		return
	}
	if r.URL.Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" {
		twError(w, 404, 20404, "The requested resource was not found")
		return
	}
	switch r.Method {
	case http.MethodPost:
		f.create(w, r)
	case http.MethodGet:
		f.list(w, r)
	default:
		twError(w, 405, 20004, "Method not allowed")
	}
}

func (f *fakeTwilio) create(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		twError(w, 400, 20001, err.Error())
		return
	}
	to, body := r.PostForm.Get("To"), r.PostForm.Get("Body")
	if to == "" || body == "" || r.PostForm.Get("From") == "" {
		twError(w, 400, 21604, "A 'To' phone number, 'From' and 'Body' are required.")
		return
	}
	f.mu.Lock()
	f.posts++
	n := f.posts
	flt := faultNone
	if f.decide != nil {
		flt = f.decide(n)
	}
	f.faults[flt]++
	f.mu.Unlock()
	switch flt {
	case fault429:
		twError(w, 429, 20429, "Too Many Requests")
		return
	case fault500:
		twError(w, 500, 20500, "Internal Server Error")
		return
	case fault503:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
		return
	case faultTimeout:
		f.wait(r, f.hang)
		twError(w, 500, 20500, "too late")
		return
	}
	m := f.accept(to, body)
	if flt == faultAcceptHang {
		f.wait(r, f.hang)
		// Twilio has the message; the client gave up before hearing so.
	}
	if f.latency != nil {
		f.wait(r, f.latency())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(f.resource(m, "queued"))
}

// wait sleeps d or until the client goes away; the fake stands for a slow provider.
func (f *fakeTwilio) wait(r *http.Request, d time.Duration) {
	select {
	case <-time.After(d):
	case <-r.Context().Done():
	}
}

func (f *fakeTwilio) accept(to, body string) twMsg {
	f.mu.Lock()
	m := twMsg{SID: fmt.Sprintf("SM%032x", len(f.accepted)+1), To: to, Body: body, At: f.now().UTC()}
	f.accepted = append(f.accepted, m)
	n := len(f.accepted)
	hook := f.afterAccept
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return m
}

func (f *fakeTwilio) resource(m twMsg, status string) map[string]any {
	date := m.At.Format(time.RFC1123Z)
	var sent any
	if status != "queued" {
		sent = date
	}
	return map[string]any{
		"account_sid": accountSID, "api_version": "2010-04-01", "body": m.Body, "date_created": date,
		"date_sent": sent, "date_updated": date, "direction": "outbound-api", "error_code": nil,
		"error_message": nil, "from": fromNumber, "messaging_service_sid": nil, "num_media": "0",
		"num_segments": "1", "price": nil, "price_unit": "USD", "sid": m.SID, "status": status, "to": m.To,
		"uri": "/2010-04-01/Accounts/" + accountSID + "/Messages/" + m.SID + ".json",
	}
}

// list answers like Twilio: To filters exactly, DateSent> filters by UTC day only, newest first, PageSize and Page.
func (f *fakeTwilio) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var since time.Time
	if s := q.Get("DateSent>"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t, err = time.Parse("2006-01-02", s)
		}
		if err != nil {
			twError(w, 400, 20001, "Invalid DateSent")
			return
		}
		since = time.Date(t.UTC().Year(), t.UTC().Month(), t.UTC().Day(), 0, 0, 0, 0, time.UTC)
	}
	size, _ := strconv.Atoi(q.Get("PageSize"))
	if size <= 0 || size > 1000 {
		size = 50
	}
	page, _ := strconv.Atoi(q.Get("Page"))
	f.mu.Lock()
	f.lists++
	var match []twMsg
	for i := len(f.accepted) - 1; i >= 0; i-- {
		m := f.accepted[i]
		if (q.Get("To") == "" || m.To == q.Get("To")) && !m.At.Before(since) {
			match = append(match, m)
		}
	}
	f.mu.Unlock()
	base := "/2010-04-01/Accounts/" + accountSID + "/Messages.json"
	lo, hi := min(page*size, len(match)), min((page+1)*size, len(match))
	msgs := []any{}
	for _, m := range match[lo:hi] {
		msgs = append(msgs, f.resource(m, "sent"))
	}
	keep := url.Values{}
	for k, v := range q {
		if k != "Page" && k != "PageToken" {
			keep[k] = v
		}
	}
	var next any
	if hi < len(match) {
		nq := url.Values{}
		for k, v := range keep {
			nq[k] = v
		}
		nq.Set("Page", strconv.Itoa(page+1))
		nq.Set("PageToken", "PA"+strconv.Itoa(page+1))
		next = base + "?" + nq.Encode()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"messages": msgs, "first_page_uri": base + "?" + keep.Encode(),
		"next_page_uri": next, "previous_page_uri": nil, "page": page, "page_size": size, "start": lo,
		"end": max(hi-1, lo), "uri": r.URL.RequestURI()})
}

func (f *fakeTwilio) postCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts
}

func (f *fakeTwilio) messages() []twMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]twMsg(nil), f.accepted...)
}

// --- checking delivery ------------------------------------------------------------------------------------------

// deliveryReport compares what the provider accepted with the store's outbox.
type deliveryReport struct {
	rows       int
	notSent    []string // rows not in state sent
	doubled    []string // a text accepted more times than the outbox has messages with that text for that number
	lost       []string // a text accepted fewer times than the outbox has messages with it: recorded sent, never sent
	unknownSID []string // a row's provider id the provider never issued, or whose text differs
	sharedSID  []string // one provider id recorded for rows of different household groups: one of them never went out
	unrecorded []string // an accepted message no row records
	groups     int      // messages the outbox says went out (distinct household groups)
}

// checkDelivery works out, from the outbox after the last run, whether every row went out exactly once. A household
// group is one message, so the outbox says how many messages each number should have received with each text
// (two reminders of one hearing may read the same); the provider must have accepted exactly that many. Each
// group's provider id must be one the provider issued for that text, and no two groups may share one.
func checkDelivery(ctx context.Context, t *testing.T, db *store.DB, accepted []twMsg, channel docket.Channel) deliveryReport {
	t.Helper()
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var rep deliveryReport
	bySID := map[string]twMsg{}
	got := map[string]int{}
	for _, m := range accepted {
		bySID[m.SID] = m
		got[m.To+"\x00"+m.Body]++
	}
	want := map[string]map[string]bool{} // to+body -> groups
	groupOf := map[string]string{}       // sid -> group
	used := map[string]bool{}
	for _, r := range rows {
		if r.Channel != channel {
			continue
		}
		rep.rows++
		if r.State != docket.StateSent {
			rep.notSent = append(rep.notSent, fmt.Sprintf("row %d %s/%s %s (%s %s)", r.ID, r.Policy, r.Offset,
				r.State, r.ErrorCode, r.LastError))
			continue
		}
		g := r.GroupKey
		if g == "" {
			g = fmt.Sprint("row/", r.ID)
		}
		k := r.Address + "\x00" + r.Body
		if want[k] == nil {
			want[k] = map[string]bool{}
		}
		want[k][g] = true
		m, ok := bySID[r.ProviderID]
		if !ok || m.To != r.Address || m.Body != r.Body {
			rep.unknownSID = append(rep.unknownSID, fmt.Sprintf("row %d sid %s", r.ID, r.ProviderID))
		}
		if prev, ok := groupOf[r.ProviderID]; ok && prev != g {
			rep.sharedSID = append(rep.sharedSID, fmt.Sprintf("row %d (%s/%s, group %q) recorded as %s, the message of group %q",
				r.ID, r.Policy, r.Offset, g, r.ProviderID, prev))
		} else if !ok {
			groupOf[r.ProviderID] = g
		}
		used[r.ProviderID] = true
	}
	for k, gs := range want {
		rep.groups += len(gs)
		to, body, _ := strings.Cut(k, "\x00")
		switch n := got[k]; {
		case n > len(gs):
			rep.doubled = append(rep.doubled, fmt.Sprintf("%d messages, %d accepted, to %s: %.50q", len(gs), n, mask(to), body))
		case n < len(gs):
			rep.lost = append(rep.lost, fmt.Sprintf("%d messages, %d accepted, to %s: %.50q", len(gs), n, mask(to), body))
		}
	}
	for _, m := range accepted {
		if !used[m.SID] {
			if _, ok := want[m.To+"\x00"+m.Body]; !ok {
				rep.unrecorded = append(rep.unrecorded, fmt.Sprintf("%s to %s", m.SID, mask(m.To)))
			}
		}
	}
	for _, s := range [][]string{rep.notSent, rep.doubled, rep.lost, rep.unknownSID, rep.sharedSID, rep.unrecorded} {
		sort.Strings(s)
	}
	return rep
}

// assert fails t with every problem the report found.
func (rep deliveryReport) assert(t *testing.T, accepted int) {
	t.Helper()
	show := func(what string, s []string) {
		if len(s) > 0 {
			t.Errorf("%s: %d, e.g.\n  %s", what, len(s), strings.Join(s[:min(len(s), 6)], "\n  "))
		}
	}
	show("rows not sent", rep.notSent)
	show("texts the provider accepted more often than the outbox sent them (doubled)", rep.doubled)
	show("texts the provider accepted less often than the outbox says they were sent (lost)", rep.lost)
	show("rows whose provider id the provider did not issue for that text", rep.unknownSID)
	show("rows recorded with another group's message (never sent themselves)", rep.sharedSID)
	show("accepted messages the outbox knows nothing of", rep.unrecorded)
	if got, want := accepted, rep.groups; got != want {
		t.Errorf("provider accepted %d messages, outbox has %d sent messages (household groups)", got, want)
	}
}

// keepOnFailure copies the files a failed drill leaves (database, daemon log) to a folder that outlives the test.
func keepOnFailure(t *testing.T, files ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		dir, err := os.MkdirTemp("", "docketd-drill-"+t.Name()+"-")
		if err != nil {
			return
		}
		for _, f := range files {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if b, err := os.ReadFile(f + suffix); err == nil {
					os.WriteFile(filepath.Join(dir, filepath.Base(f)+suffix), b, 0o600)
				}
			}
		}
		t.Logf("kept the database and logs in %s", dir)
	})
}

// mask keeps the last two digits of a phone number or the domain of an address.
func mask(s string) string {
	if i := strings.IndexByte(s, '@'); i >= 0 {
		return "…" + s[i:]
	}
	if len(s) > 2 {
		return "…" + s[len(s)-2:]
	}
	return "…"
}

// --- the daemon as a process ------------------------------------------------------------------------------------

// daemonProc is a running `docketd run`.
type daemonProc struct {
	cmd  *exec.Cmd
	addr chan string
	done chan error
	base string
}

// startDaemon runs the binary with config and waits (bounded) for its HTTP address; stderr is appended to logPath.
func startDaemon(t *testing.T, config, logPath string) *daemonProc {
	t.Helper()
	cmd := exec.Command(daemonBinary(t), "run", "--config", config)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &daemonProc{cmd: cmd, addr: make(chan string, 1), done: make(chan error, 1)}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		defer logf.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logf, line)
			if !sent && strings.Contains(line, `"msg":"listening"`) {
				var v struct{ Addr string }
				if json.Unmarshal([]byte(line), &v) == nil && v.Addr != "" {
					p.addr <- v.Addr
					sent = true
				}
			}
		}
	}()
	go func() {
		<-scanned
		p.done <- cmd.Wait()
	}()
	select {
	case a := <-p.addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("daemon exited before listening: %v (log %s)", err, logPath)
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("daemon did not listen within 30s (log %s)", logPath)
	}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill sends SIGKILL and waits (bounded) for the process to be gone.
func (p *daemonProc) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// stop sends SIGTERM and waits up to d for a clean exit.
func (p *daemonProc) stop(t *testing.T, d time.Duration) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("daemon exit after SIGTERM: %v", err)
		}
	case <-time.After(d):
		t.Errorf("daemon did not stop within %s of SIGTERM", d)
		p.kill()
	}
}

// exited reports whether the process has ended, without waiting.
func (p *daemonProc) exited() (error, bool) {
	select {
	case err := <-p.done:
		p.done <- err
		return err, true
	default:
		return nil, false
	}
}

// getStatus GETs base+path and returns the status code, or 0 when nothing answered within 3 seconds.
func getStatus(base, path string) int {
	c := &http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(base + path)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// waitFor polls cond every 100ms until it holds or d passes; it reports whether it held.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// openStore opens an existing database (the daemon's, or one a drill made). Opening is retried for up to 30
// seconds: a SQLite connection runs journal_mode(WAL) before busy_timeout (store.sqliteDSN), so it fails at once with
// "database is locked" while the daemon is writing.
func openStore(t *testing.T, rawURL string) *store.DB {
	t.Helper()
	var db *store.DB
	var err error
	waitFor(30*time.Second, func() bool {
		db, err = store.Open(rawURL)
		return err == nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// outboxStates counts the outbox rows by state.
func outboxStates(ctx context.Context, db *store.DB) (map[string]int, error) {
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		out[string(r.State)]++
	}
	return out, nil
}
