package notify

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

const (
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testAuthToken  = "0123456789abcdef0123456789abcdef"
	testFrom       = "+15005550006"
)

// The fake Twilio answers by recipient, like Twilio's magic test numbers.
const (
	toOK         = "+12145550100"
	toInvalid    = "+12145550101"
	toOptedOut   = "+12145550102"
	toUnavail    = "+12145550103"
	toRateLimit  = "+12145550104"
	toServerErr  = "+12145550105"
	toHang       = "+12145550106"
	toPermission = "+12145550107"
)

// fakeTwilio is the shared fake Twilio, answering by recipient like Twilio's magic test numbers.
type fakeTwilio struct {
	*twiliotest.Server
	started chan struct{} // receives when a toHang request arrives
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{Server: twiliotest.NewServer(testAccountSID, testAuthToken), started: make(chan struct{}, 1)}
	t.Cleanup(f.Close)
	f.FailTo(toInvalid, twiliotest.Fault{Status: 400, Code: 21211, Message: "Invalid 'To' Phone Number: " + toInvalid})
	f.FailTo(toOptedOut, twiliotest.OptedOut)
	f.FailTo(toPermission, twiliotest.Fault{Status: 403, Code: 21408,
		Message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: " + toPermission})
	f.FailTo(toRateLimit, twiliotest.RateLimit)
	f.FailTo(toServerErr, twiliotest.ServerError)
	f.FailTo(toUnavail, twiliotest.Unavailable)
	f.FailTo(toHang, twiliotest.Timeout(time.Hour))
	f.SetHold(func(r twiliotest.Request) {
		if r.Form.Get("To") == toHang {
			select {
			case f.started <- struct{}{}:
			default:
			}
		}
	})
	return f
}

func (f *fakeTwilio) lastPost(t *testing.T) url.Values {
	t.Helper()
	posts := f.Posts()
	if len(posts) == 0 {
		t.Fatal("twilio got no POST")
	}
	return posts[len(posts)-1]
}

func newTestTwilio(t *testing.T, f *fakeTwilio, mod func(*TwilioConfig)) *Twilio {
	t.Helper()
	cfg := TwilioConfig{
		AccountSID:     testAccountSID,
		AuthToken:      testAuthToken,
		From:           testFrom,
		APIURL:         f.URL,
		StatusCallback: "https://docket.example.org/twilio/status",
		Timeout:        5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	tw, err := NewTwilio(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

func TestTwilioSend(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, nil)
	sid, err := tw.Send(t.Context(), docket.Message{Key: "outbox-1", Channel: docket.SMS, To: toOK, Language: "es", Text: "Su audiencia es mañana."})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sid, "SM00000000000000000000000000000001"; got != want {
		t.Errorf("sid = %q, want %q", got, want)
	}
	form := f.lastPost(t)
	for k, want := range map[string]string{
		"To": toOK, "From": testFrom, "Body": "Su audiencia es mañana.",
		"StatusCallback": "https://docket.example.org/twilio/status", "MessagingServiceSid": "",
	} {
		if got := form.Get(k); got != want {
			t.Errorf("form %s = %q, want %q", k, got, want)
		}
	}
}

func TestTwilioSendMessagingService(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, func(c *TwilioConfig) {
		c.MessagingServiceSID = "MG0123456789abcdef0123456789abcdef"
		c.StatusCallback = ""
	})
	if _, err := tw.Send(t.Context(), docket.Message{To: toOK, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	form := f.lastPost(t)
	if got, want := form.Get("MessagingServiceSid"), "MG0123456789abcdef0123456789abcdef"; got != want {
		t.Errorf("MessagingServiceSid = %q, want %q", got, want)
	}
	if got := form.Get("From"); got != "" {
		t.Errorf("From = %q, want none with a messaging service", got)
	}
	if _, ok := form["StatusCallback"]; ok {
		t.Errorf("StatusCallback sent though none configured")
	}
}

func TestTwilioSendErrors(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, nil)
	tests := []struct {
		to                  string
		code                string
		temporary, optedOut bool
	}{
		{toInvalid, "21211", false, false},
		{toOptedOut, "21610", false, true},
		{toPermission, "21408", false, false},
		{toRateLimit, "20429", true, false},
		{toServerErr, "20500", true, false},
		{toUnavail, "503", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			_, err := tw.Send(t.Context(), docket.Message{To: tt.to, Text: "hi"})
			var e *docket.SendError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *docket.SendError", err)
			}
			if got, want := e.Code, tt.code; got != want {
				t.Errorf("code = %q, want %q", got, want)
			}
			if got, want := e.Temporary, tt.temporary; got != want {
				t.Errorf("temporary = %v, want %v", got, want)
			}
			if got, want := docket.IsTemporary(err), tt.temporary; got != want {
				t.Errorf("IsTemporary = %v, want %v", got, want)
			}
			if got, want := e.OptedOut, tt.optedOut; got != want {
				t.Errorf("opted out = %v, want %v", got, want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), tt.to) || strings.Contains(err.Error(), tt.to[1:]) {
				t.Errorf("error text shows the number: %v", err)
			}
		})
	}
}

func TestTwilioSendBadCredentialsIsTemporary(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, func(c *TwilioConfig) { c.AuthToken = "ffffffffffffffffffffffffffffffff" })
	_, err := tw.Send(t.Context(), docket.Message{To: toOK, Text: "hi"})
	if got, want := docket.IsTemporary(err), true; got != want {
		t.Errorf("IsTemporary(%v) = %v, want %v", err, got, want)
	}
}

func TestTwilioSendNetworkError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tw, err := NewTwilio(TwilioConfig{AccountSID: testAccountSID, AuthToken: testAuthToken, From: testFrom,
		APIURL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tw.Send(t.Context(), docket.Message{To: toOK, Text: "hi"})
	var e *docket.SendError
	if !errors.As(err, &e) || !e.Temporary {
		t.Errorf("err = %#v, want a temporary *docket.SendError", err)
	}
}

func TestTwilioSendTimeout(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, func(c *TwilioConfig) { c.Timeout = 50 * time.Millisecond })
	_, err := tw.Send(t.Context(), docket.Message{To: toHang, Text: "hi"})
	var e *docket.SendError
	if !errors.As(err, &e) || !e.Temporary {
		t.Errorf("err = %v, want a temporary *docket.SendError", err)
	}
}

func TestTwilioSendHonoursContext(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, func(c *TwilioConfig) { c.Timeout = time.Minute })

	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		n := len(f.Posts())
		_, err := tw.Send(ctx, docket.Message{To: toOK, Text: "hi"})
		if !docket.IsTemporary(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want temporary context.Canceled", err)
		}
		if got, want := len(f.Posts()), n; got != want {
			t.Errorf("posts = %d, want %d: nothing sent on a cancelled context", got, want)
		}
	})
	t.Run("cancelled during", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			<-f.started
			cancel()
		}()
		_, err := tw.Send(ctx, docket.Message{To: toHang, Text: "hi"})
		if !docket.IsTemporary(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want temporary context.Canceled", err)
		}
	})
}

func TestTwilioSent(t *testing.T) {
	f := newFakeTwilio(t)
	f.SetPageSize(2)
	for _, m := range []twiliotest.Message{ // oldest first: a list shows the newest first, two to a page
		// Same UTC day, before since: Twilio's day-granular filter lets it through, Sent must not.
		{SID: "SM0000000000000000000000000000000c", Status: "delivered", At: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
			DateSent: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
		{SID: "SM0000000000000000000000000000000b", Status: "delivered", At: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC),
			DateSent: time.Date(2026, 3, 2, 15, 0, 1, 0, time.UTC)},
		{SID: "SM0000000000000000000000000000000a", Status: "queued", At: time.Date(2026, 3, 2, 15, 0, 5, 0, time.UTC)},
	} {
		m.To, m.From, m.Body = toOK, testFrom, "Reminder "+m.SID
		f.Add(m)
	}
	tw := newTestTwilio(t, f, nil)
	since := time.Date(2026, 3, 2, 14, 59, 0, 0, time.UTC)
	got, err := tw.Sent(t.Context(), toOK, since)
	if err != nil {
		t.Fatal(err)
	}
	want := []docket.SentMessage{
		{SID: "SM0000000000000000000000000000000a", To: toOK, Body: "Reminder SM0000000000000000000000000000000a",
			Status: "queued", DateCreated: time.Date(2026, 3, 2, 15, 0, 5, 0, time.UTC)},
		{SID: "SM0000000000000000000000000000000b", To: toOK, Body: "Reminder SM0000000000000000000000000000000b",
			Status: "delivered", DateSent: time.Date(2026, 3, 2, 15, 0, 1, 0, time.UTC),
			DateCreated: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	lists := f.Lists()
	if got, want := len(lists), 2; got != want {
		t.Fatalf("list requests = %d, want %d (two pages)", got, want)
	}
	q := lists[0]
	if got, want := q.Get("To"), toOK; got != want {
		t.Errorf("To = %q, want %q", got, want)
	}
	if got, want := q.Get("DateSent>"), "2026-03-02T14:59:00Z"; got != want {
		t.Errorf("DateSent> = %q, want %q", got, want)
	}
}

func TestTwilioSentError(t *testing.T) {
	f := newFakeTwilio(t)
	tw := newTestTwilio(t, f, func(c *TwilioConfig) { c.AuthToken = "ffffffffffffffffffffffffffffffff" })
	_, err := tw.Sent(t.Context(), toOK, time.Now())
	var e *docket.SendError
	if !errors.As(err, &e) || e.Code != "20003" {
		t.Errorf("err = %v, want *docket.SendError with code 20003", err)
	}
}

func TestNewTwilioRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  TwilioConfig
	}{
		{"no sid", TwilioConfig{AuthToken: testAuthToken, From: testFrom}},
		{"no token", TwilioConfig{AccountSID: testAccountSID, From: testFrom}},
		{"no sender", TwilioConfig{AccountSID: testAccountSID, AuthToken: testAuthToken}},
		{"bad url", TwilioConfig{AccountSID: testAccountSID, AuthToken: testAuthToken, From: testFrom, APIURL: "api.twilio.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTwilio(tt.cfg); err == nil {
				t.Errorf("NewTwilio(%+v) = nil error, want one", tt.cfg)
			}
		})
	}
}

// Sixteen requests in flight at once, round after round, through a sender given no transport: each round reuses
// the connections of the last, so the server sees one connection for each request in flight, not one for each
// request (http.DefaultTransport keeps two idle a host and opened fourteen new ones a round).
func TestTwilioKeepsAConnectionForEachRequestInFlight(t *testing.T) {
	const inFlight, rounds = 16, 12
	f := newFakeTwilio(t)
	var mu sync.Mutex
	arrived, release := 0, make(chan struct{})
	f.SetHold(func(twiliotest.Request) {
		// A round is answered only once all of its requests are in flight.
		mu.Lock()
		arrived++
		wait := release
		if arrived == inFlight {
			arrived = 0
			close(release)
			release = make(chan struct{})
		}
		mu.Unlock()
		<-wait
	})
	tw := newTestTwilio(t, f, nil)
	var wg sync.WaitGroup
	errs := make(chan error, inFlight)
	for range inFlight {
		wg.Go(func() {
			for range rounds {
				if _, err := tw.Send(t.Context(), docket.Message{Channel: docket.SMS, To: toOK, Text: "Hearing tomorrow."}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := len(f.Posts()); got != inFlight*rounds {
		t.Fatalf("%d messages posted, want %d", got, inFlight*rounds)
	}
	// A dial begun just as another connection came free may still finish and be kept: a few more than one a request.
	if got := f.Conns(); got > inFlight+inFlight/4 {
		t.Errorf("%d connections for %d rounds of %d requests in flight, want about %d", got, rounds, inFlight, inFlight)
	}
}
