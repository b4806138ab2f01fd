package reminder

import (
	"context"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// ladderFixture is the fixture with Ana, reached by text, then WhatsApp, then a call, and senders for each.
func ladderFixture(t *testing.T, start time.Time, fallback string, channels ...docket.Channel) (*fixture, *recorder, *recorder) {
	t.Helper()
	f := newFixture(t, start)
	wa, voice := &recorder{clock: f.clock}, &recorder{clock: f.clock}
	f.disp.Senders[docket.WhatsApp], f.disp.Senders[docket.Voice] = wa, voice
	f.rules.Fallback = fallback
	att := "lf"
	err := f.db.ReplacePeople(context.Background(),
		[]docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lf@example.org", Zone: "America/Chicago"}},
		[]docket.Client{{ID: "ana", Name: "Ana Quispe", ANumber: "201555430", Phone: "+12145550170", Language: "es",
			Zone: "America/Chicago", AttorneyID: &att, Channels: channels}})
	if err != nil {
		t.Fatal(err)
	}
	return f, wa, voice
}

func anaHearing(start time.Time) docket.HearingRecord {
	return docket.HearingRecord{Key: "ana", ANumber: "201555430", Start: start, Zone: "America/Chicago",
		CourtCode: "DAL", Type: "master", Medium: "in_person"}
}

func refuse(code string) func(docket.Message) error {
	return func(docket.Message) error { return &docket.SendError{Code: code, Err: errString("refused " + code)} }
}

type errString string

func (e errString) Error() string { return string(e) }

// A text that fails goes by WhatsApp, and that failing, as a call: each once, each waiting for the end of quiet
// hours, the call through the voice lane; after the last channel nothing more is planned.
func TestLadderMovesAFailedReminderDownTheChannelsOnce(t *testing.T) {
	start := time.Date(2028, 2, 8, 13, 0, 0, 0, chicago)
	f, wa, voice := ladderFixture(t, time.Date(2028, 2, 7, 20, 0, 0, 0, chicago), docket.FallbackUndelivered,
		docket.SMS, docket.WhatsApp, docket.Voice)
	f.rules.Policies = []Policy{{Name: "client-text", To: "client", Channel: docket.SMS,
		Offsets: []Offset{{Label: "1d", Days: 1, At: 20*60 + 50}}}}
	f.sms.fail, wa.fail, voice.fail = refuse("21211"), refuse("63024"), refuse("13224")
	f.hearings(t, anaHearing(start))
	f.runUntil(t, time.Date(2028, 2, 7, 20, 55, 0, 0, chicago))
	if got := len(f.sms.messages()) + len(wa.messages()); got != 0 {
		t.Fatalf("%d messages went through refusing senders", got)
	}
	// The text failed at 20:50; the next plan, at 21:10, is inside quiet hours: WhatsApp waits for 8:00.
	f.clock.Advance(20 * time.Minute)
	wa.fail = nil
	f.runUntil(t, time.Date(2028, 2, 8, 9, 0, 0, 0, chicago))
	got := wa.messages()
	if len(got) != 1 {
		t.Fatalf("WhatsApp messages: got %d, want 1", len(got))
	}
	if at := got[0].at.In(chicago); at.Hour() != 8 || at.Minute() != 0 || got[0].msg.To != "whatsapp:+12145550170" ||
		got[0].msg.Vars["first_name"] != "Ana" {
		t.Errorf("WhatsApp message at %s to %s with %v: want 8:00, to her WhatsApp, with the template's values",
			at, got[0].msg.To, got[0].msg.Vars)
	}
	// WhatsApp reports it failed: the call, at the next plan, once.
	rows, err := f.db.OutboxRows(context.Background(), docket.OutboxFilter{HearingID: 0, Recipient: docket.ToClient})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Channel == docket.WhatsApp {
			if _, err := f.db.RecordDelivery(context.Background(), r.ProviderID, "failed", "63024",
				func(s string) int { return map[string]int{"sent": 3, "failed": 4}[s] }, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.clock.Advance(5 * time.Minute)
	voice.fail = nil
	f.runUntil(t, time.Date(2028, 2, 8, 10, 0, 0, 0, chicago))
	calls := voice.messages()
	if len(calls) != 1 || calls[0].msg.Channel != docket.Voice || calls[0].msg.To != "+12145550170" {
		t.Fatalf("calls: %+v, want one to her phone", calls)
	}
	// The call is not answered: planning again, and again, moves nothing more: the call list is the last rung.
	rows, err = f.db.OutboxRows(context.Background(), docket.OutboxFilter{Recipient: docket.ToClient})
	if err != nil {
		t.Fatal(err)
	}
	answered := false
	for _, r := range rows {
		if r.Channel == docket.Voice {
			if answered, err = f.db.RecordDelivery(context.Background(), r.ProviderID, "undelivered", "no-answer",
				func(s string) int { return map[string]int{"sent": 3, "undelivered": 4}[s] }, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !answered {
		t.Fatal("the call's outcome was not recorded")
	}
	for range 3 {
		f.clock.Advance(5 * time.Minute)
		f.runUntil(t, f.clock.Now())
	}
	if n := len(f.sms.messages()) + len(wa.messages()) + len(voice.messages()); n != 2 {
		t.Errorf("messages after more plans: got %d, want 2 (the WhatsApp message and the call)", n)
	}
}

// Fallback off: a failed text stays failed.
func TestLadderOffMovesNothing(t *testing.T) {
	start := time.Date(2028, 2, 8, 13, 0, 0, 0, chicago)
	f, wa, voice := ladderFixture(t, time.Date(2028, 2, 7, 9, 0, 0, 0, chicago), "off", docket.SMS, docket.Voice)
	f.sms.fail = refuse("21211")
	f.hearings(t, anaHearing(start))
	f.runUntil(t, time.Date(2028, 2, 7, 12, 0, 0, 0, chicago))
	rows, err := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateFailed})
	if err != nil || len(rows) != 1 || rows[0].Channel != docket.SMS {
		t.Fatalf("failed rows: %+v (%v), want the text", rows, err)
	}
	f.clock.Advance(time.Hour)
	f.runUntil(t, start)
	if n := len(wa.messages()) + len(voice.messages()); n != 0 {
		t.Errorf("fallback off: %d messages on later channels", n)
	}
}

// "unconfirmed": the day-before text, delivered but not confirmed two hours later, goes as a call too; a client who
// confirmed is not called.
func TestLadderCallsWhenTheDayBeforeTextIsNotConfirmed(t *testing.T) {
	for _, confirm := range []bool{false, true} {
		start := time.Date(2028, 2, 8, 13, 0, 0, 0, chicago)
		f, _, voice := ladderFixture(t, time.Date(2028, 2, 7, 9, 0, 0, 0, chicago), docket.FallbackUnconfirmed,
			docket.SMS, docket.Voice)
		f.hearings(t, anaHearing(start))
		f.runUntil(t, time.Date(2028, 2, 7, 10, 30, 0, 0, chicago))
		texts := f.sms.messages()
		if len(texts) != 1 {
			t.Fatalf("texts: got %d, want the day-before one", len(texts))
		}
		if confirm {
			if err := f.db.ConfirmSent(context.Background(), "SM001", f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		// Not yet two hours: no call.
		f.clock.Advance(time.Hour)
		f.runUntil(t, f.clock.Now())
		if n := len(voice.messages()); n != 0 {
			t.Fatalf("called %d times an hour after the text", n)
		}
		f.clock.Advance(time.Hour)
		f.runUntil(t, f.clock.Now().Add(time.Minute))
		want := 1
		if confirm {
			want = 0
		}
		if n := len(voice.messages()); n != want {
			t.Errorf("confirmed %v: %d calls, want %d", confirm, n, want)
		}
	}
}
