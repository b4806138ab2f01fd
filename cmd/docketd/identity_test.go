package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/feed"
)

// identityDocket is the Mendoza household's export with a January hearing of Rosa's before the February ones; lines
// are the rows after the header, so a test can hand the same export over in another order.
var identityDocket = []string{
	`EV-10200,A201-555-101,"Mendoza Lopez, Rosa Maria",01/11/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person`,
	`EV-10231,A201-555-101,"Mendoza Lopez, Rosa Maria",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person`,
	`EV-10232,A201-555-102,"Mendoza Ramirez, Jorge",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person`,
	`EV-10233,A201-555-103,"Mendoza, Valeria",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person`,
	`EV-10234,A201-555-104,"Mendoza, Mateo",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person`,
}

// smtpMessage is what a test compares of an email: its recipients, subject and Message-ID.
type smtpMessage = struct {
	to, subject, id string
}

// openIdentityOffice writes the office's files and opens it at now, applying the config.
func openIdentityOffice(t *testing.T, dir, publicURL string, rows []string, now time.Time) (*assembly.Office,
	func() []smtpMessage) {
	t.Helper()
	tw := newFakeTwilio(t, e2eSID, e2eToken, func() time.Time { return now }, newBell())
	smtp := newFakeSMTP(t, newBell())
	text := strings.Replace(e2eConfig(dir, tw, smtp, "2028-02-08 09:00"), e2ePublic, publicURL, 1)
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	header := strings.SplitN(e2eDocket, "\n", 2)[0]
	csv := header + "\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "docket.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	o := openAt(t, path, now)
	sent := func() []smtpMessage {
		var out []smtpMessage
		for _, m := range smtp.Messages() {
			out = append(out, smtpMessage{strings.Join(m.To, ","), m.Header.Get("Subject"), m.Header.Get("Message-Id")})
		}
		return out
	}
	return o, sent
}

// openAt opens the office of the config at path as of now.
func openAt(t *testing.T, path string, now time.Time) *assembly.Office {
	t.Helper()
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	o, err := assembly.Open(context.Background(), func() *config.Config { return cfg },
		assembly.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// syncAndPlan runs every source once and plans.
func syncAndPlan(t *testing.T, o *assembly.Office) {
	t.Helper()
	ctx := context.Background()
	specs, err := o.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range specs {
		if _, err := o.Syncer.Run(ctx, spec, false, nil); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := o.Planner.Plan(ctx); err != nil {
		t.Fatal(err)
	}
}

// orgFeedUIDs renders the org feed at now, parses it with go-ical and returns each event's UID by what the event
// is (its start and summary).
func orgFeedUIDs(t *testing.T, o *assembly.Office, now time.Time) map[string]string {
	t.Helper()
	cal, err := o.Feeds.Calendar(context.Background(), feed.Feed{Scope: "org", Detail: feed.DetailFull}, now)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := feed.Render(&buf, cal); err != nil {
		t.Fatal(err)
	}
	parsed, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, ev := range parsed.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		start, _ := ev.DateTimeStart(nil)
		summary, _ := ev.Props.Text(ical.PropSummary)
		out[start.UTC().Format(time.RFC3339)+" "+summary] = uid
	}
	return out
}

// TestRebuiltDatabaseKeepsUIDsAndMessageIDs is the README's move to a new database: an office that has run since
// before Rosa's January hearing, and a fresh database synced from the same config and export (its rows in another
// order) just before the February reminders. Every calendar event keeps its UID and every email its Message-ID,
// and a new public_url changes no UID either.
func TestRebuiltDatabaseKeepsUIDsAndMessageIDs(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	early := time.Date(2028, 1, 5, 12, 0, 0, 0, chicago)
	due := time.Date(2028, 2, 7, 10, 1, 0, 0, chicago) // a minute after the day-before reminders fall due
	ctx := context.Background()

	// The office as it has run: planned in early January, then again on the day.
	oldDir := t.TempDir()
	o, oldSent := openIdentityOffice(t, oldDir, e2ePublic, identityDocket, early)
	syncAndPlan(t, o)
	o.Close()
	o = openAt(t, filepath.Join(oldDir, "docketd.toml"), due)
	syncAndPlan(t, o)
	if _, err := o.Dispatcher.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	oldUIDs := orgFeedUIDs(t, o, due)

	// The rebuilt database, from an export listing the same rows the other way round.
	reversed := make([]string, len(identityDocket))
	for i, r := range identityDocket {
		reversed[len(reversed)-1-i] = r
	}
	n, newSent := openIdentityOffice(t, t.TempDir(), e2ePublic, reversed, due)
	syncAndPlan(t, n)
	if _, err := n.Dispatcher.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	newUIDs := orgFeedUIDs(t, n, due)

	if len(oldUIDs) != 13 {
		t.Fatalf("old feed: %d events, want 13 (Rosa's two, the family's other three and Samuel's, and their 7 filing "+
			"deadlines): %v", len(oldUIDs), oldUIDs)
	}
	for what, uid := range oldUIDs {
		if got := newUIDs[what]; got != uid {
			t.Errorf("%s: UID %q in the rebuilt database, %q before", what, got, uid)
		}
	}
	ids := func(ms []smtpMessage) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			out[m.to] = m.id // one email to each attorney; its subject names the family in the order of the rows
		}
		return out
	}
	oldIDs, newIDs := ids(oldSent()), ids(newSent())
	if len(oldIDs) != 2 {
		t.Fatalf("emails before: %v; want one to each attorney", oldSent())
	}
	for what, id := range oldIDs {
		if got := newIDs[what]; got != id {
			t.Errorf("email %s: Message-ID %q from the rebuilt database, %q before", what, got, id)
		}
	}

	// The server moves to another public URL: the same events keep their UIDs.
	moved, _ := openIdentityOffice(t, t.TempDir(), "https://calendar.frontera-legal.example:8443/docketd", reversed, due)
	syncAndPlan(t, moved)
	for what, uid := range oldUIDs {
		if got := orgFeedUIDs(t, moved, due)[what]; got != uid {
			t.Errorf("%s: UID %q under the new public_url, %q before", what, got, uid)
		}
	}
}

// TestRemovedConfigHearingIsCancelledOnTheFirstReload deletes Samuel's [[hearings]] entry from the running daemon's
// config and reloads once: that reload cancels the hearing, and Samuel and his counsel are told once.
func TestRemovedConfigHearingIsCancelledOnTheFirstReload(t *testing.T) {
	dir := t.TempDir()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	clk := newTestClock(time.Date(2028, 2, 1, 11, 0, 0, 0, chicago))
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	mail := newFakeSMTP(t, ring)
	path := filepath.Join(dir, "docketd.toml")
	// The office's export is left out: its sync would plan beside the startup's planning, and a plan asked for
	// while one runs is skipped, which this test is not about.
	text := e2eConfig(dir, tw, mail, "2028-04-11 09:00")
	i, j := strings.Index(text, "[[sources]]"), strings.Index(text, "[[attorneys]]")
	if i < 0 || j < i {
		t.Fatal("the config's [[sources]] are not where this test expects them")
	}
	text = text[:i] + text[j:]
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path, clk, ring)
	clk.until(t, clk.Now(), "the planning of Samuel's reminders", ring, func() bool {
		return d.logs.find(0, `msg=planned`, "new=2") >= 0
	})

	cut := strings.Index(text, "[[hearings]]")
	if cut < 0 {
		t.Fatal("the config has no [[hearings]] entry")
	}
	if err := os.WriteFile(path, []byte(text[:cut]), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour) // the office edits its config later that morning
	from := len(d.logs.lines())
	d.reload <- struct{}{}
	select {
	case err := <-d.reloaded:
		if err != nil {
			t.Fatalf("reload: %v\n%s", err, d.logs)
		}
	case <-time.After(realGuard):
		t.Fatal("reload did not finish")
	}
	if d.logs.find(from, `msg="config hearings applied"`, "source=config", "cancelled=1") < 0 {
		t.Fatalf("the first reload did not cancel the removed hearing:\n%s", d.logs)
	}
	clk.until(t, clk.Now().Add(5*time.Minute), "the cancellation notices to Samuel and his counsel", ring,
		func() bool { return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= 2 })
	texts, emails := tw.To("+14695550177"), mail.To("dokafor@frontera-legal.example")
	if len(texts) != 1 || len(emails) != 1 {
		t.Fatalf("cancellation notices: %d texts to Samuel, %d emails to counsel; want 1 each", len(texts), len(emails))
	}
	if body := texts[0].Body; !strings.Contains(body, "April 11, 2028") || !strings.Contains(body, "off the court's calendar") {
		t.Errorf("Samuel's text does not say the hearing is cancelled: %q", body)
	}
}
