package reminder

import (
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// A policy that calls: the call keeps the recipient's quiet hours like a text (a reminder due at 23:00 is moved to
// the evening before them), goes through the voice lane, and is made once however often the dispatcher runs.
func TestCallsKeepQuietHoursAndGoOnce(t *testing.T) {
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f, _, voice := ladderFixture(t, time.Date(2028, 2, 1, 12, 0, 0, 0, chicago), "off", docket.Voice)
	f.rules.Policies = []Policy{{Name: "client-call", To: "client", Channel: docket.Voice,
		Offsets: []Offset{{Label: "1d", Days: 1, At: 23 * 60}}}}
	f.hearings(t, anaHearing(start))
	f.runUntil(t, start)
	f.runUntil(t, start)
	calls := voice.messages()
	if len(calls) != 1 {
		t.Fatalf("calls: got %d, want 1", len(calls))
	}
	c := calls[0]
	if local := c.at.In(chicago); local.Format("01-02 15:04") != "02-07 20:59" || f.rules.Quiet.contains(local) {
		t.Errorf("called at %s, want 20:59 the evening before, outside quiet hours", local.Format(time.DateTime))
	}
	if c.msg.Channel != docket.Voice || c.msg.To != "+12145550170" || !strings.Contains(c.msg.Text, "Marque 1") {
		t.Errorf("call %+v: want the Spanish script to her phone, asking to press 1", c.msg)
	}
	if got := len(f.sms.messages()); got != 0 {
		t.Errorf("texts: got %d, want none (a client reached by calls only)", got)
	}
}
