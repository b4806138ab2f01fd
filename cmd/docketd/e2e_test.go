package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/smtptest"
	"github.com/docketd/docketd/twiliotest"
)

const (
	e2eSID    = "AC00000000000000000000000000000e2e"
	e2eToken  = "e2e0123456789abcdef0123456789abc"
	e2eFrom   = "+12145550199"
	e2ePublic = "https://docket.example.org" // what Twilio and calendar apps call; the test reaches the daemon directly
)

// The people of the end-to-end run: every spelling of their personal data, which the logs must not show.
var e2eSecrets = []string{
	"+12145550142", "2145550142", "214-555-0142", "(214) 555-0142", // the Mendoza household's phone
	"201555101", "A201-555-101", "A201555101", "201-555-101", "201555102", "A201-555-102", "201555103",
	"A201-555-103", "201555104", "A201-555-104",
	"+14695550177", "4695550177", "469-555-0177", "208555310", "A208-555-310", // Samuel Tesfaye
	"samuel.tesfaye@example.net",
	"Rosa María", "Mendoza López", "Jorge Mendoza", "Valeria Mendoza", "Mateo Mendoza", "Samuel Tesfaye",
}

// e2eConfig is a complete config for the run: Twilio and SMTP at the fakes, the Mendoza household's four hearings
// in a CSV export and Samuel's hearing entered by hand. tesfayeStart is his hearing's court local start.
func e2eConfig(dir string, tw *twiliotest.Server, mail *smtptest.Server, tesfayeStart string) string {
	return fmt.Sprintf(`
[organization]
name = "Frontera Immigrant Legal Aid"
phone = "+12145550100"
timezone = "America/Chicago"
language = "en"
email = "docket@frontera-legal.example"

[database]
url = "sqlite:%s"

[http]
listen = "127.0.0.1:0"
public_url = %q

[log]
level = "info"
format = "text"

[sms]
provider = "twilio"
rate = 1000.0

[sms.twilio]
account_sid = %q
auth_token = %q
from = %q
api_url = %q
timeout = "5s"

[email]
provider = "smtp"
from = "Frontera Docket <docket@frontera-legal.example>"

[email.smtp]
host = %q
port = %d
tls = "none"
timeout = "5s"

[reminders]
quiet_hours = "21:00-08:00"
catch_up = "6h"
notify_changes = true

[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = ["1d"]
at = "10:00"

[[reminders.policy]]
name = "counsel-email"
to = "attorney"
channel = "email"
before = ["1d"]
at = "10:00"

[[sources]]
name = "office-export"
kind = "csv"
path = "docket.csv"
every = "30m"
date_format = "MM/DD/YYYY"
time_format = "h:mm A"

[sources.columns]
key = "Event ID"
a_number = "A Number"
date = "Hearing Date"
time = "Hearing Time"
court = "Court"
type = "Hearing Type"
judge = "Judge"
medium = "Medium"

[[attorneys]]
id = "lfernandez"
name = "Lucía Fernández"
email = "lfernandez@frontera-legal.example"
language = "es"
timezone = "America/Chicago"

[[attorneys]]
id = "dokafor"
name = "David Okafor"
email = "dokafor@frontera-legal.example"
language = "en"
timezone = "America/Chicago"

[[clients]]
id = "rosa-mendoza"
name = "Rosa María Mendoza López"
a_number = "A201-555-101"
phone = "+12145550142"
language = "es"
timezone = "America/Chicago"
attorney = "lfernandez"

[[clients]]
id = "jorge-mendoza"
name = "Jorge Mendoza Ramírez"
a_number = "A201-555-102"
phone = "+12145550142"
language = "es"
timezone = "America/Chicago"
attorney = "lfernandez"

[[clients]]
id = "valeria-mendoza"
name = "Valeria Mendoza"
a_number = "A201-555-103"
phone = "+12145550142"
language = "es"
timezone = "America/Chicago"
attorney = "lfernandez"

[[clients]]
id = "mateo-mendoza"
name = "Mateo Mendoza"
a_number = "A201-555-104"
phone = "+12145550142"
language = "es"
timezone = "America/Chicago"
attorney = "lfernandez"

[[clients]]
id = "samuel-tesfaye"
name = "Samuel Tesfaye"
a_number = "A208-555-310"
phone = "+14695550177"
email = "samuel.tesfaye@example.net"
language = "en"
timezone = "America/Chicago"
attorney = "dokafor"

[[hearings]]
id = "tesfaye-individual"
a_number = "A208-555-310"
court = "ELP"
start = %q
type = "individual"
medium = "internet"
judge = "Sample, Judge"
webex = "https://eoir.webex.com/meet/IJ.Sample"
`, filepath.Join(dir, "docketd.db"), e2ePublic, e2eSID, e2eToken, e2eFrom, tw.URL, mail.Host, mail.Port,
		tesfayeStart)
}

// e2eDocket is the office's export: the Mendoza household's master calendar hearings, Tuesday 8 February 2028 at
// 9:00 in Dallas.
const e2eDocket = `Event ID,A Number,Client,Hearing Date,Hearing Time,Court,Hearing Type,Judge,Medium
EV-10231,A201-555-101,"Mendoza Lopez, Rosa Maria",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person
EV-10232,A201-555-102,"Mendoza Ramirez, Jorge",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person
EV-10233,A201-555-103,"Mendoza, Valeria",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person
EV-10234,A201-555-104,"Mendoza, Mateo",02/08/2028,9:00 AM,DAL,Master Calendar,"Example, Judge",In Person
`

var feedURLRE = regexp.MustCompile(`Feed \d+ for attorney:lfernandez:\n  (https://\S+\.ics)\n`)

// TestEndToEnd runs the daemon as an office would: it syncs a CSV export, texts the household and emails counsel
// through fake providers when the reminders fall due, serves a granted feed, takes an opt-out by webhook, reloads a
// moved hearing and tells the people concerned, shuts down cleanly, and logs no client's personal data.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// One day before the hearing at 10:00 Dallas time both policies fall due; the daemon starts two minutes before.
	due := time.Date(2028, 2, 7, 10, 0, 0, 0, chicago)
	clk := newTestClock(due.Add(-2 * time.Minute))
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	mail := newFakeSMTP(t, ring)
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(e2eConfig(dir, tw, mail, "2028-04-11 09:00")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docket.csv"), []byte(e2eDocket), 0o600); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, path, clk, ring)
	if got, want := get(t, d.base+"/readyz"), http.StatusOK; got != want {
		t.Errorf("/readyz: got %d, want %d", got, want)
	}

	// Time stands still until the export is synced and its reminders planned, so none is planned late.
	// The config's hearing and the export's are planned in separate runs, in either order: wait for the outbox to
	// hold the rows of both (2 for the config's hearing, 8 for the household's four), not for the first plan logged.
	clk.until(t, clk.Now(), "the export's sync and planning", ring, func() bool {
		return d.logs.find(0, `msg="sync done"`, "source=office-export", "created=4") >= 0 &&
			d.scrape(t)[sample("docketd_outbox_rows", "state", "pending")] >= 10
	})
	// Counsel's call list is not a reminder: it goes out at 8:00 whenever the call-list job runs after the export's
	// sync (it runs at start too, so before or after the sync, as the two happen to go), and it names the household
	// that has not confirmed.
	if n := len(tw.Messages()) + len(withoutCallLists(mail.Messages())); n != 0 {
		t.Fatalf("%d messages before the reminders were due", n)
	}
	clk.asleepBy(t, due)

	// Reminders: the household's four hearings make one Spanish text; counsel gets one email with an invitation.
	// The dispatcher records a send after the provider answers: wait for the outbox to say so, not the fakes.
	sentRows := func(n float64) func() bool {
		return func() bool { return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= n }
	}
	clk.until(t, due.Add(5*time.Minute), "the household's text and counsel's email", ring, sentRows(8))
	texts := tw.To("+12145550142")
	if got, want := len(texts), 1; got != want {
		t.Fatalf("texts to the household: got %d, want %d (all: %+v)", got, want, tw.Messages())
	}
	text := texts[0]
	for _, want := range []string{"audiencia", "Rosa", "Jorge", "Valeria", "Mateo"} {
		if !strings.Contains(text.Body, want) {
			t.Errorf("household text lacks %q:\n%s", want, text.Body)
		}
	}
	if got, want := text.From, e2eFrom; got != want {
		t.Errorf("text from: got %s, want %s", got, want)
	}
	if got, want := text.StatusCallback, e2ePublic+inbound.StatusPath; got != want {
		t.Errorf("status callback: got %s, want %s", got, want)
	}
	if got, want := text.At, due.UTC(); !got.Equal(want) {
		t.Errorf("text sent at %s, want %s (when it fell due)", got, want)
	}
	mails := withoutCallLists(mail.To("lfernandez@frontera-legal.example"))
	if got, want := len(mails), 1; got != want {
		t.Fatalf("emails to counsel: got %d, want %d", got, want)
	}
	checkInvite(t, mails[0].Data, "REQUEST", "20280208T090000")

	// Metrics: every series the operator's dashboards read.
	m := d.scrape(t)
	for _, want := range []struct {
		series string
		min    float64
	}{
		{sample("docketd_sends_total", "channel", "sms", "result", "sent", "code", ""), 1},
		{sample("docketd_sends_total", "channel", "email", "result", "sent", "code", ""), 1},
		{sample("docketd_reminder_lateness_seconds_count", "channel", "sms"), 1},
		{sample("docketd_reminder_lateness_seconds_bucket", "channel", "sms", "le", "0.01"), 1},
		{sample("docketd_hearings", "status", "scheduled"), 5},
		{sample("docketd_outbox_rows", "state", "sent"), 8}, // 4 household rows, 4 counsel rows
		{sample("docketd_outbox_rows", "state", "pending"), 1},
		{sample("docketd_sync_runs_total", "source", "office-export", "outcome", "ok"), 1},
		{sample("docketd_leader"), 1}, // SQLite: one process owns the file and leads
	} {
		got, ok := m[want.series]
		if !ok {
			t.Errorf("/metrics lacks %s", want.series)
		} else if got < want.min {
			t.Errorf("%s: got %v, want at least %v", want.series, got, want.min)
		}
	}

	// A feed granted from the command line is served by the running daemon.
	cli, out, cliErr := testEnv()
	cli.now = clk.Now
	if err := cli.dispatch(context.Background(), []string{"feed", "grant", "attorney:lfernandez", "--config", path}); err != nil {
		t.Fatalf("feed grant: %v\n%s", err, cliErr)
	}
	match := feedURLRE.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("feed grant printed no URL:\n%s", out)
	}
	resp, err := http.Get(d.base + strings.TrimPrefix(match[1], e2ePublic))
	if err != nil {
		t.Fatal(err)
	}
	ics, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Fatalf("feed: got %d, want %d\n%s", got, want, ics)
	}
	// The family's four hearings and the filing deadline of each.
	if got, want := strings.Count(string(ics), "BEGIN:VEVENT"), 8; got != want {
		t.Errorf("feed events: got %d, want %d\n%s", got, want, ics)
	}
	if got, want := d.scrape(t)[sample("docketd_http_requests_total", "handler", "feeds", "status", "OK")], 1.0; got != want {
		t.Errorf("feed requests counted: got %v, want %v", got, want)
	}

	// The household texts ALTO: a signed webhook, and the opt-out lands.
	form := url.Values{"From": {"+12145550142"}, "To": {e2eFrom}, "Body": {"ALTO"}, "AccountSid": {e2eSID},
		"MessageSid": {"SM0000000000000000000000000000a170"}}
	req, err := http.NewRequest(http.MethodPost, d.base+inbound.InboundPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Signature(e2eToken, e2ePublic+inbound.InboundPath, form))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	twiml, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, want := resp.StatusCode, http.StatusOK; got != want {
		t.Fatalf("ALTO webhook: got %d, want %d\n%s", got, want, twiml)
	}
	if err := xml.Unmarshal(twiml, new(struct{ XMLName xml.Name })); err != nil {
		t.Errorf("ALTO answer is not TwiML: %v\n%s", err, twiml)
	}
	m = d.scrape(t)
	if got, want := m[sample("docketd_opt_outs")], 1.0; got != want {
		t.Errorf("opt-outs after ALTO: got %v, want %v", got, want)
	}
	if got, want := m[sample("docketd_http_requests_total", "handler", "twilio", "status", "OK")], 1.0; got != want {
		t.Errorf("webhook requests counted: got %v, want %v", got, want)
	}

	// Samuel's hearing moves a day and four hours; a reload applies it and both he and his counsel are told.
	moved := e2eConfig(dir, tw, mail, "2028-04-12 13:00")
	if err := os.WriteFile(path, []byte(moved), 0o600); err != nil {
		t.Fatal(err)
	}
	d.reload <- struct{}{}
	select {
	case err := <-d.reloaded:
		if err != nil {
			t.Fatalf("reload: %v\n%s", err, d.logs)
		}
	case <-time.After(realGuard):
		t.Fatal("reload did not finish")
	}
	clk.until(t, clk.Now().Add(5*time.Minute), "the change notices to Samuel and his counsel", ring, sentRows(10))
	notice := tw.To("+14695550177")
	if got, want := len(notice), 1; got != want {
		t.Fatalf("change notices to Samuel: got %d, want %d", got, want)
	}
	for _, want := range []string{"April 12, 2028 at 2:00 PM your time (1:00 PM in El Paso), online", "Not April 11 any more"} {
		if !strings.Contains(notice[0].Body, want) {
			t.Errorf("change notice lacks %q:\n%s", want, notice[0].Body)
		}
	}
	counsel := mail.To("dokafor@frontera-legal.example")
	if got, want := len(counsel), 1; got != want {
		t.Fatalf("change notices to counsel: got %d, want %d", got, want)
	}
	checkInvite(t, counsel[0].Data, "REQUEST", "20280412T130000")
	if got, want := len(tw.To("+12145550142")), 1; got != want {
		t.Errorf("texts to the household after the reload: got %d, want %d", got, want)
	}

	if err := d.stop(t); err != nil {
		t.Fatalf("run returned %v on shutdown, want nil", err)
	}
	if !strings.Contains(d.logs.String(), `msg=stopped`) {
		t.Errorf("no clean stop logged:\n%s", d.logs)
	}

	// Nothing logged at info level names a client, their phone, email or A-number.
	logged := d.logs.String() + d.stdout.String()
	for i, line := range strings.Split(logged, "\n") {
		for _, s := range e2eSecrets {
			if strings.Contains(line, s) {
				t.Errorf("log line %d shows %q in clear:\n%s", i+1, s, line)
			}
		}
	}
}

// checkInvite checks that an email carries a text/calendar invitation with method for a hearing starting at start
// (court local, as DTSTART writes it).
func checkInvite(t *testing.T, data []byte, method, start string) {
	t.Helper()
	_, parts := mailParts(t, data)
	var kinds []string
	for _, p := range parts {
		kinds = append(kinds, p.mediaType)
		if p.mediaType != "text/calendar" {
			continue
		}
		if got, want := strings.ToUpper(p.params["method"]), method; got != want {
			t.Errorf("text/calendar method parameter: got %q, want %q", got, want)
		}
		body := strings.ReplaceAll(string(p.body), "\r\n ", "") // unfold
		for _, want := range []string{"BEGIN:VCALENDAR", "METHOD:" + method, "BEGIN:VEVENT", start} {
			if !strings.Contains(body, want) {
				t.Errorf("invitation lacks %q:\n%s", want, body)
			}
		}
		return
	}
	t.Errorf("email has no text/calendar part; parts: %v", kinds)
}
