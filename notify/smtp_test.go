package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/smtptest"
)

const (
	smtpUser = "reminders"
	smtpPass = "s3cret-pass"
)

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that trusts it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtp.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// startSMTP starts the shared SMTP sink as a mail provider would run it: AUTH PLAIN (smtpUser, smtpPass) offered
// only over TLS and required before MAIL, RCPT to refuse@firm.example refused with 550.
func startSMTP(t *testing.T, certs []tls.Certificate, implicitTLS bool) *smtptest.Server {
	t.Helper()
	f := smtptest.NewUnstartedServer()
	f.Username, f.Password = smtpUser, smtpPass
	f.AllowInsecureAuth = false
	f.RejectRcpt("refuse@firm.example", 550, "<refuse@firm.example>: Recipient address rejected: User unknown")
	if certs != nil {
		f.TLSConfig = &tls.Config{Certificates: certs}
	}
	if implicitTLS {
		f.StartTLS()
	} else {
		f.Start()
	}
	t.Cleanup(f.Close)
	return f
}

func newTestSMTP(t *testing.T, f *smtptest.Server, pool *x509.CertPool, mod func(*SMTPConfig)) *SMTP {
	t.Helper()
	cfg := SMTPConfig{
		Host:              "127.0.0.1",
		Port:              f.Port,
		Username:          smtpUser,
		Password:          smtpPass,
		TLS:               SMTPStartTLS,
		TLSConfig:         &tls.Config{RootCAs: pool},
		From:              "Legal Aid Reminders <reminders@legalaid.example.org>",
		Timeout:           5 * time.Second,
		UnsubscribeURL:    "https://docket.example.org/unsubscribe",
		UnsubscribeMailto: "unsubscribe@legalaid.example.org",
		Now:               func() time.Time { return time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC) },
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const testInviteRequest = "BEGIN:VCALENDAR\r\nPRODID:-//docketd//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n" +
	"BEGIN:VEVENT\r\nUID:hearing-42@docketd\r\nSEQUENCE:1\r\nDTSTAMP:20260302T150000Z\r\n" +
	"DTSTART;TZID=America/Chicago:20260310T083000\r\nSUMMARY:Audiencia de inmigración\r\n" +
	"ORGANIZER:mailto:reminders@legalaid.example.org\r\nATTENDEE;RSVP=FALSE:mailto:counsel@firm.example\r\n" +
	"END:VEVENT\r\nEND:VCALENDAR\r\n"

// part is one leaf or branch of a parsed MIME tree.
type part struct {
	mediaType string
	params    map[string]string
	body      []byte
	children  []part
}

func parseMIME(t *testing.T, header map[string][]string, body io.Reader) part {
	t.Helper()
	get := func(k string) string {
		if v := header[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	mt, params, err := mime.ParseMediaType(get("Content-Type"))
	if err != nil {
		t.Fatalf("content-type %q: %v", get("Content-Type"), err)
	}
	p := part{mediaType: mt, params: params}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			np, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			p.children = append(p.children, parseMIME(t, np.Header, np))
		}
		return p
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	switch strings.ToLower(get("Content-Transfer-Encoding")) {
	case "base64":
		p.body, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
	case "quoted-printable":
		p.body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	default:
		p.body = raw
	}
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (p part) shape() string {
	if len(p.children) == 0 {
		if m := p.params["method"]; m != "" {
			return p.mediaType + ";method=" + m
		}
		return p.mediaType
	}
	var kids []string
	for _, c := range p.children {
		kids = append(kids, c.shape())
	}
	return p.mediaType + "[" + strings.Join(kids, " ") + "]"
}

func readMail(t *testing.T, data []byte) (*mail.Message, part) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return msg, parseMIME(t, msg.Header, msg.Body)
}

func TestSMTPSendInvitation(t *testing.T) {
	cert, pool := testCert(t)
	f := startSMTP(t, []tls.Certificate{cert}, false)
	s := newTestSMTP(t, f, pool, nil)

	tests := []struct {
		name      string
		method    string
		html      string
		wantShape string
	}{
		{"request with html", "REQUEST", "<p>Su audiencia es el <b>10 de marzo</b>.</p>",
			"multipart/mixed[multipart/alternative[text/plain text/html text/calendar;method=REQUEST] application/ics]"},
		{"cancel text only", "CANCEL", "",
			"multipart/mixed[multipart/alternative[text/plain text/calendar;method=CANCEL] application/ics]"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ics := strings.Replace(testInviteRequest, "METHOD:REQUEST", "METHOD:"+tt.method, 1)
			m := docket.Message{
				Key: "outbox-" + tt.method, Channel: docket.Email, To: "counsel@firm.example", Language: "es",
				Subject: "Audiencia el 10 de marzo", Text: "Su audiencia es el 10 de marzo.", HTML: tt.html,
				Invite: &docket.Invite{Method: tt.method, Data: []byte(ics)},
			}
			id, err := s.Send(t.Context(), m)
			if err != nil {
				t.Fatal(err)
			}
			got := f.Messages()
			if len(got) != i+1 {
				t.Fatalf("server has %d messages, want %d", len(got), i+1)
			}
			rec := got[i]
			if !rec.TLS {
				t.Error("message sent without STARTTLS")
			}
			if got, want := rec.AuthUser, smtpUser; got != want {
				t.Errorf("AUTH PLAIN user = %q, want %q", got, want)
			}
			if got, want := rec.From, "reminders@legalaid.example.org"; got != want {
				t.Errorf("MAIL FROM = %q, want %q", got, want)
			}
			if got, want := strings.Join(rec.To, ","), "counsel@firm.example"; got != want {
				t.Errorf("RCPT TO = %q, want %q", got, want)
			}
			msg, tree := readMail(t, rec.Data)
			if got, want := tree.shape(), tt.wantShape; got != want {
				t.Errorf("MIME shape = %s, want %s", got, want)
			}
			if got, want := msg.Header.Get("Message-Id"), id; got != want {
				t.Errorf("Message-ID = %q, want the returned id %q", got, want)
			}
			if got, want := id, s.MessageID(m.Key); got != want {
				t.Errorf("id = %q, want %q", got, want)
			}
			for k, want := range map[string]string{
				"Content-Language":      "es",
				"List-Unsubscribe":      "<https://docket.example.org/unsubscribe>, <mailto:unsubscribe@legalaid.example.org>",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"Auto-Submitted":        "auto-generated",
				"Date":                  "Mon, 02 Mar 2026 15:00:00 +0000",
			} {
				if got := msg.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			alt := tree.children[0]
			cal := alt.children[len(alt.children)-1]
			if got, want := string(cal.body), ics; got != want {
				t.Errorf("calendar part = %q, want %q", got, want)
			}
			if got, want := calendarMethod(cal.body), cal.params["method"]; got != want {
				t.Errorf("METHOD inside %q, MIME method=%q: Outlook wants them equal", got, want)
			}
			if got, want := cal.params["charset"], "UTF-8"; !strings.EqualFold(got, want) {
				t.Errorf("calendar charset = %q, want %q", got, want)
			}
			if got, want := string(alt.children[0].body), m.Text; got != want {
				t.Errorf("text part = %q, want %q", got, want)
			}
			if tt.html != "" {
				if got, want := string(alt.children[1].body), tt.html; got != want {
					t.Errorf("html part = %q, want %q", got, want)
				}
			}
			if got, want := string(tree.children[1].body), ics; got != want {
				t.Errorf("attachment = %q, want %q", got, want)
			}
		})
	}
}

func TestSMTPSendPlainText(t *testing.T) {
	cert, pool := testCert(t)
	f := startSMTP(t, []tls.Certificate{cert}, false)
	s := newTestSMTP(t, f, pool, func(c *SMTPConfig) { c.UnsubscribeURL = "" })
	if _, err := s.Send(t.Context(), docket.Message{Key: "k", To: "counsel@firm.example", Subject: "Hearing", Text: "Hello"}); err != nil {
		t.Fatal(err)
	}
	msg, tree := readMail(t, f.Messages()[0].Data)
	if got, want := tree.shape(), "text/plain"; got != want {
		t.Errorf("MIME shape = %s, want %s", got, want)
	}
	if got, want := msg.Header.Get("List-Unsubscribe"), "<mailto:unsubscribe@legalaid.example.org>"; got != want {
		t.Errorf("List-Unsubscribe = %q, want %q", got, want)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "" {
		t.Errorf("List-Unsubscribe-Post = %q without an https URL, want none", got)
	}
}

func TestSMTPMessageIDStable(t *testing.T) {
	s, err := NewSMTP(SMTPConfig{Host: "smtp.example.org", From: "reminders@legalaid.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := s.MessageID("row-1"), s.MessageID("row-1"), s.MessageID("row-2")
	if a != b {
		t.Errorf("MessageID(row-1) = %q then %q, want the same", a, b)
	}
	if a == c {
		t.Errorf("MessageID(row-1) = MessageID(row-2) = %q", a)
	}
	if !strings.HasSuffix(a, "@legalaid.example.org>") || !strings.HasPrefix(a, "<") {
		t.Errorf("MessageID = %q, want <…@legalaid.example.org>", a)
	}
}

func TestSMTPTemporaryThenSent(t *testing.T) {
	cert, pool := testCert(t)
	f := startSMTP(t, []tls.Certificate{cert}, false)
	f.RejectNext(1, 451, "try again later")
	s := newTestSMTP(t, f, pool, nil)
	m := docket.Message{Key: "retry", To: "counsel@firm.example", Subject: "Hearing", Text: "Hello"}

	_, err := s.Send(t.Context(), m)
	var e *docket.SendError
	if !errors.As(err, &e) {
		t.Fatalf("first send: err = %v, want *docket.SendError", err)
	}
	if got, want := e.Code, "451"; got != want {
		t.Errorf("code = %q, want %q", got, want)
	}
	if !e.Temporary {
		t.Errorf("451 is not temporary: %v", err)
	}
	id, err := s.Send(t.Context(), m)
	if err != nil {
		t.Fatalf("second send: %v", err)
	}
	if got, want := id, s.MessageID("retry"); got != want {
		t.Errorf("retry id = %q, want the same Message-ID %q", got, want)
	}
	if got, want := len(f.Messages()), 1; got != want {
		t.Errorf("server has %d messages, want %d", got, want)
	}
}

func TestSMTPErrors(t *testing.T) {
	cert, pool := testCert(t)
	withTLS := startSMTP(t, []tls.Certificate{cert}, false)
	noTLS := startSMTP(t, nil, false)
	tests := []struct {
		name      string
		server    *smtptest.Server
		mod       func(*SMTPConfig)
		to        string
		invite    *docket.Invite
		code      string
		temporary bool
	}{
		{"550 recipient", withTLS, nil, "refuse@firm.example", nil, "550", false},
		{"bad password", withTLS, func(c *SMTPConfig) { c.Password = "wrong" }, "counsel@firm.example", nil, "535", true},
		{"no starttls offered", noTLS, nil, "counsel@firm.example", nil, "", true},
		{"untrusted certificate", withTLS, func(c *SMTPConfig) { c.TLSConfig = nil }, "counsel@firm.example", nil, "", true},
		{"bad address", withTLS, nil, "not an address", nil, "", false},
		{"method mismatch", withTLS, nil, "counsel@firm.example",
			&docket.Invite{Method: "CANCEL", Data: []byte(testInviteRequest)}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSMTP(t, tt.server, pool, tt.mod)
			before := len(tt.server.Messages())
			_, err := s.Send(t.Context(), docket.Message{Key: "k", To: tt.to, Subject: "s", Text: "t", Invite: tt.invite})
			var e *docket.SendError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *docket.SendError", err)
			}
			if got, want := e.Code, tt.code; got != want {
				t.Errorf("code = %q, want %q (%v)", got, want, err)
			}
			if got, want := e.Temporary, tt.temporary; got != want {
				t.Errorf("temporary = %v, want %v (%v)", got, want, err)
			}
			if strings.Contains(err.Error(), "refuse@") {
				t.Errorf("error text shows the address: %v", err)
			}
			if got := len(tt.server.Messages()); got != before {
				t.Errorf("server accepted a message")
			}
		})
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	cert, pool := testCert(t)
	f := startSMTP(t, []tls.Certificate{cert}, true)
	s := newTestSMTP(t, f, pool, func(c *SMTPConfig) { c.TLS = SMTPTLS })
	if _, err := s.Send(t.Context(), docket.Message{Key: "k", To: "counsel@firm.example", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if got := f.Messages(); len(got) != 1 || !got[0].TLS {
		t.Errorf("messages = %+v, want one over TLS", got)
	}
}

func TestSMTPCancelledContext(t *testing.T) {
	cert, pool := testCert(t)
	f := startSMTP(t, []tls.Certificate{cert}, false)
	s := newTestSMTP(t, f, pool, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Send(ctx, docket.Message{Key: "k", To: "counsel@firm.example", Subject: "s", Text: "t"})
	if !docket.IsTemporary(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want temporary context.Canceled", err)
	}
	if got := len(f.Messages()); got != 0 {
		t.Errorf("server has %d messages, want 0", got)
	}
}

func TestNewSMTPRejects(t *testing.T) {
	tests := []struct {
		name string
		cfg  SMTPConfig
	}{
		{"no host", SMTPConfig{From: "a@b.example"}},
		{"bad from", SMTPConfig{Host: "h", From: "nobody"}},
		{"bad tls", SMTPConfig{Host: "h", From: "a@b.example", TLS: "ssl3"}},
		{"http unsubscribe", SMTPConfig{Host: "h", From: "a@b.example", UnsubscribeURL: "http://x.example/u"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewSMTP(tt.cfg); err == nil {
				t.Errorf("NewSMTP(%+v) = nil error, want one", tt.cfg)
			}
		})
	}
}
