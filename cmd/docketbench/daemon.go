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
	"syscall"
	"time"

	"github.com/docketd/docketd/ingest"
)

// modulePath is the module whose cmd/docketd the daemon scenario builds.
const modulePath = "github.com/docketd/docketd"

// daemonConfig is the smallest valid config: the organization, the prepared database, a loopback port. SMS and
// email go to the log provider, so the daemon reaches out to nothing.
const daemonConfig = `[organization]
name = "Bench Legal Aid"
phone = "+12145550100"
timezone = "America/Chicago"

[database]
url = "sqlite:%s"

[http]
listen = "%s"
public_url = "http://%s"

[log]
level = "warn"
`

// runDaemon builds cmd/docketd, imports o.Daemon hearings into a database, starts the daemon on it as a child
// process, and measures the time from start to a 200 from /readyz and the daemon's memory once it has settled.
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

	file, err := scheduleFile(o, o.Daemon)
	if err != nil {
		return nil, err
	}
	dbPath := scratch(o, "daemon.db")
	db, err := openStore(ctx, dbPath)
	if err != nil {
		return nil, err
	}
	spec, err := eoirSpec(ctx, db, file)
	if err != nil {
		db.Close()
		return nil, err
	}
	rep, err := (&ingest.Syncer{DB: db}).Run(ctx, spec, false, nil)
	db.Close()
	if err != nil {
		return nil, err
	}

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(o.Dir, "docketd.toml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, daemonConfig, dbPath, addr, addr), 0o600); err != nil {
		return nil, err
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Stdout, cmd.Stderr = &logs, &logs
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
	m := metrics{"ready_seconds": ready.Sub(start).Seconds(), "hearings": float64(rep.Created)}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case err := <-exited:
		return nil, fmt.Errorf("daemon exited: %v\n%s", err, logs.String()) //nolint:errorlint // nil on a clean exit, which %w prints as %!w(<nil>)
	case <-time.After(o.Settle):
	}
	rss, err := procStatus(cmd.Process.Pid, "VmRSS")
	if err != nil {
		return nil, err
	}
	hwm, err := procStatus(cmd.Process.Pid, "VmHWM")
	if err != nil {
		return nil, err
	}
	m["rss"], m["daemon_peak_rss"] = float64(rss), float64(hwm)
	return m, nil
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
