package drills

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// TestFirstStartsTogether starts two docketd processes at the same moment on a SQLite file that does not exist yet,
// as a deployment that starts the daemon while a cron `docketd remind` fires, or a supervisor that starts two,
// does: both must come up (a run ready, a remind done with exit 0), the schema be made once and the config's
// hearings stored once. Ten rounds of each pair; the drill counts the processes that failed: 0.
func TestFirstStartsTogether(t *testing.T) {
	needDrills(t)
	bin := daemonBinary(t)
	const rounds = 10
	for _, pair := range [][2]string{{"run", "run"}, {"run", "remind"}} {
		t.Run(pair[0]+"+"+pair[1], func(t *testing.T) {
			failed := 0
			for round := range rounds {
				failed += firstStartRound(t, bin, round, pair)
			}
			t.Logf("%d rounds of %s and %s starting together on a new SQLite file: %d of %d processes failed",
				rounds, pair[0], pair[1], failed, 2*rounds)
			if failed > 0 {
				t.Errorf("%d processes failed to start", failed)
			}
		})
	}
}

// firstStartRound runs one round and returns how many of the two processes failed.
func firstStartRound(t *testing.T, bin string, round int, cmds [2]string) int {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "new", "docketd.db") // not even the directory exists yet
	tw := newFakeTwilio(t, time.Now)
	const clients = 8
	// The hearings are a month away: the drill is about starting, and nothing falls due while it runs.
	o := office{dbURL: "sqlite:" + dbPath, twilioURL: tw.URL, clients: clients,
		start: time.Now().Add(30 * 24 * time.Hour).Truncate(time.Hour), before: []string{"24h"}, rate: 1000,
		timeout: "5s"}
	cfg := o.write(t, dir)
	procs := make([]*startedProc, 2)
	for i, sub := range cmds {
		procs[i] = prepare(t, bin, sub, cfg, filepath.Join(dir, fmt.Sprintf("%s-%d.log", sub, i)))
	}
	for _, p := range procs { // one right after the other: both open the new file at the same moment
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go p.scan()
	}
	failed := 0
	for i, p := range procs {
		if err := p.outcome(60 * time.Second); err != nil {
			failed++
			t.Errorf("round %d: %s (process %d): %v\n%s", round, p.sub, i, err, p.tail())
		}
	}
	for _, p := range procs {
		p.stop(t)
	}
	db, err := store.Open("sqlite:" + dbPath)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	defer db.Close()
	st, err := db.Migrations(ctx)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if len(st.Pending) > 0 || len(st.Unknown) > 0 {
		t.Errorf("round %d: migrations pending %v, unknown %v", round, st.Pending, st.Unknown)
	}
	hs, err := db.Hearings(ctx, docket.HearingFilter{})
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if len(hs) != clients {
		t.Errorf("round %d: %d hearings stored, want %d", round, len(hs), clients)
	}
	return failed
}

// startedProc is a docketd process whose stderr is kept, started by the caller.
type startedProc struct {
	sub     string
	cmd     *exec.Cmd
	stderr  io.Reader
	logPath string
	addr    chan string
	done    chan error
}

func prepare(t *testing.T, bin, sub, cfg, logPath string) *startedProc {
	t.Helper()
	cmd := exec.Command(bin, sub, "--config", cfg)
	cmd.Stdout = io.Discard
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &startedProc{sub: sub, cmd: cmd, stderr: stderr, logPath: logPath, addr: make(chan string, 1),
		done: make(chan error, 1)}
	t.Cleanup(func() {
		if cmd.Process != nil && cmd.ProcessState == nil {
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
	})
	return p
}

// scan copies stderr to the log file, passes on the listening address, and reports the exit.
func (p *startedProc) scan() {
	logf, err := os.Create(p.logPath)
	if err != nil {
		logf = nil
	}
	sc := bufio.NewScanner(p.stderr)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		if logf != nil {
			fmt.Fprintln(logf, line)
		}
		if !sent && strings.Contains(line, `"msg":"listening"`) {
			var v struct{ Addr string }
			if json.Unmarshal([]byte(line), &v) == nil && v.Addr != "" {
				p.addr <- v.Addr
				sent = true
			}
		}
	}
	if logf != nil {
		logf.Close()
	}
	p.done <- p.cmd.Wait()
}

// outcome waits up to d for the process to succeed: a run ready (/readyz 200), any other command exited with 0.
func (p *startedProc) outcome(d time.Duration) error {
	deadline := time.After(d)
	if p.sub != "run" {
		select {
		case err := <-p.done:
			p.done <- err
			return err
		case <-deadline:
			return fmt.Errorf("not done within %v", d)
		}
	}
	var base string
	select {
	case a := <-p.addr:
		base = "http://" + a
	case err := <-p.done:
		p.done <- err
		return fmt.Errorf("exited before listening: %w", exited(err))
	case <-deadline:
		return fmt.Errorf("not listening within %v", d)
	}
	for {
		if getStatus(base, "/readyz") == 200 {
			return nil
		}
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("exited before it was ready: %w", exited(err))
		case <-deadline:
			return fmt.Errorf("not ready within %v", d)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exited is a process's exit as an error, a clean exit too: a daemon that should still run.
func exited(err error) error {
	if err == nil {
		return errors.New("exit status 0")
	}
	return err
}

// stop ends a process still running with SIGTERM (SIGKILL after 20s) and waits for it.
func (p *startedProc) stop(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%s: exit after SIGTERM: %v", p.sub, err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s: did not stop within 20s of SIGTERM", p.sub)
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// tail is the end of the process's log, for a failure message.
func (p *startedProc) tail() string {
	b, _ := os.ReadFile(p.logPath)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-8):], "\n")
}
