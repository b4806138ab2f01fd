package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
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

// fakeTwilio speaks the Messages API wire format: form POSTs with basic auth, JSON answers and JSON error bodies.
type fakeTwilio struct {
	t       *testing.T
	mu      sync.Mutex
	posts   []url.Values
	lists   []url.Values
	started chan struct{} // receives when a toHang request arrives
	server  *httptest.Server
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	t.Helper()
	f := &fakeTwilio{t: t, started: make(chan struct{}, 1)}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.server.Close)
	return f
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code": %d, "message": %q, "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`,
		code, msg, code, status)
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != testAccountSID || pass != testAuthToken {
		twilioError(w, 401, 20003, "Authenticate")
		return
	}
	if r.URL.Path != "/2010-04-01/Accounts/"+testAccountSID+"/Messages.json" {
		twilioError(w, 404, 20404, "The requested resource was not found")
		return
	}
	switch r.Method {
	case http.MethodPost:
		f.create(w, r)
	case http.MethodGet:
		f.list(w, r)
	default:
		twilioError(w, 405, 20004, "Method not allowed")
	}
}

func (f *fakeTwilio) create(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		twilioError(w, 400, 20001, "bad content type "+ct)
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, 400, 20001, err.Error())
		return
	}
	f.mu.Lock()
	f.posts = append(f.posts, r.PostForm)
	f.mu.Unlock()
	to := r.PostForm.Get("To")
	switch to {
	case toInvalid:
		twilioError(w, 400, 21211, "Invalid 'To' Phone Number: "+to)
	case toOptedOut:
		twilioError(w, 400, 21610, "Attempt to send to unsubscribed recipient")
	case toPermission:
		twilioError(w, 403, 21408, "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: "+to)
	case toRateLimit:
		twilioError(w, 429, 20429, "Too Many Requests")
	case toServerErr:
		twilioError(w, 500, 20500, "Internal Server Error")
	case toUnavail:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
	case toHang:
		f.started <- struct{}{}
		<-r.Context().Done()
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(map[string]any{
			"account_sid": testAccountSID, "api_version": "2010-04-01", "body": r.PostForm.Get("Body"),
			"date_created": "Mon, 02 Mar 2026 15:00:00 +0000", "date_sent": nil,
			"date_updated": "Mon, 02 Mar 2026 15:00:00 +0000", "direction": "outbound-api", "error_code": nil,
			"error_message": nil, "from": r.PostForm.Get("From"), "messaging_service_sid": r.PostForm.Get("MessagingServiceSid"),
			"num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD",
			"sid": "SM00000000000000000000000000000001", "status": "queued", "to": to,
			"uri": "/2010-04-01/Accounts/" + testAccountSID + "/Messages/SM00000000000000000000000000000001.json",
		})
	}
}

// list serves two pages, the second through next_page_uri, as Twilio pages.
func (f *fakeTwilio) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.lists = append(f.lists, q)
	f.mu.Unlock()
	msg := func(sid, status, sent, created string) map[string]any {
		m := map[string]any{"sid": sid, "to": q.Get("To"), "from": testFrom, "body": "Reminder " + sid,
			"status": status, "date_created": created, "direction": "outbound-api"}
		if sent != "" {
			m["date_sent"] = sent
		} else {
			m["date_sent"] = nil
		}
		return m
	}
	base := "/2010-04-01/Accounts/" + testAccountSID + "/Messages.json"
	page := map[string]any{"first_page_uri": base + "?PageSize=50&Page=0", "page": 0, "page_size": 50,
		"previous_page_uri": nil, "start": 0, "end": 1, "uri": base}
	if q.Get("Page") == "" {
		page["messages"] = []any{
			msg("SM0000000000000000000000000000000a", "queued", "", "Mon, 02 Mar 2026 15:00:05 +0000"),
			msg("SM0000000000000000000000000000000b", "delivered", "Mon, 02 Mar 2026 15:00:01 +0000", "Mon, 02 Mar 2026 15:00:00 +0000"),
		}
		page["next_page_uri"] = base + "?To=" + url.QueryEscape(q.Get("To")) + "&PageSize=50&Page=1&PageToken=PAabc"
	} else {
		page["messages"] = []any{
			// Same UTC day, before since: Twilio's day-granular filter lets it through, Sent must not.
			msg("SM0000000000000000000000000000000c", "delivered", "Mon, 02 Mar 2026 09:00:00 +0000", "Mon, 02 Mar 2026 09:00:00 +0000"),
		}
		page["next_page_uri"] = nil
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

func (f *fakeTwilio) lastPost(t *testing.T) url.Values {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.posts) == 0 {
		t.Fatal("twilio got no POST")
	}
	return f.posts[len(f.posts)-1]
}

func newTestTwilio(t *testing.T, f *fakeTwilio, mod func(*TwilioConfig)) *Twilio {
	t.Helper()
	cfg := TwilioConfig{
		AccountSID:     testAccountSID,
		AuthToken:      testAuthToken,
		From:           testFrom,
		APIURL:         f.server.URL,
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
		f.mu.Lock()
		n := len(f.posts)
		f.mu.Unlock()
		_, err := tw.Send(ctx, docket.Message{To: toOK, Text: "hi"})
		if !docket.IsTemporary(err) || !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want temporary context.Canceled", err)
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if got, want := len(f.posts), n; got != want {
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
	f.mu.Lock()
	defer f.mu.Unlock()
	if got, want := len(f.lists), 2; got != want {
		t.Fatalf("list requests = %d, want %d (two pages)", got, want)
	}
	q := f.lists[0]
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
