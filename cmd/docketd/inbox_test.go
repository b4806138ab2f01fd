package main

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/smtptest"
	"github.com/docketd/docketd/twiliotest"
)

const (
	inboxFamily  = "+12145550142" // the Mendoza household's phone, shared by four clients
	inboxCounsel = "lfernandez@frontera-legal.example"
	inboxOffice  = "docket@frontera-legal.example" // organization.email, and so [inbox] email
)

// inboxFixture is the end-to-end config's office, opened as the daemon opens it, with its webhooks behind a test
// server and its email going to an in-process SMTP server.
type inboxFixture struct {
	path   string
	office *assembly.Office
	srv    *httptest.Server
	mail   *smtptest.Server
	ring   bell

	mu  sync.Mutex
	now time.Time
	cfg *config.Config
}

// newInboxFixture opens the office a week before the household's hearings, with its mail going to mail (which may
// be a server that is down).
func newInboxFixture(t *testing.T, mailHost string, mailPort int) *inboxFixture {
	t.Helper()
	dir := t.TempDir()
	chicago, _ := time.LoadLocation("America/Chicago")
	f := &inboxFixture{path: filepath.Join(dir, "docketd.toml"), ring: newBell(),
		now: time.Date(2028, 2, 1, 10, 0, 0, 0, chicago)}
	tw := newFakeTwilio(t, e2eSID, e2eToken, f.clock, f.ring)
	text := e2eConfig(dir, tw, &smtptest.Server{Host: mailHost, Port: mailPort}, "2028-04-11 09:00")
	if err := os.WriteFile(f.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docket.csv"), []byte(e2eDocket), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(f.path)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = cfg
	o, err := assembly.Open(context.Background(), f.config, assembly.Options{Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	t.Cleanup(o.Inbox.Wait)
	syncAndPlan(t, o)
	f.office = o
	mux := http.NewServeMux()
	o.Webhooks.Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *inboxFixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *inboxFixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func (f *inboxFixture) config() *config.Config {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cfg
}

// useMail points the running config's SMTP settings at s, as a reload after fixing them would.
func (f *inboxFixture) useMail(s *smtptest.Server) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := *f.cfg
	c.Email.SMTP.Host, c.Email.SMTP.Port = s.Host, s.Port
	f.cfg = &c
}

// text posts a signed inbound SMS and returns the status and the TwiML answer.
func (f *inboxFixture) text(t *testing.T, from, body, sid string) (int, string) {
	t.Helper()
	form := url.Values{"From": {from}, "To": {e2eFrom}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {e2eSID}}
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+inbound.InboundPath, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliotest.Signature(e2eToken, e2ePublic+inbound.InboundPath, form))
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(answer)
}

// waitMail waits for the SMTP server to have taken n messages, within the real-time guard.
func (f *inboxFixture) waitMail(t *testing.T, n int) []smtptest.Message {
	t.Helper()
	guard := time.After(realGuard)
	for {
		if ms := f.mail.Messages(); len(ms) >= n {
			return ms
		}
		select {
		case <-f.ring:
		case <-guard:
			t.Fatalf("the SMTP server took %d messages within %v, want %d", len(f.mail.Messages()), realGuard, n)
		}
	}
}

// cli runs a docketd command on the fixture's config at its clock.
func (f *inboxFixture) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	e, out, errb := testEnv()
	e.now = f.clock
	e.getenv = func(k string) string {
		if k == "USER" {
			return "frontdesk"
		}
		return ""
	}
	err := e.dispatch(context.Background(), append(args, "--config", f.path))
	return out.String() + errb.String(), err
}

func (f *inboxFixture) inbox(t *testing.T, args ...string) []inboxJSON {
	t.Helper()
	out, err := f.cli(t, append([]string{"inbox", "--format", "json"}, args...)...)
	if err != nil {
		t.Fatalf("inbox: %v\n%s", err, out)
	}
	var ms []inboxJSON
	if err := json.Unmarshal([]byte(out), &ms); err != nil {
		t.Fatalf("inbox json: %v\n%s", err, out)
	}
	return ms
}

func (f *inboxFixture) status(t *testing.T) inboxCountsJSON {
	t.Helper()
	out, err := f.cli(t, "status", "--format", "json")
	if err != nil {
		t.Fatalf("status: %v\n%s", err, out)
	}
	var st []statusJSON
	if err := json.Unmarshal([]byte(out), &st); err != nil || len(st) != 1 {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	return st[0].Inbox
}

func startMail(t *testing.T, ring bell) *smtptest.Server {
	t.Helper()
	return newFakeSMTP(t, ring)
}

func newInboxWithMail(t *testing.T) *inboxFixture {
	t.Helper()
	ring := newBell()
	m := startMail(t, ring)
	f := newInboxFixture(t, m.Host, m.Port)
	f.mail, f.ring = m, ring
	return f
}

// addresses are the addresses of a header's address list.
func addresses(t *testing.T, h mail.Header, key string) []string {
	t.Helper()
	list, err := h.AddressList(key)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	var out []string
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

var digits = regexp.MustCompile(`\d`)

// The "done when": the household's text reaches counsel's mailbox marked urgent as soon as the webhook has
// answered, shows in `docketd inbox`, and `inbox done` marks it handled.
func TestInboxForwardsTheHouseholdsTextToCounselMarkedUrgent(t *testing.T) {
	f := newInboxWithMail(t)
	body := "no vamos a poder ir, mi hija está enferma"
	code, answer := f.text(t, inboxFamily, body, "SM00000000000000000000000000000001")
	if code != http.StatusOK || strings.Contains(answer, "<Message>") {
		t.Fatalf("webhook: got %d %q, want 200 and no answer to the client", code, answer)
	}
	msgs := f.waitMail(t, 1)
	if got, want := len(msgs), 1; got != want {
		t.Fatalf("emails: got %d, want %d", got, want)
	}
	m := msgs[0]
	if got, want := m.To, []string{inboxCounsel, inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("envelope recipients: got %v, want %v", got, want)
	}
	h, parts := mailParts(t, m.Data)
	if got, want := addresses(t, h, "From"), []string{"docket@frontera-legal.example"}; !slices.Equal(got, want) {
		t.Errorf("From: got %v, want %v (email.from)", got, want)
	}
	if got, want := addresses(t, h, "Reply-To"), []string{inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("Reply-To: got %v, want %v (the organisation)", got, want)
	}
	if got, want := addresses(t, h, "To"), []string{inboxCounsel, inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("To: got %v, want %v", got, want)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := subject, "URGENT: reply from a client — cannot attend"; got != want {
		t.Errorf("Subject: got %q, want %q", got, want)
	}
	if digits.MatchString(subject) || strings.Contains(subject, "Mendoza") {
		t.Errorf("Subject %q names a client, an A-number or a phone", subject)
	}
	var text string
	for _, p := range parts {
		if p.mediaType == "text/plain" {
			text = string(p.body)
		}
	}
	for _, want := range []string{"> " + body, "URGENT", "The number is shared by 4 clients",
		"Rosa María Mendoza López, A201-555-101", "Jorge Mendoza Ramírez, A201-555-102", "Valeria Mendoza, A201-555-103",
		"Mateo Mendoza, A201-555-104", "Counsel: Lucía Fernández",
		"Next hearing: Tuesday, February 8, 2028, 9:00 AM CST Dallas time — Dallas Immigration Court — " +
			"1100 Commerce Street, Suite 1060, Dallas, TX — master hearing",
		"Received: Tuesday, February 1, 2028 at 10:00 AM CST", "docketd inbox done 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("email lacks %q:\n%s", want, text)
		}
	}

	f.office.Inbox.Wait() // the mail is in: the forward records it once the server has answered
	listed := f.inbox(t)
	if len(listed) != 1 {
		t.Fatalf("inbox: got %d messages, want 1: %+v", len(listed), listed)
	}
	got := listed[0]
	if !got.Urgent || got.Reason != "cannot attend" || got.Body != body || got.ForwardedAt == nil ||
		len(got.Clients) != 4 || got.From != inboxFamily {
		t.Errorf("inbox: got %+v, want the urgent, forwarded text of the household's four clients", got)
	}
	table, err := f.cli(t, "inbox")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"URGENT cannot attend", "jorge-mendoza,mateo-mendoza,rosa-mendoza,valeria-mendoza",
		"no vamos a poder ir", "2028-02-01 10:00"} {
		if !strings.Contains(table, want) {
			t.Errorf("inbox table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "2145550142") {
		t.Errorf("inbox table shows the phone in full:\n%s", table)
	}
	if got, want := f.status(t), (inboxCountsJSON{Unhandled: 1, Urgent: 1}); got != want {
		t.Errorf("status: got %+v, want %+v", got, want)
	}

	if out, err := f.cli(t, "inbox", "done", "7"); exitCode(err) != exitFailure || !strings.Contains(err.Error(), "7") {
		t.Errorf("done with an unknown id: got %v (exit %d), want exit 1 naming it\n%s", err, exitCode(err), out)
	}
	f.advance(15 * time.Minute)
	if out, err := f.cli(t, "inbox", "done", strconv.Itoa(int(got.ID))); err != nil {
		t.Fatalf("inbox done: %v\n%s", err, out)
	}
	if left := f.inbox(t); len(left) != 0 {
		t.Errorf("inbox after done: got %+v, want none", left)
	}
	all := f.inbox(t, "--all")
	if len(all) != 1 || all[0].HandledBy != "frontdesk" || all[0].HandledAt == nil ||
		*all[0].HandledAt != "2028-02-01T16:15:00Z" {
		t.Errorf("inbox --all: got %+v, want it handled by $USER at 10:15 Dallas time", all)
	}
}

func TestInboxReplayedWebhookStoresAndForwardsOnce(t *testing.T) {
	f := newInboxWithMail(t)
	sid := "SM00000000000000000000000000000002"
	for range 3 {
		if code, _ := f.text(t, inboxFamily, "me cambié de casa", sid); code != http.StatusOK {
			t.Fatalf("webhook: got %d, want 200", code)
		}
	}
	f.waitMail(t, 1)
	f.office.Inbox.Wait()
	f.advance(time.Hour)
	if err := f.office.Inbox.Retry(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.mail.Attempts()), 1; got != want {
		t.Errorf("emails: got %d, want %d", got, want)
	}
	if got := f.inbox(t); len(got) != 1 || got[0].Reason != "moved" {
		t.Errorf("inbox: got %+v, want one message, urgent: moved", got)
	}
}

func TestInboxUnknownNumberGoesToTheInboxAddressOnly(t *testing.T) {
	f := newInboxWithMail(t)
	if code, _ := f.text(t, "+13125550123", "Hola, ¿dónde es la corte?", "SM00000000000000000000000000000003"); code != http.StatusOK {
		t.Fatalf("webhook: got %d, want 200", code)
	}
	m := f.waitMail(t, 1)[0]
	if got, want := m.To, []string{inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("recipients: got %v, want %v", got, want)
	}
	h, parts := mailParts(t, m.Data)
	if got, want := h.Get("Subject"), "Reply from a client"; got != want {
		t.Errorf("Subject: got %q, want %q", got, want)
	}
	if !strings.Contains(string(parts[0].body), "No client on file has this number.") {
		t.Errorf("email does not say the number is unknown:\n%s", parts[0].body)
	}
	if got := f.inbox(t); len(got) != 1 || len(got[0].Clients) != 0 || got[0].Urgent {
		t.Errorf("inbox: got %+v, want one message of no client, not urgent", got)
	}
}

// A YES with no reminder to confirm is a message for staff too.
func TestInboxTakesAYesWithNothingToConfirm(t *testing.T) {
	f := newInboxWithMail(t)
	if code, _ := f.text(t, "+14695550177", "yes", "SM00000000000000000000000000000004"); code != http.StatusOK {
		t.Fatalf("webhook: got %d, want 200", code)
	}
	m := f.waitMail(t, 1)[0]
	if got, want := m.To, []string{"dokafor@frontera-legal.example", inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("recipients: got %v, want %v (Samuel's counsel and the inbox)", got, want)
	}
}

// With the mail server down the text is stored, unforwarded, shown so, and forwarded by the retry once mail works.
func TestInboxForwardRetriedAfterTheMailServerWasDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().(*net.TCPAddr)
	ln.Close() // nothing listens there: connections are refused
	f := newInboxFixture(t, down.IP.String(), down.Port)
	if code, _ := f.text(t, inboxFamily, "me detuvieron", "SM00000000000000000000000000000005"); code != http.StatusOK {
		t.Fatalf("webhook: got %d, want 200 (the text is stored whatever the mail server does)", code)
	}
	f.office.Inbox.Wait()
	listed := f.inbox(t)
	if len(listed) != 1 || listed[0].ForwardedAt != nil || listed[0].Attempts != 1 || listed[0].ForwardError == "" {
		t.Fatalf("inbox: got %+v, want one message, not forwarded, tried once with the error", listed)
	}
	if got, want := f.status(t), (inboxCountsJSON{Unhandled: 1, Urgent: 1, Unforwarded: 1}); got != want {
		t.Errorf("status: got %+v, want %+v", got, want)
	}
	f.advance(3 * time.Minute) // past the first forward's bound: the retry takes it on
	if err := f.office.Inbox.Retry(context.Background()); err == nil {
		t.Errorf("retry with the mail server down: got nil, want an error")
	}
	if got := f.inbox(t); len(got) != 1 || got[0].Attempts != 2 || got[0].ForwardedAt != nil {
		t.Errorf("after a failed retry: got %+v, want it tried twice and not forwarded", got)
	}

	f.ring = newBell()
	f.mail = startMail(t, f.ring)
	f.useMail(f.mail)
	f.advance(5 * time.Minute)
	if err := f.office.Inbox.Retry(context.Background()); err != nil {
		t.Fatalf("retry: %v", err)
	}
	m := f.waitMail(t, 1)[0]
	if got, want := m.To, []string{inboxCounsel, inboxOffice}; !slices.Equal(got, want) {
		t.Errorf("recipients: got %v, want %v", got, want)
	}
	h, _ := mailParts(t, m.Data)
	if subject, _ := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); subject != "URGENT: reply from a client — detained" {
		t.Errorf("Subject: got %q", subject)
	}
	if got, want := f.status(t), (inboxCountsJSON{Unhandled: 1, Urgent: 1}); got != want {
		t.Errorf("status after the retry: got %+v, want %+v", got, want)
	}
	if err := f.office.Inbox.Retry(context.Background()); err != nil || len(f.mail.Attempts()) != 1 {
		t.Errorf("a second retry: err %v, %d emails; want nothing sent again", err, len(f.mail.Attempts()))
	}
}
