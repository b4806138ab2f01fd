package main

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
	"github.com/docketd/docketd/twiliotest"
)

const (
	inboundToken  = "0123456789abcdef0123456789abcdef"
	inboundPublic = "https://docket.example.org" // what Twilio calls; the test server stands behind it
	inboundRosa   = "+12145550101"
	inboundSam    = "+19155550102"
)

// inboundNow is the webhooks' clock: three weeks before Rosa's hearing.
var inboundNow = time.Date(2027, 2, 9, 18, 0, 0, 0, time.UTC)

// inboundEnv is a real SQLite store with two clients and their hearings, behind the real webhooks.
type inboundEnv struct {
	db  *store.DB
	srv *httptest.Server
}

func newInboundEnv(t *testing.T) *inboundEnv {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	if err := db.ReplacePeople(ctx, nil, []docket.Client{
		{ID: "rosa", Name: "Rosa", ANumber: "201555101", Phone: inboundRosa, Language: "es", Zone: "America/Chicago"},
		{ID: "sam", Name: "Samuel", ANumber: "208555310", Phone: inboundSam, Language: "en", Zone: "America/Denver"},
	}); err != nil {
		t.Fatal(err)
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	s, err := db.BeginSync(ctx, docket.SyncOptions{Source: "office", Now: inboundNow.Add(-24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply([]docket.HearingRecord{{Key: "rosa", ANumber: "201555101",
		Start: time.Date(2027, 3, 2, 8, 30, 0, 0, chicago), Zone: "America/Chicago", CourtCode: "DAL",
		Type: "master", Medium: "in_person", WebEx: "https://eoir.webex.com/meet/ij.dal"}}); err != nil {
		s.Abort()
		t.Fatal(err)
	}
	if _, err := s.Finish(); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Organization.Name = "Legal Aid of Dallas"
	cfg.Organization.Phone = "+12145550100"
	cfg.SMS.Provider = "twilio"
	cfg.SMS.Twilio.AuthToken = inboundToken
	cfg.HTTP.PublicURL = inboundPublic
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	wh, err := assembly.NewWebhooks(cfg, db, log, func() time.Time { return inboundNow })
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	wh.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &inboundEnv{db: db, srv: srv}
}

// post sends form to path signed with token (for the public URL) and returns the status and the TwiML message.
func (e *inboundEnv) post(t *testing.T, path, token string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Signature(token, inboundPublic+path, form))
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, ""
	}
	var twiml struct {
		Message string `xml:"Message"`
	}
	if err := xml.Unmarshal(body, &twiml); err != nil {
		t.Fatalf("TwiML %q: %v", body, err)
	}
	return resp.StatusCode, twiml.Message
}

func (e *inboundEnv) text(t *testing.T, from, body string) (int, string) {
	t.Helper()
	return e.post(t, inbound.InboundPath, inboundToken, url.Values{"From": {from}, "To": {"+12145550199"},
		"Body": {body}, "MessageSid": {"SMin" + strings.ToLower(body)}, "AccountSid": {"AC123"}})
}

func (e *inboundEnv) optedOut(t *testing.T, phone string) bool {
	t.Helper()
	out, err := e.db.IsOptedOut(context.Background(), "sms", phone)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInboundOptOutInAndOutAgain(t *testing.T) {
	e := newInboundEnv(t)
	steps := []struct {
		body        string
		wantOut     bool
		wantReplyIn string // "" when Twilio's own opt-out handling answers
	}{
		{"STOP", true, ""},
		{"START", false, ""},
		{"¡Alto!", true, "no le enviaremos más mensajes"},
	}
	for _, s := range steps {
		code, reply := e.text(t, inboundRosa, s.body)
		if got, want := code, http.StatusOK; got != want {
			t.Fatalf("%s: status got %d, want %d", s.body, got, want)
		}
		if got, want := e.optedOut(t, inboundRosa), s.wantOut; got != want {
			t.Errorf("after %s: opted out got %v, want %v", s.body, got, want)
		}
		if s.wantReplyIn == "" && reply != "" {
			t.Errorf("%s: got reply %q, want none (Twilio answers it)", s.body, reply)
		}
		if !strings.Contains(reply, s.wantReplyIn) {
			t.Errorf("%s: reply got %q, want it to contain %q", s.body, reply, s.wantReplyIn)
		}
	}
	if e.optedOut(t, inboundSam) {
		t.Errorf("another client's number was opted out")
	}
}

func TestInboundForgedSignatureChangesNothing(t *testing.T) {
	e := newInboundEnv(t)
	form := url.Values{"From": {inboundRosa}, "Body": {"STOP"}, "MessageSid": {"SMforged"}}
	code, _ := e.post(t, inbound.InboundPath, "ffffffffffffffffffffffffffffffff", form)
	if got, want := code, http.StatusForbidden; got != want {
		t.Errorf("inbound: status got %d, want %d", got, want)
	}
	if e.optedOut(t, inboundRosa) {
		t.Errorf("a forged STOP opted the number out")
	}
	code, _ = e.post(t, inbound.StatusPath, "ffffffffffffffffffffffffffffffff",
		url.Values{"MessageSid": {"SMx"}, "MessageStatus": {"delivered"}})
	if got, want := code, http.StatusForbidden; got != want {
		t.Errorf("status: status got %d, want %d", got, want)
	}
}

// Rosa lives in the court's zone: her clock and the court's agree, so the time needs no place.
func TestInboundNextHearingInSpanishOnTheClientsClock(t *testing.T) {
	e := newInboundEnv(t)
	tests := []struct {
		from, body, want string
	}{
		{inboundRosa, "FECHA", "Su próxima audiencia es el martes 2 de marzo de 2027 a las 8:30 a. m.: " +
			"Dallas, 1100 Commerce Street, Suite 1060, Dallas, TX."},
		{inboundRosa, "next", "Your next hearing is on Tuesday, March 2, 2027 at 8:30 AM: " +
			"Dallas, 1100 Commerce Street, Suite 1060, Dallas, TX."},
		{inboundSam, "FECHA", "No tenemos ninguna audiencia próxima para este número. Llame a Legal Aid of Dallas al " +
			"+12145550100 o a la línea de información de EOIR, 1-800-898-7180."},
	}
	for _, tt := range tests {
		code, got := e.text(t, tt.from, tt.body)
		if code != http.StatusOK || got != tt.want {
			t.Errorf("%s from %s: got %d %q, want 200 %q", tt.body, docket.MaskPhone(tt.from), code, got, tt.want)
		}
	}
}

func TestInboundDeliveryReportsAndConfirmation(t *testing.T) {
	e := newInboundEnv(t)
	ctx := context.Background()
	hs, err := e.db.Hearings(ctx, docket.HearingFilter{ClientID: "rosa"})
	if err != nil || len(hs) != 1 {
		t.Fatalf("rosa's hearings: got %d, %v", len(hs), err)
	}
	sentAt := inboundNow.Add(-time.Hour)
	if _, err := e.db.PlanOutbox(ctx, []docket.Reminder{{HearingID: hs[0].ID, Recipient: "client", RecipientID: "rosa",
		Channel: "sms", Address: inboundRosa, Kind: docket.KindReminder, Policy: "client-text", Offset: "21d",
		DedupeKey: "rosa/21d", Due: sentAt, State: docket.StatePending}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := e.db.ClaimDue(ctx, docket.Claim{Now: sentAt, Channel: docket.SMS, Limit: 10, Owner: "test",
		Lease: time.Minute})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: got %d, %v", len(claimed), err)
	}
	const sid = "SM0123456789abcdef0123456789abcdef"
	if err := e.db.FinishOutbox(ctx, []uint{claimed[0].ID}, docket.OutboxResult{State: docket.StateSent,
		ProviderID: sid}); err != nil {
		t.Fatal(err)
	}

	// Twilio's callbacks out of order, then one for a message another application sent from the number.
	for _, r := range []struct{ sid, status string }{{sid, "delivered"}, {sid, "sent"}, {"SMother", "delivered"}} {
		code, _ := e.post(t, inbound.StatusPath, inboundToken,
			url.Values{"MessageSid": {r.sid}, "MessageStatus": {r.status}, "AccountSid": {"AC123"}})
		if got, want := code, http.StatusNoContent; got != want {
			t.Errorf("%s %s: status got %d, want %d", r.sid, r.status, got, want)
		}
	}
	// Rosa confirms; Sam, who got no reminder, writes YES out of the blue and gets no thank-you.
	if _, got := e.text(t, inboundRosa, "Sí"); got != "Gracias. Anotamos que irá a su audiencia." {
		t.Errorf("confirmation reply: got %q", got)
	}
	if _, got := e.text(t, inboundSam, "SI"); got != "" {
		t.Errorf("YES without a reminder: got reply %q, want none", got)
	}

	rows, err := e.db.OutboxRows(ctx, docket.OutboxFilter{HearingID: hs[0].ID})
	if err != nil || len(rows) != 1 {
		t.Fatalf("outbox: got %d rows, %v", len(rows), err)
	}
	r := rows[0]
	if r.State != docket.StateDelivered || r.ProviderState != "delivered" {
		t.Errorf("delivery: got state %q provider %q, want delivered delivered", r.State, r.ProviderState)
	}
	if r.ConfirmedAt == nil || !r.ConfirmedAt.Equal(inboundNow) {
		t.Errorf("confirmed at: got %v, want %v", r.ConfirmedAt, inboundNow)
	}
}

func TestNewWebhooksNeedsTwilio(t *testing.T) {
	cfg := config.Default()
	wh, err := assembly.NewWebhooks(cfg, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if wh != nil || err != nil {
		t.Errorf("provider log: got %v, %v; want nil, nil", wh, err)
	}
	cfg.SMS.Provider = "twilio"
	cfg.HTTP.PublicURL = inboundPublic
	if _, err := assembly.NewWebhooks(cfg, nil, nil, time.Now); err == nil {
		t.Errorf("twilio without an auth token: got no error")
	}
}
