package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// modulePath is the module whose cmd/docketd the daemon scenario builds.
const modulePath = "github.com/docketd/docketd"

// daemonConfig is an office's config without people: the organization, the prepared database and a loopback port,
// then the fake's [sms] with no rate limit and the client text (fakeTwilio.sendingTOML), at the default log level,
// so the daemon logs every send as an office's would.
const daemonConfig = `[organization]
name = "Bench Legal Aid"
phone = "+12145550100"
timezone = %q

[database]
url = "sqlite:%s"

[http]
listen = "%s"
public_url = "http://%s"
`

// runDaemon builds cmd/docketd and runs it as a child process through its whole first cycle on a database of
// o.Daemon hearings of planClients clients (who came with the office's export): start, the first plan (three texts
// a hearing), and a burst of o.Burst texts already due, sent through notify.Twilio to the fake. It measures start to
// /readyz, the peak RSS over the cycle (VmHWM, read once the plan is logged and the burst has reached the fake), and
// VmRSS after -settle more.
func runDaemon(ctx context.Context, o *options) (metrics, error) {
	repo, err := moduleRoot(o.Repo)
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(o.Dir, "docketd")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/docketd")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build docketd: %w\n%s", err, out)
	}

	dbPath := scratch(o, "daemon.db")
	burst := min(o.Burst, o.Daemon)
	if err := seedDaemon(ctx, dbPath, o.Daemon, burst); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	fake := newSlowTwilio(0)
	defer fake.Close()
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(o.Dir, "docketd.toml")
	cfg := fmt.Appendf(nil, daemonConfig, benchZone, dbPath, addr, addr)
	cfg = append(cfg, fake.sendingTOML(1000000, 0)...) // far above what the fake can take
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return nil, err
	}
	logs := &lockedBuffer{}
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = logs, logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited already
		select {
		case <-exited: //nolint:errcheck // stopping it: its exit status is not wanted
		case <-time.After(10 * time.Second):
			cmd.Process.Kill() //nolint:errcheck // last resort
		}
	}()
	ready, err := waitReady(ctx, "http://"+addr+"/readyz", exited, 30*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w\ndaemon log:\n%s", err, logs.String())
	}
	m := metrics{"ready_seconds": ready.Sub(start).Seconds(), "hearings": float64(o.Daemon), "burst": float64(burst)}
	cycled := func() bool {
		n, _ := fake.sent()
		return n >= burst && strings.Contains(logs.String(), "msg=planned")
	}
	if err := waitFor(ctx, cycled, exited, daemonCycleLimit); err != nil {
		n, _ := fake.sent()
		return nil, fmt.Errorf("first cycle: %w (%d of %d texts sent)\ndaemon log:\n%s", err, n, burst, tail(logs.String()))
	}
	m["cycle_seconds"] = time.Since(start).Seconds()
	hwm, err := procStatus(cmd.Process.Pid, "VmHWM")
	if err != nil {
		return nil, err
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case err := <-exited:
		return nil, fmt.Errorf("daemon exited: %v\n%s", err, tail(logs.String())) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-time.After(o.Settle):
	}
	rss, err := procStatus(cmd.Process.Pid, "VmRSS")
	if err != nil {
		return nil, err
	}
	if n, _ := fake.sent(); n != burst {
		return nil, fmt.Errorf("the fake got %d texts, want %d (each once)", n, burst)
	}
	m["rss"], m["daemon_peak_rss"] = float64(rss), float64(hwm)
	return m, nil
}

// daemonCycleLimit bounds the daemon's first cycle; it only stops a broken run from hanging.
const daemonCycleLimit = 10 * time.Minute

// seedDaemon writes the daemon's database at path: n hearings of planClients clients, and a text already due for
// each of the first burst hearings. The clients are marked as the office export's, as they would be from a
// [[sources]] file with client columns: the daemon's config lists nobody, and people its config listed before are
// retired at start.
func seedDaemon(ctx context.Context, path string, n, burst int) error {
	now := time.Now()
	if err := seedHearings(ctx, path, n, planClients, now); err != nil {
		return err
	}
	raw, err := openRaw(path)
	if err != nil {
		return err
	}
	_, err = raw.ExecContext(ctx, "UPDATE clients SET origin = 'office'")
	raw.Close()
	if err != nil {
		return err
	}
	db, err := store.Open(dbURL(path))
	if err != nil {
		return err
	}
	defer db.Close()
	hs, err := db.Hearings(ctx, docket.HearingFilter{Limit: burst})
	if err != nil {
		return err
	}
	rows, err := dueRows(hs, func(int) time.Time { return now.Add(-time.Second) })
	if err != nil {
		return err
	}
	_, err = db.PlanOutbox(ctx, rows)
	return err
}

// waitFor polls done until it holds, the daemon exits, or limit passes.
func waitFor(ctx context.Context, done func() bool, exited <-chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-exited:
			return fmt.Errorf("daemon exited: %v", err) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// lockedBuffer is a child process's output, read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tail is the last few kilobytes of a log, for an error.
func tail(s string) string {
	const keep = 4 << 10
	if len(s) > keep {
		return "…" + s[len(s)-keep:]
	}
	return s
}

// waitReady polls url until it answers 200 and returns when it did.
func waitReady(ctx context.Context, url string, exited <-chan error, limit time.Duration) (time.Time, error) {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Now(), nil
			}
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case err := <-exited:
			return time.Time{}, fmt.Errorf("daemon exited before it was ready: %v", err) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
		case <-time.After(5 * time.Millisecond):
		}
	}
	return time.Time{}, fmt.Errorf("/readyz did not answer 200 within %s", limit)
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// moduleRoot returns dir, or else the nearest parent of the working directory whose go.mod is docketd's.
func moduleRoot(dir string) (string, error) {
	if dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			strings.Contains(string(b), "module "+modulePath+"\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("cannot find the docketd module above the working directory; pass -repo")
		}
	}
}
