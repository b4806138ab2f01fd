package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the test's own look at the schema

	"github.com/docketd/docketd/store/storetest"
	"github.com/docketd/docketd/twiliotest"
)

// replicaReminders is how many reminders fall due at once for the two replicas to share.
const replicaReminders = 2000

// replicaPhone is the phone of the i-th client: all distinct, so every reminder is its own message.
func replicaPhone(i int) string { return fmt.Sprintf("+1214555%04d", 1000+i) }

// limitConcurrency sets how many texts each replica keeps in flight.
func limitConcurrency(t *testing.T, path string, n int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "[sms]\n", fmt.Sprintf("[sms]\nconcurrency = %d\n", n), 1)
	if s == string(b) {
		t.Fatal("the replicas' config has no [sms] section")
	}
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}

// replicaSchema makes a fresh schema on the test server and returns a URL whose connections use it.
func replicaSchema(t *testing.T, base string) (*sql.DB, string) {
	t.Helper()
	dbURL := storetest.PostgresSchema(t, base)
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dbURL
}

// replicaConfig writes the replicas' shared config and the export their leader syncs: one client per hearing, each
// with a text reminder due a day before at 10:00 Dallas time.
func replicaConfig(t *testing.T, dir, dbURL string, tw *twiliotest.Server, clients int) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `
[organization]
name = "Frontera Immigrant Legal Aid"
phone = "+12145550100"
timezone = "America/Chicago"
language = "en"
email = "docket@frontera-legal.example"

[database]
url = %q

[http]
listen = "127.0.0.1:0"
public_url = "https://docket.example.org"

[log]
level = "info"

[sms]
provider = "twilio"
rate = 1e12   # no limit: the test is about sharing the work, not pacing it

[sms.twilio]
account_sid = %q
auth_token = %q
from = "+12145550199"
api_url = %q
timeout = "10s"

[reminders]
notify_changes = true

[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = ["1d"]
at = "10:00"

[[sources]]
name = "office-export"
kind = "csv"
path = "docket.csv"
every = "1m"
date_format = "MM/DD/YYYY"
time_format = "h:mm A"

[sources.columns]
key = "Event ID"
a_number = "A Number"
date = "Hearing Date"
time = "Hearing Time"
court = "Court"
type = "Hearing Type"
`, dbURL, e2eSID, e2eToken, tw.URL)
	var csv strings.Builder
	csv.WriteString("Event ID,A Number,Hearing Date,Hearing Time,Court,Hearing Type\n")
	for i := range clients {
		a := fmt.Sprintf("%09d", 300000000+i)
		fmt.Fprintf(&b, "\n[[clients]]\nid = \"c%d\"\nname = \"Client %d\"\na_number = %q\nphone = %q\nlanguage = \"en\"\ntimezone = \"America/Chicago\"\n",
			i, i, a, replicaPhone(i))
		// Spread over the morning docket: the hearings differ, the reminders all fall due together.
		fmt.Fprintf(&csv, "EV-%d,%s,02/08/2028,%d:%02d AM,DAL,Master Calendar\n", i, a, 8+i%3, 15*(i%4))
	}
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docket.csv"), []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReplicasShareOnePostgres starts two daemons on one PostgreSQL schema with thousands of reminders due at once:
// each reminder must be texted exactly once, and when the leader stops the other replica must take over sync.
func TestReplicasShareOnePostgres(t *testing.T) {
	pgURL := os.Getenv("DOCKETD_TEST_POSTGRES")
	if pgURL == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	if testing.Short() {
		t.Skip("thousands of reminders: not in -short")
	}
	dir := t.TempDir()
	sqlDB, dbURL := replicaSchema(t, pgURL)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2028, 2, 7, 10, 0, 0, 0, chicago)
	t0 := due.Add(-10 * time.Minute)
	// One clock for both replicas, as if they ran on machines with synchronised clocks.
	clk := newTestClock(t0)
	clk.guard = 5 * time.Minute // -race on two shared cores is slow
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	// Some sends meet Twilio's rate limit and are retried: a retry must not turn into a second message either.
	tw.FailNext(25, twiliotest.RateLimit)
	path := replicaConfig(t, dir, dbURL, tw, replicaReminders)
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := sqlDB.QueryRow(query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}

	// The replicas start one after the other: TestReplicasStartTogether covers starting at the same moment.
	ds := []*testDaemon{startDaemon(t, path, clk, ring), startDaemon(t, path, clk, ring)}
	t.Cleanup(func() {
		if t.Failed() {
			for i, d := range ds {
				lines := d.logs.lines()
				t.Logf("replica %d: last log lines:\n%s", i, strings.Join(lines[max(0, len(lines)-40):], "\n"))
			}
		}
	})

	// Nothing is sent before the leader has planned every reminder; time may pass for a failed first election.
	clk.until(t, t0.Add(5*time.Minute), "the leader to plan every reminder", ring, func() bool {
		return count(`SELECT count(*) FROM outboxes WHERE state = 'pending'`) == replicaReminders
	})
	leader, follower := ds[0], ds[1]
	if m0, m1 := ds[0].scrape(t), ds[1].scrape(t); m1["docketd_leader"] == 1 {
		leader, follower = ds[1], ds[0]
		if m0["docketd_leader"] == 1 {
			t.Fatal("both replicas report docketd_leader 1")
		}
	} else if m0["docketd_leader"] != 1 {
		t.Fatal("neither replica reports docketd_leader 1")
	}
	if got := follower.logs.find(0, `msg="sync done"`, "source=office-export"); got >= 0 {
		t.Errorf("the follower synced too:\n%s", follower.logs.lines()[got])
	}

	// Retries of the refused sends come about 30s later; time stops well short of staleClaim (5m), after which a
	// replica takes rows another one claimed for abandoned (TestReplicasSlowProviderSendsOnce covers that).
	clk.until(t, due.Add(3*time.Minute), "every reminder sent", ring, func() bool {
		return count(`SELECT count(*) FROM outboxes WHERE state = 'sent'`) == replicaReminders
	})
	byPhone := map[string]int{}
	for _, m := range tw.Messages() {
		byPhone[m.To]++
	}
	for i := range replicaReminders {
		if n := byPhone[replicaPhone(i)]; n != 1 {
			t.Errorf("client %d got %d texts, want 1", i, n)
			explainDuplicate(t, sqlDB, tw, ds, replicaPhone(i))
		}
	}
	if got, want := len(byPhone), replicaReminders; got != want {
		t.Errorf("numbers texted: got %d, want %d", got, want)
	}
	if got, want := count(`SELECT count(DISTINCT provider_id) FROM outboxes WHERE state = 'sent'`), replicaReminders; got != want {
		t.Errorf("distinct provider ids: got %d, want %d", got, want)
	}
	if got := count(`SELECT count(*) FROM outboxes WHERE state <> 'sent'`); got != 0 {
		t.Errorf("%d outbox rows not sent", got)
	}
	t.Logf("sends logged: leader %d, follower %d", strings.Count(leader.logs.String(), "msg=sent "),
		strings.Count(follower.logs.String(), "msg=sent "))

	// The leader stops; the follower's next sync job (every = 1m) finds the lock free and syncs. gocron reschedules
	// a skipped job from its last scheduled time, so allow up to three intervals.
	runs := count(`SELECT count(*) FROM sync_runs WHERE source = 'office-export'`)
	mark := len(follower.logs.lines())
	if err := leader.stop(t); err != nil {
		t.Fatalf("leader's run returned %v, want nil", err)
	}
	clk.until(t, clk.Now().Add(10*time.Minute), "the follower to take over sync", ring, func() bool {
		return follower.logs.find(mark, `msg="sync done"`, "source=office-export") >= 0
	})
	if got := count(`SELECT count(*) FROM sync_runs WHERE source = 'office-export'`); got <= runs {
		t.Errorf("sync runs after takeover: got %d, want more than %d", got, runs)
	}
	if got, want := follower.scrape(t)["docketd_leader"], 1.0; got != want {
		t.Errorf("follower's docketd_leader after takeover: got %v, want %v", got, want)
	}
	if err := follower.stop(t); err != nil {
		t.Fatalf("follower's run returned %v, want nil", err)
	}
}

// TestReplicasStartTogether starts two replicas on one fresh database at the same moment, as a deployment restarting
// every replica does: both must come up, whichever applies the config first.
func TestReplicasStartTogether(t *testing.T) {
	pgURL := os.Getenv("DOCKETD_TEST_POSTGRES")
	if pgURL == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	_, dbURL := replicaSchema(t, pgURL)
	clk := newTestClock(time.Date(2028, 1, 10, 16, 0, 0, 0, time.UTC))
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	path := replicaConfig(t, t.TempDir(), dbURL, tw, 200)
	ds := make([]*testDaemon, 2)
	errs := make(chan error, len(ds))
	for i := range ds {
		go func() {
			var err error
			ds[i], err = launchDaemon(t, path, clk, ring)
			errs <- err
		}()
	}
	for range ds {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i, d := range ds {
		if d == nil {
			continue
		}
		if err := d.stop(t); err != nil {
			t.Errorf("replica %d: run returned %v, want nil", i, err)
		}
	}
}

// explainDuplicate logs what the outbox, the fake Twilio and the replicas' logs say about a number texted twice.
func explainDuplicate(t *testing.T, db *sql.DB, tw *twiliotest.Server, ds []*testDaemon, phone string) {
	t.Helper()
	rows, err := db.Query(`SELECT id, state, attempts, claimed_at, next_attempt, updated_at, provider_id, error_code,
		last_error FROM outboxes WHERE address = $1 ORDER BY id`, phone)
	if err != nil {
		t.Logf("outbox rows: %v", err)
		return
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, attempts int
		var state, provider, code, last string
		var claimed, next, updated sql.NullTime
		if err := rows.Scan(&id, &state, &attempts, &claimed, &next, &updated, &provider, &code, &last); err != nil {
			t.Logf("outbox row: %v", err)
			return
		}
		ids = append(ids, fmt.Sprint(id))
		t.Logf("outbox %d: state %s, attempts %d, claimed %v, next %v, updated %v, provider id %s, code %q, error %q",
			id, state, attempts, claimed.Time, next.Time, updated.Time, provider, code, last)
	}
	for _, m := range tw.To(phone) {
		t.Logf("twilio accepted %s at %s", m.SID, m.At)
	}
	for i, d := range ds {
		for _, line := range d.logs.lines() {
			for _, id := range ids {
				if strings.Contains(line, "outbox_ids=["+id+"]") || strings.Contains(line, "outbox_id="+id+" ") {
					t.Logf("replica %d: %s", i, line)
				}
			}
		}
	}
}

// TestReplicasSlowProviderSendsOnce has Twilio take six minutes over one message while the other replica sleeps:
// the rows claimed with it, still waiting their turn, must not be sent by both replicas. The other replica wakes
// in those minutes, takes the claim for abandoned (staleClaim) and sends the rows again unless something stops it.
func TestReplicasSlowProviderSendsOnce(t *testing.T) {
	pgURL := os.Getenv("DOCKETD_TEST_POSTGRES")
	if pgURL == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	sqlDB, dbURL := replicaSchema(t, pgURL)
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2028, 2, 7, 10, 0, 0, 0, chicago)
	clk := newTestClock(due.Add(-10 * time.Minute))
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	const clients = 40 // one claim batch: one replica claims them all, the other finds nothing and sleeps
	path := replicaConfig(t, t.TempDir(), dbURL, tw, clients)
	// Four requests in flight: the other rows of the claim wait their turn behind the slow one. A request in flight
	// is bounded by the send's timeout in real time, far inside its lease; the rows that wait are what a slow
	// provider puts at risk.
	limitConcurrency(t, path, 4)
	ds := []*testDaemon{startDaemon(t, path, clk, ring), startDaemon(t, path, clk, ring)}
	t.Cleanup(func() {
		if t.Failed() {
			for i, d := range ds {
				t.Logf("replica %d log:\n%s", i, d.logs.String())
			}
		}
	})
	count := func(query string) int {
		t.Helper()
		var n int
		if err := sqlDB.QueryRow(query).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	clk.until(t, due.Add(-5*time.Minute), "the leader to plan every reminder", ring, func() bool {
		return count(`SELECT count(*) FROM outboxes WHERE state = 'pending'`) == clients
	})
	var slow atomic.Bool
	tw.SetHold(func(twiliotest.Request) {
		// The first message takes six minutes, as a provider in trouble (or a retried store write) may, and is
		// answered once the other replica has had its look at the claim (or after a while, if it never does). The
		// requests beside it are answered at once.
		if slow.CompareAndSwap(false, true) {
			clk.Advance(6 * time.Minute)
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			// Under the Twilio client's timeout (real time), so the send succeeds late rather than failing.
			for range 300 {
				if ds[0].logs.find(0, "reconciled:") >= 0 || ds[1].logs.find(0, "reconciled:") >= 0 {
					return
				}
				<-tick.C
			}
		}
	})
	clk.until(t, due.Add(10*time.Minute), "every reminder sent", ring, func() bool {
		return count(`SELECT count(*) FROM outboxes WHERE state = 'sent'`) == clients
	})
	byPhone := map[string]int{}
	for _, m := range tw.Messages() {
		byPhone[m.To]++
	}
	dups := 0
	for i := range clients {
		if n := byPhone[replicaPhone(i)]; n != 1 {
			dups++
			if dups == 1 {
				explainDuplicate(t, sqlDB, tw, ds, replicaPhone(i))
			}
		}
	}
	if dups > 0 {
		t.Errorf("%d of %d clients did not get exactly one text (%d texts in all)", dups, clients, len(tw.Messages()))
	}
}
