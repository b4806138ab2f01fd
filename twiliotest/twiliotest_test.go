package twiliotest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twilio/twilio-go/client"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/notify"
	"github.com/docketd/docketd/twiliotest"
)

const (
	sid   = "AC0123456789abcdef0123456789abcdef"
	token = "0123456789abcdef0123456789abcdef"
	from  = "+15005550006"
	to    = "+12145550100"
)

var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

func start(t *testing.T) *twiliotest.Server {
	t.Helper()
	s := twiliotest.NewServer(sid, token)
	t.Cleanup(s.Close)
	s.SetClock(func() time.Time { return t0 })
	return s
}

func sender(t *testing.T, s *twiliotest.Server, mod func(*notify.TwilioConfig)) *notify.Twilio {
	t.Helper()
	cfg := notify.TwilioConfig{AccountSID: sid, AuthToken: token, From: from, APIURL: s.URL,
		StatusCallback: "https://docket.example.org/twilio/status", Timeout: 5 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	tw, err := notify.NewTwilio(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

// post sends a form straight to the server, as a hand-written client would, and returns the answer.
func post(t *testing.T, s *twiliotest.Server, form url.Values) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+s.MessagesPath(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(sid, token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body) //nolint:errcheck // HTML bodies stay nil
	return resp, body
}

func TestSendIsRecordedAndAnsweredAsTwilioDoes(t *testing.T) {
	s := start(t)
	var hooked atomic.Int64
	s.SetOnAccept(func(m twiliotest.Message, n int) { hooked.Store(int64(n)) })
	got, err := sender(t, s, nil).Send(t.Context(), docket.Message{To: to, Text: "Su audiencia es mañana."})
	if err != nil {
		t.Fatal(err)
	}
	if want := "SM00000000000000000000000000000001"; got != want {
		t.Errorf("sid = %q, want %q", got, want)
	}
	want := twiliotest.Message{SID: got, To: to, From: from, Body: "Su audiencia es mañana.",
		StatusCallback: "https://docket.example.org/twilio/status", At: t0}
	if ms := s.Messages(); len(ms) != 1 || ms[0] != want {
		t.Errorf("messages = %+v, want [%+v]", ms, want)
	}
	if n := hooked.Load(); n != 1 {
		t.Errorf("accept hook saw %d messages, want 1", n)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Status != http.StatusCreated || reqs[0].Form.Get("Body") != want.Body {
		t.Errorf("requests = %+v, want one POST answered 201", reqs)
	}

	resp, body := post(t, s, url.Values{"To": {to}, "MessagingServiceSid": {"MG0123"}, "Body": {"hi"}})
	if resp.StatusCode != http.StatusCreated || body["status"] != "queued" || body["date_sent"] != nil ||
		body["messaging_service_sid"] != "MG0123" || body["from"] != nil || body["account_sid"] != sid {
		t.Errorf("answer %d %v", resp.StatusCode, body)
	}
	resp, body = post(t, s, url.Values{"To": {to}, "Body": {"no sender"}})
	if resp.StatusCode != 400 || body["code"] != 21604.0 {
		t.Errorf("without From: %d %v, want 400 with code 21604", resp.StatusCode, body)
	}
	if got := len(s.Posts()); got != 3 {
		t.Errorf("posts = %d, want 3", got)
	}
}

func TestBadCredentials(t *testing.T) {
	s := start(t)
	_, err := sender(t, s, func(c *notify.TwilioConfig) { c.AuthToken = "ffffffffffffffffffffffffffffffff" }).
		Send(t.Context(), docket.Message{To: to, Text: "hi"})
	var e *docket.SendError
	if !errors.As(err, &e) || e.Code != "20003" {
		t.Errorf("err = %v, want code 20003", err)
	}
	if len(s.Messages()) != 0 {
		t.Error("a message was accepted with bad credentials")
	}
}

func TestFaults(t *testing.T) {
	s := start(t)
	tw := sender(t, s, func(c *notify.TwilioConfig) { c.Timeout = 300 * time.Millisecond })
	s.FailTo("+12145550101", twiliotest.OptedOut)
	s.FailNext(1, twiliotest.Fault{Status: 429, Code: 20429, Message: "Too Many Requests", RetryAfter: 7 * time.Second})
	resp, body := post(t, s, url.Values{"To": {to}, "From": {from}, "Body": {"hi"}})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || body["code"] != 20429.0 ||
		body["more_info"] != "https://www.twilio.com/docs/errors/20429" {
		t.Errorf("FailNext: %d Retry-After %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	tests := []struct {
		name      string
		set       func()
		to        string
		code      string
		temporary bool
		accepted  int // messages the server holds afterwards
	}{
		{"per number", func() {}, "+12145550101", "21610", false, 0},
		{"html 503", func() { s.FailNext(1, twiliotest.Unavailable) }, to, "503", true, 0},
		{"timeout", func() { s.FailNext(1, twiliotest.Timeout(time.Minute)) }, to, "", true, 0},
		{"accepted, then hung", func() { s.FailNext(1, twiliotest.AcceptThenHang(time.Minute)) }, to, "", true, 1},
		{"chosen", func() {
			s.SetFaults(func(n int) twiliotest.Fault { return twiliotest.ServerError })
		}, to, "20500", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set()
			_, err := tw.Send(t.Context(), docket.Message{To: tt.to, Text: "hi"})
			var e *docket.SendError
			if !errors.As(err, &e) || e.Code != tt.code || e.Temporary != tt.temporary {
				t.Errorf("err = %#v, want code %q temporary %v", err, tt.code, tt.temporary)
			}
			if got := len(s.Messages()); got != tt.accepted {
				t.Errorf("server holds %d messages, want %d", got, tt.accepted)
			}
		})
	}
	f := s.Faults()
	if f[twiliotest.OptedOut] != 1 || f[twiliotest.Unavailable] != 1 || f[twiliotest.Timeout(time.Minute)] != 1 {
		t.Errorf("faults = %v", f)
	}
	if got, want := twiliotest.AcceptThenHang(time.Second).String(), "accept, then hang 1s"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestHoldAndLatency(t *testing.T) {
	s := start(t)
	held := make(chan string, 1)
	s.SetHold(func(r twiliotest.Request) { held <- r.Form.Get("To") })
	s.SetLatency(func() time.Duration { return 50 * time.Millisecond })
	began := time.Now()
	if _, err := sender(t, s, nil).Send(t.Context(), docket.Message{To: to, Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if got := <-held; got != to {
		t.Errorf("hold saw %q, want %q", got, to)
	}
	if d := time.Since(began); d < 50*time.Millisecond {
		t.Errorf("answered in %v, before the latency", d)
	}
}

func TestListFiltersByNumberAndDayAndPages(t *testing.T) {
	s := start(t)
	s.SetPageSize(2)
	s.Add(twiliotest.Message{To: to, From: from, Body: "yesterday", At: t0.Add(-24 * time.Hour)})
	s.Add(twiliotest.Message{To: to, From: from, Body: "this morning", At: t0.Add(-6 * time.Hour)})
	s.Add(twiliotest.Message{To: "+12145550199", From: from, Body: "someone else", At: t0})
	s.Add(twiliotest.Message{To: to, From: from, Body: "delivered", Status: "delivered", At: t0,
		DateSent: t0.Add(time.Second)})
	s.Add(twiliotest.Message{To: to, From: from, Body: "queued", Status: "queued", At: t0.Add(5 * time.Second)})
	got, err := sender(t, s, nil).Sent(t.Context(), to, t0.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, m := range got {
		bodies = append(bodies, m.Body+"/"+m.Status)
	}
	if got, want := strings.Join(bodies, " "), "queued/queued delivered/delivered"; got != want {
		t.Errorf("Sent = %s, want %s", got, want)
	}
	if got[0].DateSent != (time.Time{}) || !got[1].DateSent.Equal(t0.Add(time.Second)) {
		t.Errorf("date_sent: %+v", got)
	}
	lists := s.Lists()
	if len(lists) != 2 {
		t.Fatalf("list requests = %d, want 2 (three messages that day, pages of two)", len(lists))
	}
	if got, want := lists[0].Get("DateSent>"), "2026-03-02T14:59:00Z"; got != want {
		t.Errorf("DateSent> = %q, want %q", got, want)
	}
	if lists[1].Get("Page") != "1" || lists[1].Get("To") != to {
		t.Errorf("second page query = %v", lists[1])
	}
}

func TestSignatureIsTheOneTwilioGoValidates(t *testing.T) {
	form := url.Values{"From": {"+12145550142"}, "To": {from}, "Body": {"ALTO"}, "AccountSid": {sid},
		"MessageSid": {"SM0000000000000000000000000000a170"}}
	const public = "https://docket.example.org/twilio/inbound"
	params := map[string]string{}
	for k := range form {
		params[k] = form.Get(k)
	}
	v := client.NewRequestValidator(token)
	if !v.Validate(public, params, twiliotest.Signature(token, public, form)) {
		t.Error("twilio-go does not validate the signature")
	}
	if v.Validate(public, params, twiliotest.Signature("ffffffffffffffffffffffffffffffff", public, form)) {
		t.Error("twilio-go validates a signature made with another token")
	}
	req := httptest.NewRequest(http.MethodPost, "/twilio/inbound", strings.NewReader(form.Encode()))
	twiliotest.Sign(req, token, public, form)
	if got := req.Header.Get("X-Twilio-Signature"); !v.Validate(public, params, got) {
		t.Errorf("Sign set %q, which twilio-go does not validate", got)
	}
}

func TestListShowsOnlyAnsweredMessages(t *testing.T) {
	for _, answered := range []bool{false, true} {
		s := start(t)
		s.SetListAnswered(answered)
		s.SetLatency(func() time.Duration { return 300 * time.Millisecond })
		inFlight := make(chan struct{})
		s.SetOnAccept(func(twiliotest.Message, int) { close(inFlight) })
		tw := sender(t, s, nil)
		done := make(chan error, 1)
		go func() {
			_, err := tw.Send(t.Context(), docket.Message{To: to, Text: "hi"})
			done <- err
		}()
		<-inFlight
		during, err := tw.Sent(t.Context(), to, t0.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		after, err := tw.Sent(t.Context(), to, t0.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if answered {
			want = 0
		}
		if len(during) != want || len(after) != 1 {
			t.Errorf("SetListAnswered(%v): listed %d while the POST was unanswered (want %d), %d after (want 1)",
				answered, len(during), want, len(after))
		}
	}
}

func TestListAnsweredShowsAMessageWhoseClientGaveUp(t *testing.T) {
	s := start(t)
	s.SetListAnswered(true)
	s.FailNext(1, twiliotest.AcceptThenHang(time.Minute))
	tw := sender(t, s, func(c *notify.TwilioConfig) { c.Timeout = 200 * time.Millisecond })
	if _, err := tw.Send(t.Context(), docket.Message{To: to, Text: "hi"}); err == nil {
		t.Fatal("send through a hang: no error")
	}
	// The handler notices the client left and stops holding the answer; from then on the message is listed.
	var got []docket.SentMessage
	for range 50 {
		var err error
		if got, err = tw.Sent(t.Context(), to, t0.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		if len(got) == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) != 1 {
		t.Errorf("listed %d messages after the client gave up, want 1", len(got))
	}
}

func TestFailNextList(t *testing.T) {
	s := start(t)
	s.Add(twiliotest.Message{To: to, From: from, Body: "hi"})
	s.FailNextList(1, twiliotest.ServerError)
	s.FailNextList(1, twiliotest.Unavailable)
	tw := sender(t, s, nil)
	for _, want := range []string{"20500", "503"} {
		_, err := tw.Sent(t.Context(), to, t0.Add(-time.Minute))
		var e *docket.SendError
		if !errors.As(err, &e) || !e.Temporary || e.Code != want {
			t.Errorf("list through a fault: err = %#v, want temporary code %s", err, want)
		}
	}
	got, err := tw.Sent(t.Context(), to, t0.Add(-time.Minute))
	if err != nil || len(got) != 1 {
		t.Errorf("list after the faults: %d messages, %v; want 1, nil", len(got), err)
	}
	if f := s.Faults(); f[twiliotest.ServerError] != 1 || f[twiliotest.Unavailable] != 1 {
		t.Errorf("faults = %v", f)
	}
	if n := len(s.Lists()); n != 3 {
		t.Errorf("list requests = %d, want 3", n)
	}
}
