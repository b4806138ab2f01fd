package drills

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/smtptest"
	"github.com/docketd/docketd/twiliotest"
)

// mailDrill is an office whose clients get an email and then a text, both due when the drill begins (the email a
// minute earlier, so a single dispatcher meets it first), sent through the fake Twilio and an SMTP sink that
// records when (by the drill's clock) it took each message.
type mailDrill struct {
	o       office
	cfg     string
	dir     string
	clk     drillClock
	zone    *time.Location
	mail    *smtptest.Server
	tw      *twiliotest.Server
	mu      sync.Mutex
	takenAt map[string][]time.Time // by recipient
}

func newMailDrill(t *testing.T, clients int, smtpTimeout string, texts bool) *mailDrill {
	t.Helper()
	d := &mailDrill{dir: t.TempDir(), zone: dallas(t), takenAt: map[string][]time.Time{}}
	d.clk = asIf(time.Date(2027, 4, 14, 12, 0, 0, 0, d.zone))
	d.mail = smtptest.NewServer()
	t.Cleanup(d.mail.Close)
	d.mail.SetOnData(func(m smtptest.Message) {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, to := range m.To {
			d.takenAt[to] = append(d.takenAt[to], d.clk.now())
		}
	})
	d.tw = newFakeTwilio(t, d.clk.now)
	start := d.clk.now().Add(72 * time.Hour).Truncate(time.Minute)
	ago := func(ago time.Duration) string {
		return fmt.Sprintf("%ds", int(start.Sub(d.clk.now().Add(-ago)).Seconds()))
	}
	policies := fmt.Sprintf(`[[reminders.policy]]
name = "client-mail"
to = "client"
channel = "email"
before = [%q]
`, ago(2*time.Minute))
	if texts {
		policies += fmt.Sprintf(`
[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = [%q]
`, ago(time.Minute))
	}
	d.o = office{dbURL: "sqlite:" + filepath.Join(d.dir, "drill.db"), twilioURL: d.tw.URL, clients: clients,
		start: start, together: true, rate: 1000, timeout: "10s", quiet: "21:00-08:00", policies: policies,
		email: func(i int) string { return fmt.Sprintf("client%d@drill.example", i) },
		emailTable: fmt.Sprintf(`[email]
provider = "smtp"
from = "Drill Docket <docket@drill.example>"

[email.smtp]
host = %q
port = %d
tls = "none"
timeout = %q`, d.mail.Host, d.mail.Port, smtpTimeout)}
	d.cfg = d.o.write(t, d.dir)
	return d
}

// emailPromise counts, for each client, the copies the SMTP sink took. One copy is the promise. A second copy
// with the first one's Message-ID is the at-least-once repeat of a send whose outcome was unknown (the server took
// the message and did not answer in time), which mail clients fold into one; it is allowed only when repeats is
// true, and counted apart. Any other extra copy is a duplicate; a client the server took no copy for is a loss.
func (d *mailDrill) emailPromise(t *testing.T, rows []docket.Reminder, repeats bool) (promise, int) {
	t.Helper()
	byAddr := map[string]docket.Reminder{}
	for _, r := range rows {
		if r.Channel == docket.Email {
			byAddr[r.Address] = r
		}
	}
	q := mustQuiet(t, d.o.quiet)
	var p promise
	folded := 0
	for i := range d.o.clients {
		addr := d.o.email(i)
		copies := d.mail.To(addr)
		r := byAddr[addr]
		if len(copies) == 0 {
			p.losses++
			p.example("%s: no copy taken, row %s (%s)", mask(addr), r.State, r.LastError)
		} else if r.State != docket.StateSent {
			t.Logf("%s: the server took %d copies; the row ended %s (%s)", mask(addr), len(copies), r.State, r.LastError)
		}
		for j, m := range copies[min(1, len(copies)):] {
			same := m.Header.Get("Message-Id") == copies[0].Header.Get("Message-Id") && copies[0].Header.Get("Message-Id") != ""
			if same && repeats {
				folded++
				continue
			}
			p.duplicates++
			p.example("%s: copy %d of %d (Message-ID %s, first %s)", mask(addr), j+2, len(copies),
				m.Header.Get("Message-Id"), copies[0].Header.Get("Message-Id"))
		}
		d.mu.Lock()
		for _, at := range d.takenAt[addr] {
			if inWindow(q, at.In(d.zone)) {
				p.inQuiet++
			}
			if at.Sub(r.Due) > 7*24*time.Hour {
				p.pastCatchUp++
			}
		}
		d.mu.Unlock()
	}
	return p, folded
}

// settle waits (up to d) until no outbox row is pending or sending, and returns the states.
func settle(ctx context.Context, t *testing.T, dbURL string, d time.Duration) (map[string]int, bool) {
	t.Helper()
	db := openStore(t, dbURL)
	var states map[string]int
	ok := waitFor(d, func() bool {
		s, err := outboxStates(ctx, db)
		if err != nil {
			return false
		}
		states = s
		return len(s) > 0 && s[string(docket.StatePending)] == 0 && s[string(docket.StateSending)] == 0
	})
	return states, ok
}

// TestSMTPHung: the mail server takes each message and then does not answer DATA within the client's timeout (a
// hung server, and one that leaves the outcome unknown). The texts due beside the emails must not wait behind it:
// each channel has its own lane. Once the server answers again, the next pass retries each email and it goes
// through: at least once, every copy under the row's one Message-ID, which mail clients fold into one message.
func TestSMTPHung(t *testing.T) {
	needDrills(t)
	ctx := context.Background()
	const clients = 3
	const smtpTimeout = 3 * time.Second
	d := newMailDrill(t, clients, smtpTimeout.String(), true)
	d.mail.SetDataDelay(time.Minute)
	logPath, remindLog := filepath.Join(d.dir, "daemon.log"), filepath.Join(d.dir, "remind.log")
	keepOnFailure(t, filepath.Join(d.dir, "drill.db"), logPath, remindLog, d.cfg)
	p := startDaemonAt(t, d.cfg, logPath, d.clk.now)

	texted := waitFor(30*time.Second, func() bool { return len(d.tw.Messages()) >= clients })
	// The texts may all go before the email lane's first DATA reaches the hung server (three texts take
	// milliseconds): that is the texts not waiting, so wait for the DATA before comparing when each happened.
	waitFor(10*time.Second, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		for _, ts := range d.takenAt {
			if len(ts) > 0 {
				return true
			}
		}
		return false
	})
	d.mu.Lock()
	var firstData time.Time
	for _, ts := range d.takenAt {
		for _, at := range ts {
			if firstData.IsZero() || at.Before(firstData) {
				firstData = at
			}
		}
	}
	d.mu.Unlock()
	var lastText time.Time
	for _, m := range d.tw.Messages() {
		if m.At.After(lastText) {
			lastText = m.At
		}
	}
	behind := lastText.Sub(firstData)
	t.Logf("texts: %d of %d accepted, the last %v after the first email reached the hung server (SMTP timeout %v)",
		len(d.tw.Messages()), clients, behind.Round(10*time.Millisecond), smtpTimeout)
	switch {
	case !texted:
		t.Errorf("texts not all sent within 30s beside a hung mail server (log %s)", logPath)
	case firstData.IsZero():
		t.Errorf("no email reached the mail server within 10s of the texts")
	case behind >= smtpTimeout:
		t.Errorf("texts waited behind the hung mail server: the last went out %v after the first email reached it, "+
			"not within one SMTP timeout (%v)", behind.Round(10*time.Millisecond), smtpTimeout)
	}

	// Once every email has met the hung server, it answers again. Rather than wait out the retry's backoff, the
	// daemon stops and the next cron pass, a minute later by the clock, retries.
	db := openStore(t, d.o.dbURL)
	if !waitFor(30*time.Second, func() bool {
		s, err := outboxStates(ctx, db)
		return err == nil && len(d.mail.Attempts()) >= clients && s[string(docket.StateSending)] == 0
	}) {
		t.Errorf("the emails did not all meet the hung server within 30s: %d DATA", len(d.mail.Attempts()))
	}
	d.mail.SetDataDelay(0)
	p.stop(t, 20*time.Second)
	later := drillClock{offset: d.clk.offset + time.Minute}
	if err := startRemind(t, d.cfg, remindLog, later.now).wait(t, 60*time.Second); err != nil {
		t.Errorf("remind a minute later: %v (log %s)", err, remindLog)
	}
	states, ok := settle(ctx, t, d.o.dbURL, 10*time.Second)
	if !ok {
		t.Errorf("outbox not settled by the remind a minute later: %v", states)
	}
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	accepted := d.tw.Messages()
	smsPromise(t, checkDelivery(ctx, t, db, accepted, docket.SMS), rows, accepted, d.zone, d.o.quiet,
		7*24*time.Hour).check(t, "texts beside a hung mail server")
	ep, folded := d.emailPromise(t, rows, true)
	_, taken := d.mail.Counts()
	t.Logf("email: outbox %v after the retry; %d copies taken for %d clients, %d of them repeats of an unanswered "+
		"DATA under the same Message-ID (at least once)", states, sum(taken), clients, folded)
	ep.check(t, "email through a hung mail server")
}

// TestSMTPSlowWithCronRemind: the mail server answers each DATA after overlapLatency, within the client's
// timeout, and a cron `docketd remind` starts beside the daemon while its first email is in DATA. No outcome is
// unknown here, so each client must get exactly one copy: overlapping processes never send an email twice.
func TestSMTPSlowWithCronRemind(t *testing.T) {
	needDrills(t)
	ctx := context.Background()
	const clients = 3
	d := newMailDrill(t, clients, "10s", false)
	d.mail.SetDataDelay(overlapLatency)
	logs := [2]string{filepath.Join(d.dir, "daemon.log"), filepath.Join(d.dir, "remind.log")}
	keepOnFailure(t, filepath.Join(d.dir, "drill.db"), logs[0], logs[1], d.cfg)
	p := startDaemonAt(t, d.cfg, logs[0], d.clk.now)
	if !waitFor(30*time.Second, func() bool { return len(d.mail.Attempts()) > 0 }) {
		t.Fatalf("no email reached the server within 30s (log %s)", logs[0])
	}
	r := startRemind(t, d.cfg, logs[1], d.clk.now)
	states, ok := settle(ctx, t, d.o.dbURL, 60*time.Second)
	if !ok {
		t.Errorf("outbox not settled within 60s: %v", states)
	}
	if err := r.wait(t, 30*time.Second); err != nil {
		t.Errorf("remind: %v (log %s)", err, logs[1])
	}
	p.stop(t, 20*time.Second)
	db := openStore(t, d.o.dbURL)
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ep, _ := d.emailPromise(t, rows, false)
	attempts, taken := d.mail.Counts()
	t.Logf("email: outbox %v; %d DATA, %d copies taken for %d clients", states, sum(attempts), sum(taken), clients)
	ep.check(t, "email beside an overlapping cron remind")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
