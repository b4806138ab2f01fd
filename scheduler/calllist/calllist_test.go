package calllist

import (
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// The call list is the ladder's last rung: a client whose failed text was made good by a WhatsApp message or a call
// delivered after it is not listed for it; a delivery before the failure, or an email, does not make it good.
func TestFactsOfAFailureTheLadderMadeGood(t *testing.T) {
	t0 := time.Date(2028, 2, 7, 13, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { x := t0.Add(time.Duration(m) * time.Minute); return &x }
	row := func(ch docket.Channel, st docket.ReminderState, sent int) docket.Reminder {
		return docket.Reminder{HearingID: 1, Recipient: docket.ToClient, RecipientID: "ana", Channel: ch, State: st,
			SentAt: at(sent)}
	}
	failedText := row(docket.SMS, docket.StateFailed, 0)
	for _, tt := range []struct {
		name   string
		later  docket.Reminder
		listed bool
	}{
		{"WhatsApp delivered after", row(docket.WhatsApp, docket.StateDelivered, 5), false},
		{"a call answered after", row(docket.Voice, docket.StateDelivered, 10), false},
		{"WhatsApp delivered before", row(docket.WhatsApp, docket.StateDelivered, -60), true},
		{"WhatsApp sent, not yet delivered", row(docket.WhatsApp, docket.StateSent, 5), true},
		{"an email delivered after", row(docket.Email, docket.StateDelivered, 5), true},
	} {
		f := factsOf([]docket.Reminder{failedText, tt.later})[factKey{1, "ana"}]
		if got := len(f.failed) > 0; got != tt.listed {
			t.Errorf("%s: listed %v, want %v (%d failures)", tt.name, got, tt.listed, len(f.failed))
		}
	}
}
