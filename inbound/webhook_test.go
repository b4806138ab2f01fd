package inbound

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/twiliotest"
)

const (
	hookToken  = "12345678901234567890123456789012"
	hookPublic = "https://docket.example.org"
	clientA    = "+12145550123"
	// testAccountSID and testFrom are the account and number the office texts from, as Twilio posts them.
	testAccountSID = "AC0123456789abcdef0123456789abcdef"
	testFrom       = "+15005550006"
)

// memStore is an in-memory InboundStore that keeps delivery states the way the real store must (StatusRank).
type memStore struct {
	mu         sync.Mutex
	deliveries map[string][2]string // sid → status, error code
	optOuts    map[string]string    // address → keyword
	reminders  map[string]string    // phone with a sent reminder → recipient language
	confirmed  map[string]time.Time
	next       map[string]NextHearing
	acted      map[string]docket.InboundAction // by MessageSid
	// confirmations counts reminders marked confirmed.
	confirmations int
	fail          error
	calls         int
}

func newMemStore() *memStore {
	return &memStore{
		deliveries: map[string][2]string{}, optOuts: map[string]string{}, reminders: map[string]string{},
		confirmed: map[string]time.Time{}, next: map[string]NextHearing{}, acted: map[string]docket.InboundAction{},
	}
}

func (s *memStore) RecordDelivery(_ context.Context, sid, status, code string, _ time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return s.fail
	}
	if cur, ok := s.deliveries[sid]; ok && StatusRank(status) <= StatusRank(cur[0]) {
		return nil
	}
	s.deliveries[sid] = [2]string{status, code}
	return nil
}

func (s *memStore) Acted(_ context.Context, sid string) (docket.InboundAction, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return docket.InboundAction{}, false, s.fail
	}
	a, ok := s.acted[sid]
	return a, ok, nil
}

// Record acts on a once, as the store does.
func (s *memStore) Record(_ context.Context, a docket.InboundAction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.fail != nil {
		return s.fail
	}
	if _, ok := s.acted[a.MessageSID]; ok && a.MessageSID != "" {
		return nil
	}
	s.acted[a.MessageSID] = a
	switch a.Action {
	case docket.ActionOptOut:
		s.optOuts[string(a.Channel)+":"+a.From] = a.Keyword
	case docket.ActionOptIn:
		delete(s.optOuts, string(a.Channel)+":"+a.From)
	}
	return nil
}

func (s *memStore) IsOptedOut(_ context.Context, ch docket.Channel, addr string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return false, s.fail
	}
	_, ok := s.optOuts[string(ch)+":"+addr]
	return ok, nil
}

func (s *memStore) Confirm(_ context.Context, a docket.InboundAction) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if prev, ok := s.acted[a.MessageSID]; ok {
		return prev.Language, prev.Action == docket.ActionConfirm, nil
	}
	lang, ok := s.reminders[a.From]
	if !ok {
		a.Action = docket.ActionOther
		s.acted[a.MessageSID] = a
		return "", false, nil
	}
	a.Language = lang
	s.acted[a.MessageSID] = a
	s.confirmed[a.From] = a.At
	s.confirmations++
	return lang, true, nil
}

func (s *memStore) NextHearing(_ context.Context, phone string, _ time.Time) (NextHearing, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.next[phone]
	return h, ok, nil
}

func (s *memStore) optOut(addr string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.optOuts["sms:"+addr]
	return k, ok
}

type hookEnv struct {
	store *memStore
	hooks *Webhooks
	mux   *http.ServeMux
	logs  *bytes.Buffer
	now   time.Time
}

func newHookEnv(t *testing.T, mod func(*WebhookConfig)) *hookEnv {
	t.Helper()
	env := &hookEnv{store: newMemStore(), mux: http.NewServeMux(), logs: &bytes.Buffer{},
		now: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)}
	cfg := WebhookConfig{
		AuthToken: hookToken, PublicURL: hookPublic + "/",
		OrgName: "Smith & Jones <Legal Aid>", OrgPhone: "(214) 555-0100",
		Store:  env.store,
		Logger: slog.New(docket.MaskingHandler(slog.NewTextHandler(env.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))),
		Now:    func() time.Time { return env.now },
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := NewWebhooks(cfg)
	if err != nil {
		t.Fatal(err)
	}
	env.hooks = h
	h.Register(env.mux)
	return env
}

var formSeq atomic.Int64

// inboundForm is an inbound SMS as Twilio posts it, each with a MessageSid of its own.
func inboundForm(from, body string) url.Values {
	sid := fmt.Sprintf("SM1f0e8ae6ade43cb3c0ce4525%08x", formSeq.Add(1))
	return url.Values{
		"AccountSid": {testAccountSID}, "ApiVersion": {"2010-04-01"}, "Body": {body}, "From": {from},
		"FromCountry": {"US"}, "MessageSid": {sid}, "NumMedia": {"0"}, "NumSegments": {"1"},
		"SmsMessageSid": {sid}, "SmsSid": {sid}, "SmsStatus": {"received"}, "To": {testFrom},
	}
}

// post sends form to path as Twilio would, signed with signURL ("" for no signature).
func (env *hookEnv) post(path string, form url.Values, signURL string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if signURL != "" {
		req.Header.Set("X-Twilio-Signature", twiliotest.Signature(hookToken, signURL, form))
	}
	rec := httptest.NewRecorder()
	env.mux.ServeHTTP(rec, req)
	return rec
}

// text sends an inbound SMS, correctly signed, and returns the TwiML answer's message ("" for <Response/>).
func (env *hookEnv) text(t *testing.T, from, body string) string {
	t.Helper()
	rec := env.post(InboundPath, inboundForm(from, body), hookPublic+InboundPath)
	if rec.Code != http.StatusOK {
		t.Fatalf("inbound %q: status %d: %s", body, rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Content-Type"), "text/xml; charset=utf-8"; got != want {
		t.Errorf("content-type = %q, want %q", got, want)
	}
	var resp struct {
		XMLName  xml.Name `xml:"Response"`
		Messages []string `xml:"Message"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("TwiML %q: %v", rec.Body, err)
	}
	if len(resp.Messages) > 1 {
		t.Fatalf("TwiML has %d messages", len(resp.Messages))
	}
	if len(resp.Messages) == 0 {
		return ""
	}
	return resp.Messages[0]
}

func TestWebhookSignature(t *testing.T) {
	form := inboundForm(clientA, "STOP")
	tampered := inboundForm(clientA, "STOP")
	tests := []struct {
		name    string
		method  string
		signURL string
		sig     string // overrides the computed signature when set
		body    url.Values
		want    int
	}{
		{"signed", http.MethodPost, hookPublic + InboundPath, "", form, http.StatusOK},
		{"signed with :443", http.MethodPost, "https://docket.example.org:443" + InboundPath, "", form, http.StatusOK},
		{"missing", http.MethodPost, "", "", form, http.StatusForbidden},
		{"forged", http.MethodPost, hookPublic + InboundPath,
			twiliotest.Signature("00000000000000000000000000000000", hookPublic+InboundPath, form), form, http.StatusForbidden},
		{"other url", http.MethodPost, hookPublic + StatusPath, "", form, http.StatusForbidden},
		{"tampered body", http.MethodPost, hookPublic + InboundPath,
			twiliotest.Signature(hookToken, hookPublic+InboundPath, inboundForm(clientA, "HELLO")), tampered, http.StatusForbidden},
		{"http scheme", http.MethodPost, "http://docket.example.org" + InboundPath, "", form, http.StatusForbidden},
		{"get", http.MethodGet, hookPublic + InboundPath, "", url.Values{}, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newHookEnv(t, nil)
			req := httptest.NewRequest(tt.method, InboundPath, strings.NewReader(tt.body.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			sig := tt.sig
			if sig == "" && tt.signURL != "" {
				sig = twiliotest.Signature(hookToken, tt.signURL, tt.body)
			}
			if sig != "" {
				req.Header.Set("X-Twilio-Signature", sig)
			}
			rec := httptest.NewRecorder()
			env.mux.ServeHTTP(rec, req)
			if got := rec.Code; got != tt.want {
				t.Errorf("status = %d, want %d", got, tt.want)
			}
			_, optedOut := env.store.optOut(clientA)
			if got, want := optedOut, tt.want == http.StatusOK; got != want {
				t.Errorf("opted out = %v, want %v", got, want)
			}
		})
	}
}

func TestWebhookBodyLimit(t *testing.T) {
	env := newHookEnv(t, nil)
	form := inboundForm(clientA, strings.Repeat("x", maxWebhookBody))
	rec := env.post(InboundPath, form, hookPublic+InboundPath)
	if got, want := rec.Code, http.StatusRequestEntityTooLarge; got != want {
		t.Errorf("status = %d, want %d", got, want)
	}
	if got := env.store.calls; got != 0 {
		t.Errorf("store calls = %d, want 0", got)
	}
}

func TestWebhookStopStartAlto(t *testing.T) {
	env := newHookEnv(t, nil)
	steps := []struct {
		body         string
		wantOptedOut bool
		wantKeyword  string
		wantReply    string // a phrase the answer must contain
	}{
		{"STOP", true, "STOP", "you will get no more texts"},
		{"Start", false, "", "you will get hearing reminders again"},
		{"¡Alto!", true, "ALTO", "no le enviaremos más mensajes"},
	}
	for _, s := range steps {
		reply := env.text(t, clientA, s.body)
		if !strings.Contains(reply, s.wantReply) {
			t.Errorf("%s: reply %q, want it to contain %q", s.body, reply, s.wantReply)
		}
		kw, optedOut := env.store.optOut(clientA)
		if optedOut != s.wantOptedOut || kw != s.wantKeyword {
			t.Errorf("after %s: opted out = %v (%q), want %v (%q)", s.body, optedOut, kw, s.wantOptedOut, s.wantKeyword)
		}
	}
	if strings.Contains(env.logs.String(), clientA) || strings.Contains(env.logs.String(), clientA[1:]) {
		t.Errorf("logs show the phone number:\n%s", env.logs)
	}
}

func TestWebhookReplies(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	hearing := NextHearing{
		Start: time.Date(2026, 3, 10, 8, 30, 0, 0, chicago), Court: "Dallas Immigration Court",
		Address: "1100 Commerce St, Suite 1060, Dallas, TX 75242", Language: "es",
	}
	online := NextHearing{Start: time.Date(2026, 3, 10, 13, 0, 0, 0, chicago), Court: "Dallas Immigration Court",
		VideoURL: "https://eoir.webex.com/meet/ij.dallas"}
	tests := []struct {
		name          string
		setup         func(*memStore)
		body          string
		want          string // exact answer; "" for <Response/>
		wantConfirmed bool
	}{
		{"help", nil, "HELP",
			"Smith & Jones <Legal Aid> sends you reminders of your immigration court hearings. Questions? Call (214) 555-0100. Reply DATE for your next hearing, STOP to stop texts.", false},
		{"ayuda", nil, "ayuda",
			"Smith & Jones <Legal Aid> le envía recordatorios de sus audiencias en la corte de inmigración. Si tiene preguntas, llame al (214) 555-0100. Responda FECHA para saber cuándo es su próxima audiencia o ALTO para no recibir más mensajes.", false},
		{"fecha", func(s *memStore) { s.next[clientA] = hearing }, "Fecha",
			"Su próxima audiencia es el martes 10 de marzo de 2026 a las 8:30 a. m.: Dallas Immigration Court, 1100 Commerce St, Suite 1060, Dallas, TX 75242.", false},
		{"next", func(s *memStore) { s.next[clientA] = hearing }, "next",
			"Your next hearing is on Tuesday, March 10, 2026 at 8:30 AM: Dallas Immigration Court, 1100 Commerce St, Suite 1060, Dallas, TX 75242.", false},
		{"next online", func(s *memStore) { s.next[clientA] = online }, "DATE",
			"Your next hearing is on Tuesday, March 10, 2026 at 1:00 PM: Dallas Immigration Court. Online (WebEx): https://eoir.webex.com/meet/ij.dallas", false},
		{"no hearing", nil, "PRÓXIMA",
			"No tenemos ninguna audiencia próxima para este número. Llame a Smith & Jones <Legal Aid> al (214) 555-0100 o a la línea de información de EOIR, 1-800-898-7180.", false},
		{"si confirms", func(s *memStore) { s.reminders[clientA] = "es" }, "Sí",
			"Gracias. Anotamos que irá a su audiencia.", true},
		{"1 confirms in the client's language", func(s *memStore) { s.reminders[clientA] = "es" }, "1",
			"Gracias. Anotamos que irá a su audiencia.", true},
		{"yes confirms", func(s *memStore) { s.reminders[clientA] = "es" }, "yes",
			"Thank you. We have noted that you will be at your hearing.", true},
		{"yes opts in when opted out", func(s *memStore) { s.optOuts["sms:"+clientA] = "STOP" }, "YES",
			"Smith & Jones <Legal Aid>: you will get hearing reminders again. Reply STOP to stop them, HELP for help.", false},
		{"si with nothing to confirm", nil, "si", "", false},
		{"other", nil, "Hola, me mudé. Mi nuevo número es 214-555-0199", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newHookEnv(t, nil)
			if tt.setup != nil {
				tt.setup(env.store)
			}
			if got := env.text(t, clientA, tt.body); got != tt.want {
				t.Errorf("reply = %q\nwant    %q", got, tt.want)
			}
			_, confirmed := env.store.confirmed[clientA]
			if confirmed != tt.wantConfirmed {
				t.Errorf("confirmed = %v, want %v", confirmed, tt.wantConfirmed)
			}
			if tt.wantConfirmed && !env.store.confirmed[clientA].Equal(env.now) {
				t.Errorf("confirmed at %v, want the injected clock %v", env.store.confirmed[clientA], env.now)
			}
			logs := env.logs.String()
			for _, secret := range []string{clientA, clientA[1:], "214-555-0199", "me mudé"} {
				if strings.Contains(logs, secret) {
					t.Errorf("logs show %q:\n%s", secret, logs)
				}
			}
		})
	}
}

func TestWebhookRepliesWithoutOrgPhone(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	env := newHookEnv(t, func(c *WebhookConfig) { c.OrgPhone = "" })
	tests := []struct {
		body string
		want string
	}{
		{"DATE", "We have no upcoming hearing on file for this number. Call the EOIR hotline, 1-800-898-7180."},
		{"FECHA", "No tenemos ninguna audiencia próxima para este número. Llame a la línea de información de EOIR, 1-800-898-7180."},
		{"HELP", "Smith & Jones <Legal Aid> sends you reminders of your immigration court hearings. Reply DATE for your next hearing, STOP to stop texts."},
	}
	for _, tt := range tests {
		if got := env.text(t, clientA, tt.body); got != tt.want {
			t.Errorf("%s: reply = %q\nwant %q", tt.body, got, tt.want)
		}
	}
	env.store.next[clientA] = NextHearing{Start: time.Date(2026, 11, 2, 13, 15, 0, 0, chicago), Court: "Dallas Immigration Court"}
	want := "Su próxima audiencia es el lunes 2 de noviembre de 2026 a la 1:15 p. m.: Dallas Immigration Court."
	if got := env.text(t, clientA, "fecha"); got != want {
		t.Errorf("reply = %q\nwant %q", got, want)
	}
}

func TestWebhookOtherIsLoggedMasked(t *testing.T) {
	env := newHookEnv(t, nil)
	if got := env.text(t, clientA, "¿Dónde queda la corte?"); got != "" {
		t.Errorf("reply = %q, want none", got)
	}
	logs := env.logs.String()
	if !strings.Contains(logs, "inbound sms for staff") || !strings.Contains(logs, docket.MaskPhone(clientA)) {
		t.Errorf("logs = %q, want a staff note with the masked number %s", logs, docket.MaskPhone(clientA))
	}
}

func TestWebhookProviderAnswersEnglish(t *testing.T) {
	env := newHookEnv(t, func(c *WebhookConfig) { c.ProviderAnswersEnglish = true })
	if got := env.text(t, clientA, "STOP"); got != "" {
		t.Errorf("STOP reply = %q, want none: Twilio answers it", got)
	}
	if _, ok := env.store.optOut(clientA); !ok {
		t.Error("STOP not recorded")
	}
	if got := env.text(t, clientA, "COMENZAR"); !strings.Contains(got, "volverá a recibir") {
		t.Errorf("COMENZAR reply = %q, want the Spanish opt-in answer", got)
	}
	env.store.reminders[clientA] = "en"
	if got := env.text(t, clientA, "YES"); got != "" {
		t.Errorf("YES reply = %q, want none: Twilio answers it", got)
	}
	if _, ok := env.store.confirmed[clientA]; !ok {
		t.Error("YES not recorded as a confirmation")
	}
}

func TestWebhookStatus(t *testing.T) {
	env := newHookEnv(t, nil)
	send := func(sid, status, code string) int {
		form := url.Values{"AccountSid": {testAccountSID}, "ApiVersion": {"2010-04-01"}, "From": {testFrom},
			"MessageSid": {sid}, "MessageStatus": {status}, "SmsSid": {sid}, "SmsStatus": {status}, "To": {clientA}}
		if code != "" {
			form.Set("ErrorCode", code)
		}
		return env.post(StatusPath, form, hookPublic+StatusPath).Code
	}
	// Callbacks in the order they might arrive, not the order they happened.
	for _, c := range []struct{ sid, status, code string }{
		{"SM01", "sent", ""}, {"SM01", "delivered", ""}, {"SM01", "sending", ""}, {"SM01", "queued", ""},
		{"SM02", "queued", ""}, {"SM02", "undelivered", "30003"}, {"SM02", "sent", ""},
		{"SM03", "sending", ""},
	} {
		if got, want := send(c.sid, c.status, c.code), http.StatusNoContent; got != want {
			t.Fatalf("%s %s: status %d, want %d", c.sid, c.status, got, want)
		}
	}
	want := map[string][2]string{"SM01": {"delivered", ""}, "SM02": {"undelivered", "30003"}, "SM03": {"sending", ""}}
	for sid, w := range want {
		if got := env.store.deliveries[sid]; got != w {
			t.Errorf("%s = %v, want %v", sid, got, w)
		}
	}

	t.Run("missing sid", func(t *testing.T) {
		form := url.Values{"MessageStatus": {"sent"}}
		if got, want := env.post(StatusPath, form, hookPublic+StatusPath).Code, http.StatusBadRequest; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
	})
	t.Run("forged", func(t *testing.T) {
		form := url.Values{"MessageSid": {"SM01"}, "MessageStatus": {"failed"}}
		req := httptest.NewRequest(http.MethodPost, StatusPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", "bm90IGEgc2lnbmF0dXJl")
		rec := httptest.NewRecorder()
		env.mux.ServeHTTP(rec, req)
		if got, want := rec.Code, http.StatusForbidden; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
		if got, want := env.store.deliveries["SM01"][0], "delivered"; got != want {
			t.Errorf("SM01 = %q after a forged callback, want %q", got, want)
		}
	})
	t.Run("store error", func(t *testing.T) {
		env.store.fail = errors.New("database is locked")
		defer func() { env.store.fail = nil }()
		if got, want := send("SM04", "sent", ""), http.StatusInternalServerError; got != want {
			t.Errorf("status = %d, want %d", got, want)
		}
	})
}

func TestWebhookInboundStoreError(t *testing.T) {
	env := newHookEnv(t, nil)
	env.store.fail = errors.New("database is locked")
	rec := env.post(InboundPath, inboundForm(clientA, "STOP"), hookPublic+InboundPath)
	if got, want := rec.Code, http.StatusInternalServerError; got != want {
		t.Errorf("status = %d, want %d", got, want)
	}
	if strings.Contains(env.logs.String(), clientA) {
		t.Errorf("logs show the phone number:\n%s", env.logs)
	}
}

func TestNewWebhooksRejects(t *testing.T) {
	store := newMemStore()
	tests := []struct {
		name string
		cfg  WebhookConfig
	}{
		{"no token", WebhookConfig{PublicURL: hookPublic, Store: store}},
		{"no store", WebhookConfig{AuthToken: hookToken, PublicURL: hookPublic}},
		{"no public url", WebhookConfig{AuthToken: hookToken, Store: store}},
		{"relative public url", WebhookConfig{AuthToken: hookToken, PublicURL: "docket.example.org", Store: store}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewWebhooks(tt.cfg); err == nil {
				t.Errorf("NewWebhooks(%+v) = nil error, want one", tt.cfg)
			}
		})
	}
}

// postForm sends a signed inbound form and returns the status and the raw answer.
func (env *hookEnv) postForm(form url.Values) (int, string) {
	rec := env.post(InboundPath, form, hookPublic+InboundPath)
	return rec.Code, rec.Body.String()
}

func TestWebhookReplayIsAnsweredNotActedOn(t *testing.T) {
	env := newHookEnv(t, nil)
	env.store.reminders[clientA] = "es"
	yes := inboundForm(clientA, "Sí")
	code, first := env.postForm(yes)
	if code != http.StatusOK || !strings.Contains(first, "Gracias") {
		t.Fatalf("YES: got %d %s", code, first)
	}
	stop := inboundForm(clientA, "STOP")
	_, stopAnswer := env.postForm(stop)
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{{"YES", yes, first}, {"STOP", stop, stopAnswer}} {
		code, again := env.postForm(tt.form)
		if code != http.StatusOK || again != tt.want {
			t.Errorf("replayed %s: got %d %s, want 200 %s", tt.name, code, again, tt.want)
		}
	}
	if got, want := env.store.confirmations, 1; got != want {
		t.Errorf("confirmations: got %d, want %d", got, want)
	}
	// YES now opts back in (the number is opted out); its replay does not confirm, and answers the opt-in again.
	optIn := inboundForm(clientA, "YES")
	_, optInAnswer := env.postForm(optIn)
	if _, out := env.store.optOut(clientA); out {
		t.Fatal("YES while opted out did not opt back in")
	}
	env.postForm(inboundForm(clientA, "STOP"))
	if code, again := env.postForm(optIn); code != http.StatusOK || again != optInAnswer {
		t.Errorf("replayed opt-in YES: got %d %s, want 200 %s", code, again, optInAnswer)
	}
	if _, out := env.store.optOut(clientA); !out {
		t.Error("a replayed YES undid the later STOP")
	}
	if got, want := env.store.confirmations, 1; got != want {
		t.Errorf("confirmations after the replayed YES: got %d, want %d", got, want)
	}
}

func TestWebhookOptOutInOwnWords(t *testing.T) {
	const clientB = "+12145550177"
	tests := []struct {
		name        string
		provider    bool // Twilio's own opt-out handling is on
		from, body  string
		wantKeyword string
		wantReply   string // a phrase the answer must contain
	}{
		{"english", false, clientA, "please stop texting me", "STOP", "you will get no more texts"},
		{"spanish", false, clientB, "No me manden más mensajes 🙏", "ALTO", "no le enviaremos más mensajes"},
		{"full-width", false, clientA, "ＳＴＯＰ", "STOP", "you will get no more texts"},
		// Twilio answers only a keyword alone, so this answer is ours to give.
		{"provider keywords", true, clientA, "ALTO por favor", "ALTO", "no le enviaremos más mensajes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newHookEnv(t, func(c *WebhookConfig) { c.ProviderAnswersEnglish = tt.provider })
			if got := env.text(t, tt.from, tt.body); !strings.Contains(got, tt.wantReply) {
				t.Errorf("reply %q, want it to contain %q", got, tt.wantReply)
			}
			if kw, ok := env.store.optOut(tt.from); !ok || kw != tt.wantKeyword {
				t.Errorf("opted out = %v (%q), want true (%q)", ok, kw, tt.wantKeyword)
			}
			logs := env.logs.String()
			for _, want := range []string{"opt-out in the client's own words", "inbound sms for staff",
				"opt_out=true", docket.MaskPhone(tt.from)} {
				if !strings.Contains(logs, want) {
					t.Errorf("logs lack %q:\n%s", want, logs)
				}
			}
			if strings.Contains(logs, tt.from) || strings.Contains(logs, tt.from[1:]) {
				t.Errorf("logs show the phone number:\n%s", logs)
			}
		})
	}
}

func TestWebhookOptOutInOwnWordsReplayed(t *testing.T) {
	env := newHookEnv(t, nil)
	stop := inboundForm(clientA, "ya no quiero recibir mensajes")
	_, first := env.postForm(stop)
	if !strings.Contains(first, "no le enviaremos más mensajes") {
		t.Fatalf("answer %s, want the Spanish opt-out answer", first)
	}
	env.text(t, clientA, "COMENZAR")
	if code, again := env.postForm(stop); code != http.StatusOK || again != first {
		t.Errorf("replayed: got %d %s, want 200 %s", code, again, first)
	}
	if _, out := env.store.optOut(clientA); out {
		t.Error("a replayed opt-out undid the later COMENZAR")
	}
	if got := strings.Count(env.logs.String(), "opt-out in the client's own words"); got != 1 {
		t.Errorf("own-words opt-out logged %d times, want once (the replay is not acted on):\n%s", got, env.logs)
	}
}

func TestWebhookNotAnOptOut(t *testing.T) {
	env := newHookEnv(t, nil)
	for _, body := range []string{"can I stop by tomorrow", "no me llegó el mensaje", "para cuándo es mi audiencia"} {
		if got := env.text(t, clientA, body); got != "" {
			t.Errorf("%q: reply %q, want none", body, got)
		}
	}
	if _, out := env.store.optOut(clientA); out {
		t.Error("a reply that is not an opt-out opted the number out")
	}
	if strings.Contains(env.logs.String(), "own words") {
		t.Errorf("logs name an own-words opt-out:\n%s", env.logs)
	}
}
