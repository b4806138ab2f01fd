package drills

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/twiliotest"
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
	binPath  string
	buildErr error
	binDir   string
)

// buildDaemon builds ./cmd/docketd once for the whole run, before any drill starts: the drills run side by side,
// and a drill that times its daemon's start must not count the build.
func buildDaemon() error {
	var err error
	binDir, err = os.MkdirTemp("", "docketd-drills-bin")
	if err != nil {
		return err
	}
	binPath = filepath.Join(binDir, "docketd")
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return fmt.Errorf("cannot locate the test file")
	}
	cmd := exec.Command("go", "build", "-o", binPath, "./cmd/docketd")
	cmd.Dir = filepath.Dir(filepath.Dir(file))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, out)
	}
	return nil
}

// daemonBinary is the daemon TestMain built.
func daemonBinary(t *testing.T) string {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	if binPath == "" {
		t.Fatal("the daemon was not built: TestMain builds it when DOCKETD_DRILLS=1")
	}
	return binPath
}

// drillsInParallel is how the long drills are marked: they run side by side once the short ones have run one
// after another. Each has its own temporary folder, database (a SQLite file, or a PostgreSQL database of its
// own), fake providers and daemon ports, and most of their time is spent waiting for a real clock (an outage held
// for half a minute, reminders falling due), so two cores run them together. The drills that time a provider's
// hang against the daemon's timeout within a second or so stay in the sequential part.
func drillsInParallel(t *testing.T) {
	t.Helper()
	t.Parallel()
}

func TestMain(m *testing.M) {
	if os.Getenv("DOCKETD_DRILLS") == "1" {
		buildErr = buildDaemon()
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// discard is a logger for in-process parts.
func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// --- fake Twilio ---------------------------------------------------------------------------------------------

// newFakeTwilio starts the shared fake Twilio for the drills' account; now stamps accepted messages (the test's
// clock in-process, the real clock for the daemon).
func newFakeTwilio(t *testing.T, now func() time.Time) *twiliotest.Server {
	t.Helper()
	f := twiliotest.NewServer(accountSID, authToken)
	t.Cleanup(f.Close)
	f.SetClock(now)
	return f
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
	// extra counts the accepted messages beyond what the outbox sent (duplicates, and messages no row knows);
	// missing those the outbox says went out and the provider never had (losses).
	extra, missing int
}

// checkDelivery works out, from the outbox after the last run, whether every row went out exactly once. A household
// group is one message, so the outbox says how many messages each number should have received with each text
// (two reminders of one hearing may read the same); the provider must have accepted exactly that many. Each
// group's provider id must be one the provider issued for that text, and no two groups may share one.
func checkDelivery(ctx context.Context, t *testing.T, db *store.DB, accepted []twiliotest.Message,
	channel docket.Channel) deliveryReport {
	t.Helper()
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var rep deliveryReport
	bySID := map[string]twiliotest.Message{}
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
			rep.extra += n - len(gs)
			rep.doubled = append(rep.doubled, fmt.Sprintf("%d messages, %d accepted, to %s: %.50q", len(gs), n, mask(to), body))
		case n < len(gs):
			rep.missing += len(gs) - n
			rep.lost = append(rep.lost, fmt.Sprintf("%d messages, %d accepted, to %s: %.50q", len(gs), n, mask(to), body))
		}
	}
	for _, m := range accepted {
		if !used[m.SID] {
			if _, ok := want[m.To+"\x00"+m.Body]; !ok {
				rep.extra++
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
	return startDaemonAt(t, config, logPath, nil)
}

// startDaemonAt is startDaemon with the daemon's clock at now() when it starts (DOCKETD_DRILL_NOW), then passing in
// real time; nil now keeps the real clock.
func startDaemonAt(t *testing.T, config, logPath string, now func() time.Time) *daemonProc {
	t.Helper()
	var env []string
	if now != nil {
		env = append(env, "DOCKETD_DRILL_NOW="+now().Format(time.RFC3339Nano))
	}
	p := spawn(t, logPath, env, "run", "--config", config)
	select {
	case a := <-p.addr:
		p.base = "http://" + a
	case err := <-p.done:
		t.Fatalf("daemon exited before listening: %v (log %s)", err, logPath)
	case <-time.After(30 * time.Second):
		p.kill()
		t.Fatalf("daemon did not listen within 30s (log %s)", logPath)
	}
	return p
}

// startRemind runs `docketd remind` with config in the background, as a cron job does, as if at now() (--now) unless
// now is nil; stderr is appended to logPath.
func startRemind(t *testing.T, config, logPath string, now func() time.Time) *daemonProc {
	t.Helper()
	args := []string{"remind", "--config", config}
	if now != nil {
		args = append(args, "--now", now().Format(time.RFC3339Nano))
	}
	return spawn(t, logPath, nil, args...)
}

// wait waits up to d for the process to end on its own and returns how it ended; past d it is killed.
func (p *daemonProc) wait(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(d):
		p.kill()
		t.Errorf("%s did not end within %s", strings.Join(p.cmd.Args[1:2], " "), d)
		return fmt.Errorf("killed after %s", d)
	}
}

// spawn starts the binary with args and env (added to this process's), appending its stderr to logPath; a daemon's
// address, once it logs it, arrives on addr. The process is killed when the test ends.
func spawn(t *testing.T, logPath string, env []string, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(daemonBinary(t), args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
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
// seconds, in case the daemon holds the database longer than the store's busy timeout.
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
