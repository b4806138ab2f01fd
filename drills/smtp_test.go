package drills

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/docketd/docketd/docket"
)

// mailServer is an in-process SMTP server: RCPT to refuse@ gets 550, DATA for tempfail@ gets 451 the first time
// and 250 after; every other message is accepted.
type mailServer struct {
	addr string

	mu       sync.Mutex
	dataSeen map[string]int // DATA commands per recipient
	accepted map[string]int // messages accepted per recipient
}

func startMailServer(t *testing.T) *mailServer {
	t.Helper()
	m := &mailServer{dataSeen: map[string]int{}, accepted: map[string]int{}}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{m: m}, nil }))
	s.Domain = "smtp.drill.example"
	s.ErrorLog = log.New(io.Discard, "", 0)
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.addr = l.Addr().String()
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return m
}

type mailSession struct {
	m    *mailServer
	rcpt []string
}

func (s *mailSession) Reset()                               { s.rcpt = nil }
func (s *mailSession) Logout() error                        { return nil }
func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "refuse@") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user here"}
	}
	s.rcpt = append(s.rcpt, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	for _, to := range s.rcpt {
		s.m.dataSeen[to]++
		if strings.HasPrefix(to, "tempfail@") && s.m.dataSeen[to] == 1 {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
		}
	}
	for _, to := range s.rcpt {
		s.m.accepted[to]++
	}
	return nil
}

func (m *mailServer) counts() (data, accepted map[string]int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, accepted = map[string]int{}, map[string]int{}
	for k, v := range m.dataSeen {
		data[k] = v
	}
	for k, v := range m.accepted {
		accepted[k] = v
	}
	return data, accepted
}

// TestSMTPFailures sends email reminders through a server that answers 451 to one message and 550 to another
// recipient: the first is retried and then sent, the second fails with its code at once, and nothing is doubled.
func TestSMTPFailures(t *testing.T) {
	needDrills(t)
	ctx := context.Background()
	srv := startMailServer(t)
	host, portText, _ := net.SplitHostPort(srv.addr)
	port, _ := strconv.Atoi(portText)
	now := time.Date(2027, 3, 1, 15, 0, 0, 0, time.UTC)
	p := newInproc(t, now, fmt.Sprintf(`
[email]
provider = "smtp"
from = "Drill Docket <docket@drill.example>"

[email.smtp]
host = %q
port = %d
tls = "none"
timeout = "5s"
`, host, port), "email", "80h")
	email := func(i int) string {
		switch i {
		case 0:
			return "tempfail@drill.example"
		case 1:
			return "refuse@drill.example"
		}
		return fmt.Sprintf("ok%d@drill.example", i)
	}
	o := office{clients: 6, start: now.Add(72 * time.Hour)}
	p.people(t, o, email)

	if _, err := p.disp.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	byAddr := func() map[string]docket.Reminder {
		rows, err := p.db.OutboxRows(ctx, docket.OutboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]docket.Reminder{}
		for _, r := range rows {
			out[r.Address] = r
		}
		return out
	}
	first := byAddr()
	if r := first["tempfail@drill.example"]; r.State != docket.StatePending || r.ErrorCode != "451" || r.NextAttempt == nil {
		t.Errorf("after 451: state %q code %q next attempt %v, want pending, 451, set", r.State, r.ErrorCode, r.NextAttempt)
	}
	if r := first["refuse@drill.example"]; r.State != docket.StateFailed || r.ErrorCode != "550" {
		t.Errorf("after 550: state %q code %q, want failed, 550", r.State, r.ErrorCode)
	}

	rounds := p.drain(t, 20)
	last := byAddr()
	data, accepted := srv.counts()
	t.Logf("drained in %d rounds over %v of the clock; DATA per recipient %v", rounds,
		p.clock.Since(now).Round(time.Second), data)
	for i := range o.clients {
		addr := email(i)
		r := last[addr]
		wantState, wantAccepted, wantAttempts := docket.StateSent, 1, 1
		switch i {
		case 0:
			wantAttempts = 2
		case 1:
			wantState, wantAccepted = docket.StateFailed, 0
		}
		if got, want := r.State, wantState; got != want {
			t.Errorf("%s: state %q, want %q (%s)", addr, got, want, r.LastError)
		}
		if got, want := accepted[addr], wantAccepted; got != want {
			t.Errorf("%s: server accepted %d messages, want %d", addr, got, want)
		}
		if got, want := r.Attempts, wantAttempts; got != want {
			t.Errorf("%s: %d attempts, want %d", addr, got, want)
		}
	}
	if got, want := last["refuse@drill.example"].ErrorCode, "550"; got != want {
		t.Errorf("refused recipient: error code %q, want %q", got, want)
	}
	if got, want := data["tempfail@drill.example"], 2; got != want {
		t.Errorf("tempfail: %d DATA commands, want %d (451, then 250)", got, want)
	}
}
