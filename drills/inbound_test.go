package drills

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/twiliotest"
)

// publicURL is the [http] public_url of the drills' config: what the daemon checks Twilio's signatures against.
const publicURL = "http://127.0.0.1:9"

// textDaemon posts an inbound SMS to the daemon as Twilio would, signed, and returns the status, the TwiML and how
// long the daemon took to answer.
func textDaemon(t *testing.T, base string, form url.Values) (int, string, time.Duration) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+inbound.InboundPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	twiliotest.Sign(req, authToken, publicURL+inbound.InboundPath, form)
	began := time.Now()
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("inbound sms: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), time.Since(began)
}

// smsForm is an inbound SMS from a client's phone, as Twilio posts it.
func smsForm(sid, from, body string) url.Values {
	return url.Values{"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}, "Body": {body}, "From": {from},
		"MessageSid": {sid}, "SmsMessageSid": {sid}, "SmsSid": {sid}, "SmsStatus": {"received"}, "To": {fromNumber},
		"NumMedia": {"0"}, "NumSegments": {"1"}}
}

// sentTo counts the messages the provider accepted for phone.
func sentTo(tw *twiliotest.Server, phone string) int {
	n := 0
	for _, m := range tw.Messages() {
		if m.To == phone {
			n++
		}
	}
	return n
}

// inboundOffice starts a daemon whose clients' reminders fall due at due, and waits until they are planned.
func inboundOffice(t *testing.T, clients int, due time.Time) (o office, p *daemonProc, tw *twiliotest.Server,
	dbPath string) {
	t.Helper()
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "drill.db")
	tw = newFakeTwilio(t, time.Now)
	start := due.Add(72 * time.Hour).Truncate(time.Minute).Add(time.Minute)
	o = office{dbURL: "sqlite:" + dbPath, twilioURL: tw.URL, clients: clients, start: start, together: true,
		before: []string{fmt.Sprintf("%ds", int(start.Sub(due).Seconds()))}, rate: 1000, timeout: "5s"}
	cfg := o.write(t, dir)
	logPath := filepath.Join(dir, "daemon.log")
	keepOnFailure(t, dbPath, logPath)
	p = startDaemon(t, cfg, logPath)
	if !waitFor(30*time.Second, func() bool { return getStatus(p.base, "/readyz") == 200 }) {
		t.Fatalf("daemon not ready within 30s (log %s)", logPath)
	}
	if !waitFor(30*time.Second, func() bool {
		db, err := store.Open(o.dbURL)
		if err != nil {
			return false
		}
		defer db.Close()
		s, err := outboxStates(context.Background(), db)
		return err == nil && s[string(docket.StatePending)] == clients
	}) {
		t.Fatalf("reminders not planned within 30s (log %s)", logPath)
	}
	return o, p, tw, dbPath
}

// settled waits (bounded) until every SMS row is sent or skipped and returns the rows by address.
func settled(t *testing.T, db *store.DB, rows int) map[string]docket.Reminder {
	t.Helper()
	var by map[string]docket.Reminder
	if !waitFor(90*time.Second, func() bool {
		rs, err := db.OutboxRows(context.Background(), docket.OutboxFilter{})
		if err != nil {
			return false
		}
		by = map[string]docket.Reminder{}
		for _, r := range rs {
			if r.State == docket.StateSent || r.State == docket.StateSkipped {
				by[r.Address] = r
			}
		}
		return len(by) == rows
	}) {
		t.Fatalf("reminders not settled within 90s: %d of %d", len(by), rows)
	}
	return by
}

// TestAltoDuringWriteLock: another connection holds SQLite's write lock for 75 seconds (as a long import would);
// a client texts ALTO during it, just before her reminder falls due, still during it. The webhook must answer 200
// with the confirmation within a couple of seconds, the reminder must not reach her (0 sends), the other clients'
// reminders must go out once the lock frees, and the opt-out must be in the database afterwards.
func TestAltoDuringWriteLock(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	ctx := context.Background()
	const clients = 3
	due := time.Now().Add(20 * time.Second)
	o, p, tw, dbPath := inboundOffice(t, clients, due)
	alto := o.phone(0)

	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?_pragma=busy_timeout(20000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("take the write lock: %v", err)
	}
	locked := time.Now()
	released := false
	defer func() {
		if !released {
			conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	if time.Until(due) < 3*time.Second {
		t.Fatal("the daemon took too long to start: the reminders fall due before the ALTO")
	}

	code, twiml, took := textDaemon(t, p.base, smsForm("SMalto00000000000000000000000001", alto, "ALTO"))
	t.Logf("ALTO during the write lock: answered %d in %v", code, took.Round(time.Millisecond))
	if code != http.StatusOK || !strings.Contains(twiml, "no le enviaremos más mensajes") {
		t.Errorf("ALTO: got %d %q, want 200 and the opt-out confirmation", code, twiml)
	}
	if took > 3*time.Second {
		t.Errorf("ALTO answered after %v, want within a couple of seconds", took)
	}
	if _, err := os.Stat(dbPath + "-optouts.jsonl"); err != nil {
		t.Errorf("journal beside the database while locked: %v", err)
	}

	// The reminders fall due inside the lock; hold it 75 seconds in all.
	for time.Since(locked) < 75*time.Second {
		if err, gone := p.exited(); gone {
			t.Fatalf("daemon exited during the lock: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
	duringLock := sentTo(tw, alto)
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatalf("release the write lock: %v", err)
	}
	released = true
	t.Logf("write lock held %v; reminders were due %v into it", time.Since(locked).Round(time.Second),
		due.Sub(locked).Round(time.Second))

	db := openStore(t, o.dbURL)
	rows := settled(t, db, clients)
	var out bool
	if !waitFor(30*time.Second, func() bool {
		out, err = db.IsOptedOut(ctx, docket.SMS, alto)
		return err == nil && out
	}) {
		t.Errorf("the opt-out is not in the database 30s after the lock freed (%v)", err)
	}
	if _, err := os.Stat(dbPath + "-optouts.jsonl"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal after it was applied: %v, want it removed", err)
	}
	p.stop(t, 20*time.Second)

	sends := sentTo(tw, alto)
	t.Logf("sends to the number that texted ALTO: %d (%d during the lock); its reminder %s (%s)", sends, duringLock,
		rows[alto].State, rows[alto].LastError)
	if sends != 0 {
		t.Errorf("sends to the number that texted ALTO: got %d, want 0", sends)
	}
	if r := rows[alto]; r.State != docket.StateSkipped {
		t.Errorf("its reminder: got %s (%s), want skipped", r.State, r.LastError)
	}
	others := 0
	for i := 1; i < clients; i++ {
		if n := sentTo(tw, o.phone(i)); n != 1 {
			t.Errorf("client %d: %d sends, want 1", i, n)
		}
		others += sentTo(tw, o.phone(i))
	}
	t.Logf("sends to the other %d clients after the lock: %d", clients-1, others)
}

// TestReplayedStartAfterAlto: a client texts START, then ALTO; someone who captured the START request replays it,
// validly signed. The replay is answered as the START was, and her reminder, due afterwards, is not sent (0 sends).
func TestReplayedStartAfterAlto(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	ctx := context.Background()
	const clients = 2
	due := time.Now().Add(20 * time.Second)
	o, p, tw, _ := inboundOffice(t, clients, due)
	phone := o.phone(0)

	start := smsForm("SMstart0000000000000000000000001", phone, "START")
	code, first, _ := textDaemon(t, p.base, start)
	if code != http.StatusOK {
		t.Fatalf("START: %d %s", code, first)
	}
	if code, twiml, _ := textDaemon(t, p.base, smsForm("SMalto00000000000000000000000002", phone, "ALTO")); code != http.StatusOK {
		t.Fatalf("ALTO: %d %s", code, twiml)
	}
	altoAt := time.Now()
	code, again, _ := textDaemon(t, p.base, start)
	t.Logf("replayed START: %d, answer the same as the first: %v", code, again == first)
	if code != http.StatusOK || again != first {
		t.Errorf("replayed START: got %d %q, want 200 %q", code, again, first)
	}
	if time.Now().After(due) {
		t.Fatal("the texts took until the reminders were due")
	}

	db := openStore(t, o.dbURL)
	rows := settled(t, db, clients)
	p.stop(t, 20*time.Second)
	if out, err := db.IsOptedOut(ctx, docket.SMS, phone); err != nil || !out {
		t.Errorf("after the replayed START: opted out %v, %v; want true", out, err)
	}
	after := 0
	for _, m := range tw.Messages() {
		if m.To == phone && !m.At.Before(altoAt) {
			after++
		}
	}
	t.Logf("sends to the number after its ALTO and the replayed START: %d; its reminder %s (%s)", after,
		rows[phone].State, rows[phone].LastError)
	if after != 0 {
		t.Errorf("sends after ALTO and the replayed START: got %d, want 0", after)
	}
	if n := sentTo(tw, o.phone(1)); n != 1 {
		t.Errorf("the other client: %d sends, want 1", n)
	}
}
