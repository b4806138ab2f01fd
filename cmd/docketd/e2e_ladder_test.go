package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/twiliotest"
)

const (
	ladderPhone    = "+12145550170"
	ladderWhatsApp = "whatsapp:+12145550170"
)

// ladderConfig is an office whose one client is reached by text, then WhatsApp, then a call, with fallback on:
// Twilio and SMTP at the fakes, the hearing entered by hand for Tuesday 8 February 2028 at 13:00 in Dallas, the
// reminder the morning before at 7:00.
func ladderConfig(dir string, tw *twiliotest.Server, mailHost string, mailPort int) string {
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
quiet_hours = "21:00-07:00"
fallback = "undelivered"

[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = ["1d"]
at = "07:00"

[whatsapp]
provider = "twilio"
from = "whatsapp:+12145550199"
rate = 1000.0

[whatsapp.templates]
reminder.es = { sid = "HX0000000000000000000000000000e501", variables = ["first_name", "date", "time", "place"] }
rescheduled.es = { sid = "HX0000000000000000000000000000e502", variables = ["first_name", "date", "time", "place"] }
cancelled.es = { sid = "HX0000000000000000000000000000e503", variables = ["first_name", "date"] }

[voice]
provider = "twilio"
from = %q
rate = 1000.0

[voice.voices]
es-MX = "Polly.Mia"

[[attorneys]]
id = "lfernandez"
name = "Lucía Fernández"
email = "lfernandez@frontera-legal.example"
language = "en"
timezone = "America/Chicago"

[[clients]]
id = "ana-quispe"
name = "Ana Quispe Mamani"
a_number = "A201-555-430"
phone = %q
language = "es"
timezone = "America/Chicago"
attorney = "lfernandez"
channels = ["sms", "whatsapp", "voice"]

[[hearings]]
id = "quispe-master"
a_number = "A201-555-430"
court = "DAL"
start = "2028-02-08 13:00"
type = "master"
medium = "in_person"
`, filepath.Join(dir, "docketd.db"), e2ePublic, e2eSID, e2eToken, e2eFrom, tw.URL, mailHost, mailPort, e2eFrom,
		ladderPhone)
}

// postTwilio posts form to the daemon at path as Twilio would, signed for the public URL, and fails unless it is
// answered 2xx.
func postTwilio(t *testing.T, d *testDaemon, path string, form url.Values) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Signature(e2eToken, e2ePublic+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST %s: %d\n%s", path, resp.StatusCode, body)
	}
	return string(body)
}

// TestLadderTextWhatsAppCallCallList drives one reminder down the ladder through the running daemon: the text is
// reported undelivered, so it goes by WhatsApp as the approved template; that fails, so the client is called with
// TwiML Twilio accepts; nobody answers, so at 8:00 counsel's call list names her with the three failures. Each rung
// goes once, whatever the daemon's later plans do.
func TestLadderTextWhatsAppCallCallList(t *testing.T) {
	dir := t.TempDir()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2028, 2, 7, 7, 0, 0, 0, chicago)
	clk := newTestClock(due.Add(-2 * time.Minute))
	ring := newBell()
	tw := newFakeTwilio(t, e2eSID, e2eToken, clk.Now, ring)
	tw.SetOnCall(func(twiliotest.Call) { ring.ring() })
	mail := newFakeSMTP(t, ring)
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(ladderConfig(dir, tw, mail.Host, mail.Port)), 0o600); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, path, clk, ring)
	clk.until(t, clk.Now(), "planning", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "pending")] >= 1
	})
	clk.asleepBy(t, due)

	// Rung 1: the text, at 7:00; the carrier reports it undelivered.
	clk.until(t, due.Add(5*time.Minute), "the text", ring, func() bool { return len(tw.To(ladderPhone)) == 1 })
	text := tw.To(ladderPhone)[0]
	if !strings.Contains(text.Body, "audiencia") || text.ContentSID != "" {
		t.Fatalf("text: %+v", text)
	}
	clk.until(t, clk.Now().Add(time.Minute), "the text recorded sent", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= 1
	})
	postTwilio(t, d, inbound.StatusPath, text.StatusForm(e2eSID, "undelivered", "30003"))

	// Rung 2: WhatsApp, as the approved template with its values, at the next plan.
	clk.until(t, clk.Now().Add(10*time.Minute), "the WhatsApp message", ring, func() bool {
		return len(tw.To(ladderWhatsApp)) == 1
	})
	wa := tw.To(ladderWhatsApp)[0]
	if wa.ContentSID != "HX0000000000000000000000000000e501" || wa.Body != "" || wa.From != "whatsapp:+12145550199" ||
		wa.ErrorCode != "" {
		t.Fatalf("WhatsApp message: %+v, want the approved template from the WhatsApp sender", wa)
	}
	var vars map[string]string
	if err := json.Unmarshal([]byte(wa.ContentVariables), &vars); err != nil {
		t.Fatalf("ContentVariables %q: %v", wa.ContentVariables, err)
	}
	if vars["1"] != "Ana" || !strings.Contains(vars["2"], "8 de febrero de 2028") || vars["3"] != "1 p. m." ||
		!strings.Contains(vars["4"], "Dallas") {
		t.Errorf("ContentVariables: %v", vars)
	}
	if len(tw.Calls()) != 0 {
		t.Fatalf("called before WhatsApp failed: %+v", tw.Calls())
	}
	clk.until(t, clk.Now().Add(time.Minute), "the WhatsApp message recorded sent", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= 1
	})
	postTwilio(t, d, inbound.StatusPath, wa.StatusForm(e2eSID, "failed", "63024"))

	// Rung 3: the call, with TwiML Twilio takes: said in Spanish by the configured voice, inside a gather.
	clk.until(t, clk.Now().Add(10*time.Minute), "the call", ring, func() bool { return len(tw.CallsTo(ladderPhone)) == 1 })
	call := tw.CallsTo(ladderPhone)[0]
	if err := twiliotest.ValidateTwiML(call.Twiml); err != nil {
		t.Fatalf("%v\n%s", err, call.Twiml)
	}
	for _, want := range []string{`<Say language="es-MX" voice="Polly.Mia">Hola, Ana.`, `numDigits="1"`,
		`action="` + e2ePublic + inbound.VoiceGatherPath + `?kind=reminder&amp;lang=es"`, "a la 1 de la tarde",
		"Marque 1 para decirnos que irá."} {
		if !strings.Contains(call.Twiml, want) {
			t.Errorf("call TwiML lacks %s:\n%s", want, call.Twiml)
		}
	}
	if strings.Count(call.Twiml, "martes 8 de febrero de 2028") < 2 {
		t.Errorf("the date is not said twice:\n%s", call.Twiml)
	}
	if call.MachineDetection != "DetectMessageEnd" || call.StatusCallback != e2ePublic+inbound.VoiceStatusPath ||
		call.From != e2eFrom {
		t.Errorf("call: %+v", call)
	}
	clk.until(t, clk.Now().Add(time.Minute), "the call recorded placed", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= 1
	})
	// While the phone rings, pressing 2 says the message again (the gather handler is signed like the others).
	again := postTwilio(t, d, inbound.VoiceGatherPath+"?kind=reminder&lang=es", call.GatherForm(e2eSID, "2"))
	if err := twiliotest.ValidateTwiML(again); err != nil || !strings.Contains(again, "Hola, Ana.") {
		t.Errorf("pressing 2: %v\n%s", err, again)
	}
	postTwilio(t, d, inbound.VoiceStatusPath, call.StatusForm(e2eSID, "no-answer", ""))

	// The last rung: at 8:00 counsel's call list names her, with the text, the WhatsApp message and the call.
	eight := time.Date(2028, 2, 7, 8, 0, 0, 0, chicago)
	clk.until(t, eight.Add(20*time.Minute), "counsel's call list", ring, func() bool {
		return len(mail.To("lfernandez@frontera-legal.example")) >= 1
	})
	lists := mail.To("lfernandez@frontera-legal.example")
	if len(lists) != 1 {
		t.Fatalf("mails to counsel: got %d, want 1", len(lists))
	}
	_, parts := mailParts(t, lists[0].Data)
	body := string(parts[0].body)
	for _, want := range []string{"Ana Quispe Mamani", "the text", "the WhatsApp message", "the call"} {
		if !strings.Contains(body, want) {
			t.Errorf("call list lacks %q:\n%s", want, body)
		}
	}

	// Once each: later plans move nothing again.
	clk.until(t, eight.Add(40*time.Minute), "later plans", ring, func() bool { return clk.Now().After(eight.Add(30 * time.Minute)) })
	if got := len(tw.To(ladderPhone)) + len(tw.To(ladderWhatsApp)) + len(tw.Calls()); got != 3 {
		t.Errorf("sends after the ladder: got %d, want 3 (one per rung)", got)
	}
	if err := d.stop(t); err != nil {
		t.Fatalf("stop: %v", err)
	}
}
