package drills

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

// TestTimeoutThenListFails: Twilio takes the first message and hangs past the client's timeout, so the dispatcher
// cannot know it went out; when the retry asks what was sent, the list call fails, three times over. The message
// must not be sent again: while the provider cannot be asked, the row waits, and once the list answers it is
// recorded as the message that went out. The dispatcher runs in this process on a fake clock (retries are 30 s and
// more apart), one pass after another as a cron `docketd remind` would: reconcile, then send what is due.
func TestTimeoutThenListFails(t *testing.T) {
	needDrills(t)
	ctx := context.Background()
	now := time.Date(2027, 3, 1, 15, 0, 0, 0, time.UTC) // 09:00 in Dallas
	const failedLists = 3
	var p *inproc
	tw := newFakeTwilio(t, func() time.Time { return p.clock.Now() })
	tw.SetListAnswered(true)
	tw.FailNext(1, twiliotest.AcceptThenHang(5*time.Second))
	tw.FailNextList(failedLists, twiliotest.ServerError)
	p = newInproc(t, now, fmt.Sprintf(`
[sms]
provider = "twilio"

[sms.twilio]
account_sid = %q
auth_token = %q
from = %q
api_url = %q
timeout = "1s"
`, accountSID, authToken, fromNumber, tw.URL), "sms", "80h")
	o := office{clients: 3, start: now.Add(72 * time.Hour)}
	p.people(t, o, nil)

	var states map[string]int
	postsWhileUnasked := 0
	rounds := 0
	for ; rounds < 200; rounds++ {
		if err := p.disp.Reconcile(ctx); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		if _, err := p.disp.DispatchDue(ctx); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
		if len(tw.Lists()) == tw.Faults()[twiliotest.ServerError] {
			// No list has been answered yet: a POST beyond one per client is a resend nobody could check.
			postsWhileUnasked = len(tw.Posts())
		}
		var err error
		if states, err = outboxStates(ctx, p.db); err != nil {
			t.Fatal(err)
		}
		if states[string(docket.StatePending)] == 0 && states[string(docket.StateSending)] == 0 {
			break
		}
		// On to the next retry; a row that waits in "sending" waits for its claim to run out.
		step := time.Minute
		if next, ok, err := p.db.NextDue(ctx, ""); err != nil {
			t.Fatal(err)
		} else if ok && next.Sub(p.clock.Now()) > step {
			step = next.Sub(p.clock.Now())
		}
		p.clock.Advance(step)
	}

	accepted := tw.Messages()
	rows, err := p.db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rep := checkDelivery(ctx, t, p.db, accepted, docket.SMS)
	t.Logf("after %d passes over %v of the clock: outbox %v; provider: %d POSTs (%d before a list answered), %d accepted, %d list calls (%d failed)",
		rounds+1, p.clock.Since(now).Round(time.Second), states, len(tw.Posts()), postsWhileUnasked, len(accepted),
		len(tw.Lists()), tw.Faults()[twiliotest.ServerError])
	if got, want := len(tw.Posts()), o.clients; got != want {
		t.Errorf("provider saw %d POSTs for %d clients: the message whose outcome was unknown was sent again", got, want)
	}
	smsPromise(t, rep, rows, accepted, dallas(t), "21:00-08:00", 168*time.Hour).check(t, "timeout, then failing lists")
}
