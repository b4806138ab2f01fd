package drills

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/smtptest"
)

// startMailServer starts the shared SMTP sink: RCPT to refuse@drill.example gets 550, DATA for
// tempfail@drill.example gets 451 the first time and 250 after; every other message is accepted.
func startMailServer(t *testing.T) *smtptest.Server {
	t.Helper()
	m := smtptest.NewUnstartedServer()
	m.Domain = "smtp.drill.example"
	m.RejectRcpt("refuse@drill.example", 550, "No such user here")
	m.RejectData("tempfail@drill.example", 1, 451, "Try again later")
	m.Start()
	t.Cleanup(m.Close)
	return m
}

// TestSMTPFailures sends email reminders through a server that answers 451 to one message and 550 to another
// recipient: the first is retried and then sent, the second fails with its code at once, and nothing is doubled.
func TestSMTPFailures(t *testing.T) {
	needDrills(t)
	ctx := context.Background()
	srv := startMailServer(t)
	host, portText, _ := net.SplitHostPort(srv.Addr)
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
	data, accepted := srv.Counts()
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
