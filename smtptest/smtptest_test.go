package smtptest_test

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http/httptest"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/smtptest"
)

const msg = "From: docket@legalaid.example\r\nTo: counsel@firm.example\r\nSubject: Hearing\r\n\r\nHello\r\n"

// certificate borrows httptest's certificate for 127.0.0.1, rather than making one.
func certificate(t *testing.T) tls.Certificate {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts.TLS.Certificates[0]
}

// code is the SMTP reply code of a net/smtp error: 250 for none, 0 for one that is no SMTP reply.
func code(err error) int {
	var e *textproto.Error
	switch {
	case err == nil:
		return 250
	case errors.As(err, &e):
		return e.Code
	}
	return 0
}

// deliver sends msg to counsel@firm.example over c.
func deliver(t *testing.T, c *smtp.Client) {
	t.Helper()
	if err := c.Mail("docket@legalaid.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("counsel@firm.example"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(msg))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRecordsWhatItTakes(t *testing.T) {
	s := smtptest.NewServer()
	t.Cleanup(s.Close)
	var seen []string
	s.SetOnMessage(func(m smtptest.Message) { seen = append(seen, m.Header.Get("Subject")) })
	if err := smtp.SendMail(s.Addr, nil, "docket@legalaid.example", []string{"counsel@firm.example", "aide@firm.example"},
		[]byte(msg)); err != nil {
		t.Fatal(err)
	}
	ms := s.Messages()
	if len(ms) != 1 {
		t.Fatalf("messages = %d, want 1", len(ms))
	}
	m := ms[0]
	if m.From != "docket@legalaid.example" || strings.Join(m.To, ",") != "counsel@firm.example,aide@firm.example" ||
		string(m.Data) != msg || m.Header.Get("Subject") != "Hearing" || m.TLS || m.AuthUser != "" || m.Code != 250 {
		t.Errorf("message = %+v", m)
	}
	if len(s.To("aide@firm.example")) != 1 || len(s.To("nobody@firm.example")) != 0 {
		t.Error("To does not select by recipient")
	}
	if strings.Join(seen, ",") != "Hearing" {
		t.Errorf("hook saw %v", seen)
	}
	if s.Host != "127.0.0.1" || s.Port == 0 {
		t.Errorf("host %q port %d", s.Host, s.Port)
	}
}

func TestRejects(t *testing.T) {
	s := smtptest.NewServer()
	t.Cleanup(s.Close)
	s.RejectRcpt("refuse@firm.example", 550, "No such user here")
	s.RejectData("tempfail@firm.example", 1, 451, "Try again later")
	send := func(to string) int {
		return code(smtp.SendMail(s.Addr, nil, "docket@legalaid.example", []string{to}, []byte(msg)))
	}
	if got := send("Refuse@firm.example"); got != 550 {
		t.Errorf("refused recipient: %d, want 550", got)
	}
	if got := send("tempfail@firm.example"); got != 451 {
		t.Errorf("first DATA to tempfail: %d, want 451", got)
	}
	if got := send("tempfail@firm.example"); got != 250 {
		t.Errorf("second DATA to tempfail: %d, want 250", got)
	}
	s.RejectNext(1, 554, "Transaction failed")
	if got := send("ok@firm.example"); got != 554 {
		t.Errorf("RejectNext: %d, want 554", got)
	}
	if got := send("ok@firm.example"); got != 250 {
		t.Errorf("after RejectNext: %d, want 250", got)
	}
	attempts, taken := s.Counts()
	if attempts["tempfail@firm.example"] != 2 || taken["tempfail@firm.example"] != 1 || attempts["ok@firm.example"] != 2 ||
		taken["ok@firm.example"] != 1 || attempts["refuse@firm.example"] != 0 {
		t.Errorf("attempts %v, taken %v", attempts, taken)
	}
	if got := len(s.Attempts()); got != 4 {
		t.Errorf("attempts = %d, want 4", got)
	}
}

func TestAuthAndTLS(t *testing.T) {
	cert := certificate(t)
	s := smtptest.NewUnstartedServer()
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.Username, s.Password = "reminders", "s3cret"
	s.AllowInsecureAuth = false
	s.Start()
	t.Cleanup(s.Close)

	dial := func() *smtp.Client {
		c, err := smtp.Dial(s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c := dial()
	if ok, _ := c.Extension("AUTH"); ok {
		t.Error("AUTH offered before STARTTLS")
	}
	if err := c.Mail("docket@legalaid.example"); code(err) != 502 {
		t.Errorf("MAIL before AUTH: %v, want 502", err)
	}
	tlsc := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test's own certificate
	if err := c.StartTLS(tlsc); err != nil {
		t.Fatal(err)
	}
	// net/smtp hangs up after a failed AUTH: try the good password on a connection of its own.
	bad := dial()
	if err := bad.StartTLS(tlsc); err != nil {
		t.Fatal(err)
	}
	if err := bad.Auth(smtp.PlainAuth("", "reminders", "wrong", "127.0.0.1")); code(err) != 535 {
		t.Errorf("bad password: %v, want 535", err)
	}
	if err := c.Auth(smtp.PlainAuth("", "reminders", "s3cret", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	deliver(t, c)
	if ms := s.Messages(); len(ms) != 1 || !ms[0].TLS || ms[0].AuthUser != "reminders" {
		t.Errorf("messages = %+v, want one over TLS from reminders", ms)
	}
}

func TestImplicitTLS(t *testing.T) {
	s := smtptest.NewUnstartedServer()
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{certificate(t)}}
	s.StartTLS()
	t.Cleanup(s.Close)
	tlsc := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the test's own certificate
	conn, err := tls.Dial("tcp", s.Addr, tlsc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deliver(t, c)
	if ms := s.Messages(); len(ms) != 1 || !ms[0].TLS {
		t.Errorf("messages = %+v, want one over TLS", ms)
	}
}

func TestHangSaysNothing(t *testing.T) {
	s := smtptest.NewServer()
	t.Cleanup(s.Close)
	s.SetHang(time.Minute)
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(make([]byte, 64)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a hung server said %d bytes (%v), want nothing until the deadline", n, err)
	}
	s.SetHang(0)
	if err := smtp.SendMail(s.Addr, nil, "docket@legalaid.example", []string{"counsel@firm.example"}, []byte(msg)); err != nil {
		t.Errorf("after the hang: %v", err)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("messages = %d, want 1", got)
	}
}

func TestDataDelayTakesThenAnswersLate(t *testing.T) {
	s := smtptest.NewServer()
	t.Cleanup(s.Close)
	s.SetDataDelay(400 * time.Millisecond)
	taken := make(chan time.Time, 2)
	s.SetOnData(func(smtptest.Message) { taken <- time.Now() })
	began := time.Now()
	if err := smtp.SendMail(s.Addr, nil, "docket@legalaid.example", []string{"counsel@firm.example"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	answered := time.Now()
	if d := answered.Sub(began); d < 400*time.Millisecond {
		t.Errorf("answered in %v, before the delay", d)
	}
	if at := <-taken; answered.Sub(at) < 400*time.Millisecond {
		t.Errorf("taken %v before the answer, want the delay", answered.Sub(at))
	}

	// A client that gives up before the answer: the message went through all the same.
	c, err := net.Dial("tcp", s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := smtp.NewClient(c, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if err := cl.Mail("docket@legalaid.example"); err != nil {
		t.Fatal(err)
	}
	if err := cl.Rcpt("counsel@firm.example"); err != nil {
		t.Fatal(err)
	}
	w, err := cl.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(msg))
	if err := w.Close(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("DATA answered before the client's deadline: %v", err)
	}
	c.Close()
	<-taken
	if _, n := s.Counts(); n["counsel@firm.example"] != 2 {
		t.Errorf("taken %d messages, want 2 (the one the client gave up on too)", n["counsel@firm.example"])
	}
}
