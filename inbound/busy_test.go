package inbound_test

import (
	"context"
	"database/sql"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/twiliotest"
	"github.com/jonboulle/clockwork"
	_ "github.com/ncruces/go-sqlite3/driver" // database/sql driver "sqlite3", for the connection that holds the lock
)

const (
	busyToken  = "12345678901234567890123456789012"
	busyPublic = "https://docket.example.org"
	busyPhone  = "+12145550123"
)

var busyNow = time.Date(2027, 2, 9, 18, 0, 0, 0, time.UTC)

// busyEnv is the real webhooks over a real SQLite file, the journal in front of it, and a clock for its bound.
type busyEnv struct {
	path  string
	db    *store.DB
	clock *clockwork.FakeClock
	mux   *http.ServeMux
}

func newBusyEnv(t *testing.T) *busyEnv {
	t.Helper()
	path := t.TempDir() + "/docketd.db"
	db, err := store.Open("sqlite:" + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := &busyEnv{path: path, db: db, clock: clockwork.NewFakeClock(), mux: http.NewServeMux()}
	j := store.WithJournal(db, store.JournalOptions{Clock: e.clock})
	t.Cleanup(j.Close)
	h, err := inbound.NewWebhooks(inbound.WebhookConfig{AuthToken: busyToken, PublicURL: busyPublic, OrgName: "Legal Aid",
		Store: inbound.FromRecords(j, nil), Now: func() time.Time { return busyNow }})
	if err != nil {
		t.Fatal(err)
	}
	h.Register(e.mux)
	return e
}

// text posts a signed inbound SMS with MessageSid sid and returns the status and the TwiML message.
func (e *busyEnv) text(t *testing.T, sid, body string) (int, string) {
	t.Helper()
	form := url.Values{"AccountSid": {"AC0123456789abcdef0123456789abcdef"}, "From": {busyPhone},
		"To": {"+15005550006"}, "Body": {body}, "MessageSid": {sid}, "SmsSid": {sid}}
	req := httptest.NewRequest(http.MethodPost, inbound.InboundPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	twiliotest.Sign(req, busyToken, busyPublic+inbound.InboundPath, form)
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var twiml struct {
		Message string `xml:"Message"`
	}
	if rec.Code == http.StatusOK {
		if err := xml.Unmarshal(rec.Body.Bytes(), &twiml); err != nil {
			t.Fatalf("TwiML %q: %v", rec.Body, err)
		}
	}
	return rec.Code, twiml.Message
}

// lock holds SQLite's write lock from a connection of its own until the returned function is called.
func (e *busyEnv) lock(t *testing.T) func() {
	t.Helper()
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", "file:"+e.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	release := func() {
		if !done {
			done = true
			conn.ExecContext(ctx, "ROLLBACK")
			conn.Close()
			raw.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// TestAltoWhileTheDatabaseIsLocked: the ALTO is answered at once (after the journal's bound on the injected clock,
// not after SQLite's 10-second busy timeout) with the normal confirmation, and every sender's opt-out check honours
// it while the lock is held; the database has it once the lock is released.
func TestAltoWhileTheDatabaseIsLocked(t *testing.T) {
	e := newBusyEnv(t)
	release := e.lock(t)
	type answer struct {
		code  int
		reply string
	}
	got := make(chan answer, 1)
	began := time.Now()
	go func() {
		code, reply := e.text(t, "SMalto", "ALTO")
		got <- answer{code, reply}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.clock.BlockUntilContext(ctx, 1); err != nil {
		t.Fatalf("the webhook never waited on its bound: %v", err)
	}
	e.clock.Advance(store.DefaultJournalBound)
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		t.Fatal("no answer after the bound")
	}
	took := time.Since(began)
	if a.code != http.StatusOK || !strings.Contains(a.reply, "no le enviaremos más mensajes") {
		t.Errorf("ALTO while locked: got %d %q, want 200 and the Spanish opt-out confirmation", a.code, a.reply)
	}
	if took > 5*time.Second {
		t.Errorf("ALTO while locked answered after %v, want soon after the bound", took)
	}
	t.Logf("ALTO while locked: %d in %v", a.code, took.Round(time.Millisecond))

	// The dispatcher's view: another Journaled over the same files, as a cron `docketd remind` would have.
	sender := store.WithJournal(e.db, store.JournalOptions{Clock: clockwork.NewFakeClock()})
	defer sender.Close()
	if _, err := os.Stat(sender.JournalPath()); err != nil {
		t.Fatalf("journal: %v", err)
	}
	if out, err := sender.IsOptedOut(context.Background(), docket.SMS, busyPhone); err != nil || !out {
		t.Errorf("sender's opt-out check while locked: got %v, %v; want opted out", out, err)
	}
	if out, _ := e.db.IsOptedOut(context.Background(), docket.SMS, busyPhone); out {
		t.Error("the database has the opt-out while another connection holds its write lock")
	}
	// Twilio sends it again while the lock is still held: the same answer, nothing more journaled.
	if code, reply := e.text(t, "SMalto", "ALTO"); code != a.code || reply != a.reply {
		t.Errorf("ALTO again: got %d %q, want %d %q", code, reply, a.code, a.reply)
	}

	release()
	if left, err := sender.Apply(context.Background()); err != nil || left != 0 {
		t.Fatalf("apply: %d left, %v", left, err)
	}
	if out, _ := e.db.IsOptedOut(context.Background(), docket.SMS, busyPhone); !out {
		t.Error("after the lock: the database does not have the opt-out")
	}
}

// TestReplayedStartAfterAlto: a captured, validly signed START replayed after a later ALTO gets the answer it got
// then and leaves the number opted out.
func TestReplayedStartAfterAlto(t *testing.T) {
	e := newBusyEnv(t)
	_, first := e.text(t, "SMstart", "START")
	if code, _ := e.text(t, "SMalto", "ALTO"); code != http.StatusOK {
		t.Fatalf("ALTO: %d", code)
	}
	code, again := e.text(t, "SMstart", "START")
	if code != http.StatusOK || again != first {
		t.Errorf("replayed START: got %d %q, want 200 %q", code, again, first)
	}
	if out, err := e.db.IsOptedOut(context.Background(), docket.SMS, busyPhone); err != nil || !out {
		t.Errorf("after the replayed START: opted out %v, %v; want true", out, err)
	}
	if code, _ := e.text(t, "SMstart2", "START"); code != http.StatusOK {
		t.Fatalf("new START: %d", code)
	}
	if out, _ := e.db.IsOptedOut(context.Background(), docket.SMS, busyPhone); out {
		t.Error("a new START did not opt back in")
	}
}
