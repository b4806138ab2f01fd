package main

import (
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/docketd/docketd/smtptest"
)

// urgentMails are the messages of msgs whose subject begins URGENT (or URGENTE), with their decoded subjects.
func urgentMails(msgs []smtptest.Message) (out []smtptest.Message, subjects []string) {
	for _, m := range msgs {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if strings.HasPrefix(subject, "URGENT") {
			out, subjects = append(out, m), append(subjects, subject)
		}
	}
	return out, subjects
}

// mailText is the text/plain part of a message.
func mailText(t *testing.T, data []byte) string {
	t.Helper()
	_, parts := mailParts(t, data)
	for _, p := range parts {
		if p.mediaType == "text/plain" {
			return string(p.body)
		}
	}
	t.Fatalf("no text/plain part:\n%s", data)
	return ""
}

var feedURLOfRE = regexp.MustCompile(`(https://\S+\.ics)\n`)

// TestEndToEndHearingMovedEarlierOntoADeadline runs the daemon with Samuel Tesfaye's individual hearing by WebEx on
// April 11, 2028, when its filing deadlines (March 13 and March 27) are weeks away. A reload moves the hearing to
// March 14: its 30-day filing deadline becomes February 14 and the request to appear in person February 28, both
// passed. His counsel, David Okafor, gets one urgent email at once, through SMTP, naming the deadlines and both
// dates; counsel's feed shows the deadlines at their new dates, re-sequenced; and nothing more is sent about it
// however long the daemon runs on.
func TestEndToEndHearingMovedEarlierOntoADeadline(t *testing.T) {
	dir := t.TempDir()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2028, 3, 1, 10, 0, 0, 0, chicago)
	clk := newTestClock(t0)
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
	// Samuel's two reminders (his text and his counsel's email, a day before) are planned.
	clk.until(t, clk.Now(), "the config's hearing planned", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "pending")] >= 2
	})

	// Counsel's feed shows the hearing's deadlines where the Practice Manual puts them.
	cli, out, cliErr := testEnv()
	cli.now = clk.Now
	if err := cli.dispatch(t.Context(), []string{"feed", "grant", "attorney:dokafor", "--config", path}); err != nil {
		t.Fatalf("feed grant: %v\n%s", err, cliErr)
	}
	match := feedURLOfRE.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("feed grant printed no URL:\n%s", out)
	}
	feedPath := strings.TrimPrefix(match[1], e2ePublic)
	deadlines := func() map[string]ical.Event {
		t.Helper()
		resp, err := http.Get(d.base + feedPath)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("feed: %d, %v\n%s", resp.StatusCode, err, body)
		}
		out := map[string]ical.Event{}
		for _, ev := range events(t, body) {
			if uid := text(ev, ical.PropUID); strings.HasPrefix(uid, "deadline-") {
				out[strings.SplitN(uid, "-", 4)[1]+"-"+strings.SplitN(uid, "-", 4)[2]] = ev
			}
		}
		return out
	}
	checkDeadline := func(evs map[string]ical.Event, rule, date, summary, sequence string) {
		t.Helper()
		ev, ok := evs[rule]
		if !ok {
			t.Fatalf("counsel's feed has no %s deadline: %v", rule, evs)
		}
		if p := ev.Props.Get(ical.PropDateTimeStart); p.Value != date || p.Params.Get(ical.ParamValue) != "DATE" {
			t.Errorf("%s: DTSTART %s %v, want VALUE=DATE:%s", rule, p.Value, p.Params, date)
		}
		if got := text(ev, ical.PropSummary); got != summary {
			t.Errorf("%s: SUMMARY %q, want %q", rule, got, summary)
		}
		if got := ev.Props.Get(ical.PropSequence).Value; got != sequence {
			t.Errorf("%s: SEQUENCE %s, want %s", rule, got, sequence)
		}
	}
	before := deadlines()
	checkDeadline(before, "individual-filings", "20280313",
		"Filing deadline — Samuel Tesfaye (individual hearing Apr 11)", "0")
	checkDeadline(before, "medium-request", "20280327",
		"Appearance request deadline — Samuel Tesfaye (individual hearing Apr 11)", "0")
	if urgent, _ := urgentMails(mail.Messages()); len(urgent) != 0 {
		t.Fatalf("an alarm before any move: %d", len(urgent))
	}

	// Five minutes on, the court moves the hearing four weeks earlier; the office enters it and reloads.
	later := t0.Add(5 * time.Minute)
	clk.until(t, later, "five minutes", ring, func() bool { return !clk.Now().Before(later) })
	if err := os.WriteFile(path, []byte(e2eConfig(dir, tw, mail, "2028-03-14 09:00")), 0o600); err != nil {
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
	moved := clk.Now()
	clk.until(t, moved.Add(time.Minute), "the alarm to counsel", ring, func() bool {
		urgent, _ := urgentMails(mail.To("dokafor@frontera-legal.example"))
		return len(urgent) > 0
	})
	urgent, subjects := urgentMails(mail.To("dokafor@frontera-legal.example"))
	if len(urgent) != 1 {
		t.Fatalf("alarms to counsel: got %d, want 1", len(urgent))
	}
	if want := "URGENT: hearing moved earlier, filing deadline already passed (Monday, February 14): Samuel Tesfaye, now Tuesday, March 14, 2028"; subjects[0] != want {
		t.Errorf("subject: got %q, want %q", subjects[0], want)
	}
	body := mailText(t, urgent[0].Data)
	for _, want := range []string{
		"moved EARLIER",
		"New date: Tuesday, March 14, 2028",
		"Previously: Tuesday, April 11, 2028",
		"Filing deadline: Monday, February 14, 2028 (PASSED)",
		"Filings for the individual hearing, 30 days before the hearing. Safe date: Friday, February 11, 2028. Before the move: Monday, March 13, 2028.",
		"Appearance request deadline: Monday, February 28, 2028 (PASSED)",
		"Rule: Practice Manual ch. 3.1(b)(2) and Appendix C",
		"Samuel Tesfaye (A208-555-310)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("alarm lacks %q:\n%s", want, body)
		}
	}
	if sent := urgent[0].Header.Get("Date"); sent == "" {
		t.Error("alarm without a Date header")
	}
	// Samuel is told of the move as ever, and not of the alarm.
	for _, m := range tw.To("+14695550177") {
		if strings.Contains(m.Body, "URGENT") || strings.Contains(m.Body, "deadline") {
			t.Errorf("the client was told counsel's deadline: %s", m.Body)
		}
	}

	// Counsel's feed moves both deadlines and re-sequences them with the hearing.
	after := deadlines()
	checkDeadline(after, "individual-filings", "20280214",
		"Filing deadline — Samuel Tesfaye (individual hearing Mar 14)", "1")
	checkDeadline(after, "medium-request", "20280228",
		"Appearance request deadline — Samuel Tesfaye (individual hearing Mar 14)", "1")
	for rule, ev := range after {
		if text(ev, ical.PropUID) != text(before[rule], ical.PropUID) {
			t.Errorf("%s: the UID changed with the move", rule)
		}
	}

	// An hour on, with every plan and dispatch the daemon makes meanwhile (it plans every five minutes), still one.
	hour := moved.Add(time.Hour)
	clk.until(t, hour, "an hour of the daemon's work", ring, func() bool { return !clk.Now().Before(hour) })
	if urgent, _ := urgentMails(mail.To("dokafor@frontera-legal.example")); len(urgent) != 1 {
		t.Errorf("alarms to counsel an hour on: got %d, want 1", len(urgent))
	}
	if err := d.stop(t); err != nil {
		t.Fatalf("run returned %v on shutdown, want nil", err)
	}
}

// The demo office (config.example.toml) shows its hearings' filing deadlines in its attorneys' feeds: the Mendoza
// family's master hearing of February 8, 2028 has its 15-day deadline on Monday, January 24.
func TestDemoAttorneyFeedShowsDeadlines(t *testing.T) {
	f := newFeedFixture(t)
	_, url := f.grant("attorney:lfernandez")
	r := f.get(url, "")
	if r.status != http.StatusOK {
		t.Fatalf("feed: %d", r.status)
	}
	found := 0
	for _, ev := range events(t, r.body) {
		if !strings.HasPrefix(text(ev, ical.PropUID), "deadline-master-filings-") {
			continue
		}
		found++
		if p := ev.Props.Get(ical.PropDateTimeStart); p.Value != "20280124" || p.Params.Get(ical.ParamValue) != "DATE" {
			t.Errorf("DTSTART %s %v, want VALUE=DATE:20280124", p.Value, p.Params)
		}
		summary := text(ev, ical.PropSummary)
		if !strings.HasPrefix(summary, "Filing deadline — ") || !strings.HasSuffix(summary, " (master calendar hearing Feb 8)") {
			t.Errorf("SUMMARY %q", summary)
		}
		desc := text(ev, ical.PropDescription)
		for _, want := range []string{"15 days before the hearing", "Safe date: Friday, January 21, 2028",
			"Rule: Immigration Court Practice Manual ch. 3.1(b)(1); Appendix C"} {
			if !strings.Contains(desc, want) {
				t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
			}
		}
	}
	if found != 4 {
		t.Errorf("master filing deadlines in Lucía's feed: got %d, want 4 (the Mendoza family)", found)
	}
	f.checkICalJS()
}
