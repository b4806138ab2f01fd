package drills

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

// overlapLatency is how long the fake Twilio takes to answer each message: long enough for a second process to
// start and reconcile while the first one's send is in flight.
const overlapLatency = 3 * time.Second

// starter starts one docketd process over the drill's config, as if at now().
type starter func(t *testing.T, cfg, logPath string, now func() time.Time) *daemonProc

func daemonStarter(t *testing.T, cfg, logPath string, now func() time.Time) *daemonProc {
	return startDaemonAt(t, cfg, logPath, now)
}

func remindStarter(t *testing.T, cfg, logPath string, now func() time.Time) *daemonProc {
	return startRemind(t, cfg, logPath, now)
}

// overlap runs first over an office whose text reminders are all due, with a provider that answers each message
// after overlapLatency and lists a message only once it has answered; the moment the provider has the first
// message in flight, second starts on the same database. When the outbox has settled, every reminder must have
// reached its client exactly once, at a decent hour. The clock of both is noon in Dallas, with the default quiet
// hours (21:00–08:00).
func overlap(t *testing.T, dbURL string, first, second starter) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	zone := dallas(t)
	clk := asIf(time.Date(2027, 4, 14, 12, 0, 0, 0, zone))
	tw := newFakeTwilio(t, clk.now)
	tw.SetListAnswered(true)
	tw.SetLatency(func() time.Duration { return overlapLatency })
	// Every reminder fell due a minute before the drill begins.
	start := clk.now().Add(72 * time.Hour).Truncate(time.Minute)
	o := office{dbURL: dbURL, twilioURL: tw.URL, clients: 4, start: start, together: true,
		before: []string{fmt.Sprintf("%ds", int(start.Sub(clk.now().Add(-time.Minute)).Seconds()))}, rate: 1000,
		timeout: "10s", quiet: "21:00-08:00"}
	cfg := o.write(t, dir)
	logs := [2]string{filepath.Join(dir, "first.log"), filepath.Join(dir, "second.log")}
	keep := append([]string{cfg}, logs[:]...)
	if p, ok := sqlitePath(dbURL); ok {
		keep = append(keep, p)
	}
	keepOnFailure(t, keep...)

	p1 := first(t, cfg, logs[0], clk.now)
	if !waitFor(30*time.Second, func() bool { return len(tw.Posts()) > 0 }) {
		t.Fatalf("the first process sent nothing within 30s (log %s)", logs[0])
	}
	began, busy := time.Now(), inFlight(tw)
	p2 := second(t, cfg, logs[1], clk.now)

	db := openStore(t, dbURL)
	var states map[string]int
	settled := waitFor(60*time.Second, func() bool {
		s, err := outboxStates(ctx, db)
		if err != nil {
			return false
		}
		states = s
		return len(s) > 0 && s[string(docket.StatePending)] == 0 && s[string(docket.StateSending)] == 0 &&
			inFlight(tw) == 0
	})
	if !settled {
		t.Errorf("outbox not settled within 60s of the second start: %v", states)
	}
	for i, p := range []*daemonProc{p1, p2} {
		if p.base != "" {
			p.stop(t, 20*time.Second)
		} else if err := p.wait(t, 30*time.Second); err != nil {
			t.Errorf("process %d (remind): %v (log %s)", i+1, err, logs[i])
		}
	}

	accepted := tw.Messages()
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rep := checkDelivery(ctx, t, db, accepted, docket.SMS)
	t.Logf("second process started with %d sends in flight; outbox %v; provider: %d POSTs, %d accepted, %d list "+
		"calls; settled %v after the second start", busy, states, len(tw.Posts()), len(accepted), len(tw.Lists()),
		time.Since(began).Round(100*time.Millisecond))
	if busy == 0 {
		t.Errorf("the second process started with no send in flight: the drill did not overlap")
	}
	if got, want := rep.rows, o.clients; got != want {
		t.Errorf("outbox rows: %d, want %d", got, want)
	}
	smsPromise(t, rep, rows, accepted, zone, o.quiet, 7*24*time.Hour).check(t, "overlapping dispatchers")
}

// inFlight counts the POSTs the provider has not answered yet.
func inFlight(tw *twiliotest.Server) int {
	n := 0
	for _, r := range tw.Requests() {
		if r.Method == "POST" && r.Status == 0 {
			n++
		}
	}
	return n
}

// sqlitePath is the file of a sqlite: URL.
func sqlitePath(dbURL string) (string, bool) {
	return strings.CutPrefix(dbURL, "sqlite:")
}

// TestRunAndCronRemind: `docketd run` sends slowly, and a cron `docketd remind` starts on the same SQLite file while
// its first message is in flight.
func TestRunAndCronRemind(t *testing.T) {
	needDrills(t)
	overlap(t, "sqlite:"+filepath.Join(t.TempDir(), "drill.db"), daemonStarter, remindStarter)
}

// TestTwoReminds: two `docketd remind` on the same SQLite file, the second starting while the first one's first
// message is in flight.
func TestTwoReminds(t *testing.T) {
	needDrills(t)
	overlap(t, "sqlite:"+filepath.Join(t.TempDir(), "drill.db"), remindStarter, remindStarter)
}

// TestTwoReplicasOnPostgres: two `docketd run` on one PostgreSQL database, the second starting while the first one's
// first message is in flight. It needs DOCKETD_TEST_POSTGRES.
func TestTwoReplicasOnPostgres(t *testing.T) {
	needDrills(t)
	if os.Getenv("DOCKETD_TEST_POSTGRES") == "" {
		t.Skip("set DOCKETD_TEST_POSTGRES to a PostgreSQL URL")
	}
	overlap(t, postgresDatabase(t), daemonStarter, daemonStarter)
}
