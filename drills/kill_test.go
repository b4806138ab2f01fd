package drills

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

// TestKillDuringDispatch kills the daemon with SIGKILL at random points of dispatch, 20 times, restarting it each
// time, then lets it finish: the provider must have seen every due reminder exactly once. Half the kills come on a
// timer 50–500 ms after the provider saw the run's first message; the other half come from inside the provider,
// right after it accepted a message and before it answered, which is the window only reconciliation can close.
func TestKillDuringDispatch(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	ctx := context.Background()
	dir := t.TempDir()
	tw := newFakeTwilio(t, time.Now)
	tw.SetLatency(func() time.Duration { return time.Duration(2+rand.IntN(10)) * time.Millisecond })
	dbURL := "sqlite:" + filepath.Join(dir, "drill.db")
	// One reminder per client, due at once: of two overdue reminders of one hearing only the latest goes out, so the
	// work of a run is more clients, not more offsets.
	o := office{dbURL: dbURL, twilioURL: tw.URL, clients: 2000, households: 5,
		start: time.Now().Add(72 * time.Hour).Truncate(time.Minute), before: []string{"80h"}, rate: 1000,
		timeout: "5s"}
	cfg := o.write(t, dir)
	logPath := filepath.Join(dir, "daemon.log")
	keepOnFailure(t, filepath.Join(dir, "drill.db"), logPath, cfg)

	var (
		mu     sync.Mutex
		victim *daemonProc
	)
	midDispatch := 0
	for i := range 20 {
		before := len(tw.Posts())
		inHandler := i%2 == 1
		killed := make(chan struct{})
		if inHandler {
			// Kill from inside the provider after the k-th message this run is accepted, before answering it.
			k := 1 + rand.IntN(40)
			accepted := len(tw.Messages())
			var once sync.Once
			tw.SetOnAccept(func(_ twiliotest.Message, n int) {
				if n-accepted < k {
					return
				}
				once.Do(func() {
					mu.Lock()
					p := victim
					mu.Unlock()
					if p != nil {
						p.kill()
					}
					close(killed)
				})
			})
		}
		p := startDaemon(t, cfg, logPath)
		mu.Lock()
		victim = p
		mu.Unlock()
		began := waitFor(20*time.Second, func() bool {
			_, gone := p.exited()
			return len(tw.Posts()) > before || gone
		})
		if err, gone := p.exited(); gone && !inHandler {
			t.Fatalf("run %d: daemon exited on its own: %v (log %s)", i, err, logPath)
		}
		if began && len(tw.Posts()) > before {
			midDispatch++
		}
		if inHandler {
			select {
			case <-killed:
			case <-time.After(20 * time.Second):
				// Fewer than k messages were left: kill on the timer instead.
				p.kill()
			}
			tw.SetOnAccept(nil)
		} else {
			select {
			// Within 200 ms of the first send: a run with every connection to the provider kept sends a few hundred
			// messages in that time, so the 1,600 last most of the twenty runs.
			case <-time.After(time.Duration(20+rand.IntN(181)) * time.Millisecond):
			case <-p.done:
				p.done <- nil
			}
			p.kill()
		}
		t.Logf("run %d (%s): provider saw %d requests, %d accepted so far", i,
			map[bool]string{true: "killed in the provider", false: "killed on a timer"}[inHandler],
			len(tw.Posts())-before, len(tw.Messages()))
	}
	if midDispatch < 10 {
		t.Errorf("only %d of 20 kills landed while messages were going out; the drill needs more work per run", midDispatch)
	}

	// The last run goes to the end.
	p := startDaemon(t, cfg, logPath)
	db := openStore(t, dbURL)
	var states map[string]int
	finished := waitFor(3*time.Minute, func() bool {
		s, err := outboxStates(ctx, db)
		if err != nil {
			return false
		}
		states = s
		return s[string(docket.StatePending)] == 0 && s[string(docket.StateSending)] == 0 && len(s) > 0
	})
	if !finished {
		t.Errorf("outbox not settled within 3 minutes of the last start: %v", states)
	}
	p.stop(t, 20*time.Second)

	accepted := tw.Messages()
	rep := checkDelivery(ctx, t, db, accepted, "sms")
	t.Logf("outbox: %d rows %v; provider: %d messages accepted, %d POSTs, %d list calls; %d kills mid-dispatch",
		rep.rows, states, len(accepted), len(tw.Posts()), len(tw.Lists()), midDispatch)
	if got, want := rep.rows, o.clients*len(o.before); got != want {
		t.Errorf("outbox rows: got %d, want %d (one per client and offset)", got, want)
	}
	rep.assert(t, len(accepted))
}
