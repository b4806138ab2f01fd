package drills

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/docketd/docketd/twiliotest"
)

// TestProviderFailures makes the fake Twilio fail 20% of sends, evenly with 429 (JSON 20429), 500 (JSON), a
// non-JSON 503 from a load balancer, and a hang past the client's timeout: every reminder must still go out exactly
// once, before its hearing. In "accepted, then hung" the provider takes the message and then hangs, so the client
// cannot know it went out; the dispatcher asks the provider before retrying.
func TestProviderFailures(t *testing.T) {
	needDrills(t)
	for _, tc := range []struct {
		name string
		hang twiliotest.Fault
	}{
		{"hang before accepting", twiliotest.Timeout(1500 * time.Millisecond)},
		{"accepted, then hung", twiliotest.AcceptThenHang(1500 * time.Millisecond)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			now := time.Date(2027, 3, 1, 15, 0, 0, 0, time.UTC)
			var p *inproc
			tw := newFakeTwilio(t, func() time.Time { return p.clock.Now() })
			rng := rand.New(rand.NewPCG(8, 20))
			tw.SetFaults(func(int) twiliotest.Fault { // called under the fake's lock
				if rng.IntN(5) != 0 {
					return twiliotest.Fault{}
				}
				return []twiliotest.Fault{twiliotest.RateLimit, twiliotest.ServerError, twiliotest.Unavailable,
					tc.hang}[rng.IntN(4)]
			})
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
			o := office{clients: 250, households: 5, start: now.Add(72 * time.Hour)}
			p.people(t, o, nil)
			rounds := p.drain(t, 400)

			accepted := tw.Messages()
			rep := checkDelivery(ctx, t, p.db, accepted, "sms")
			t.Logf("%d rows, %d messages accepted from %d POSTs in %d dispatch rounds (%v of the clock); faults %v",
				rep.rows, len(accepted), len(tw.Posts()), rounds, p.clock.Since(now).Round(time.Second), tw.Faults())
			rep.assert(t, len(accepted))
			starts := map[string]time.Time{}
			for i := range o.clients {
				starts[o.phone(i)] = o.hearingStart(i)
			}
			for _, m := range accepted {
				if !m.At.Before(starts[m.To]) {
					t.Errorf("message to %s went out at %s, after its hearing at %s", mask(m.To), m.At, starts[m.To])
				}
			}
			if faults := tw.Faults(); faults[tc.hang] == 0 || faults[twiliotest.Unavailable] == 0 {
				t.Errorf("the drill injected too few faults: %v", faults)
			}
		})
	}
}
