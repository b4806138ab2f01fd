package drills

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// inproc is the reminder machinery in this process, built as every command builds it (assembly.Open): a real
// SQLite store, the planner and the dispatcher with the channels the config names, driven by a fake clock so that
// retry backoff passes without waiting.
type inproc struct {
	db    *store.DB
	clock *clockwork.FakeClock
	plan  *reminder.Planner
	disp  *reminder.Dispatcher
}

// newInproc builds docketd at now from a config of the drill office with channels (the [sms] or [email] tables
// that point at the drill's fake provider) and one policy sending on channel offset before the hearing.
func newInproc(t *testing.T, now time.Time, channels, channel, offset string) *inproc {
	t.Helper()
	cfg, err := config.Parse("drill.toml", []byte(fmt.Sprintf(`
[organization]
name = "Drill Legal Aid"
phone = "+12145550100"
email = "office@drill.example"
timezone = "America/Chicago"

[database]
url = %q

[reminders]
catch_up = "168h"

[[reminders.policy]]
name = "client-%s"
to = "client"
channel = %q
before = [%q]
%s`, "sqlite:"+filepath.Join(t.TempDir(), "drill.db"), channel, channel, offset, channels)),
		config.Options{Courts: store.CourtCodes()})
	if err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(now)
	o, err := assembly.Open(context.Background(), func() *config.Config { return cfg },
		assembly.Options{Now: clock.Now, Clock: clock, Log: discard()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	// The fake clock stands still during a dispatch pass, so a rate limit would wait for ever: the drills count
	// sends, not their pace (the rate is measured by the benchmark).
	o.Dispatcher.Rates = nil
	return &inproc{db: o.DB, clock: clock, plan: o.Planner, disp: o.Dispatcher}
}

// people stores the office's clients (phone, and email when withEmail) and one hearing each, as the source "office",
// then plans their reminders.
func (p *inproc) people(t *testing.T, o office, email func(i int) string) {
	t.Helper()
	ctx := context.Background()
	var clients []docket.Client
	var recs []docket.HearingRecord
	for i := range o.clients {
		an := docket.ANumber(fmt.Sprintf("2%08d", i))
		c := docket.Client{ID: fmt.Sprint("c", i), Name: fmt.Sprintf("Client %d Drill", i), ANumber: an,
			Phone: o.phone(i), Language: "en", Zone: "America/Chicago"}
		if email != nil {
			c.Email = email(i)
		}
		clients = append(clients, c)
		recs = append(recs, docket.HearingRecord{Key: fmt.Sprint("h", i), ANumber: an, Start: o.hearingStart(i),
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"})
	}
	if err := p.db.ReplacePeople(ctx, nil, clients); err != nil {
		t.Fatal(err)
	}
	s, err := p.db.BeginSync(ctx, docket.SyncOptions{Source: "office", Now: p.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Apply(recs); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	res, err := p.plan.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned == 0 {
		t.Fatal("nothing planned")
	}
}

// drain dispatches what is due, moves the clock to the next due row, and repeats until nothing is pending (at most
// rounds times). It returns how many rounds it took.
func (p *inproc) drain(t *testing.T, rounds int) int {
	t.Helper()
	ctx := context.Background()
	for i := range rounds {
		if _, err := p.disp.DispatchDue(ctx); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
		next, ok, err := p.db.NextDue(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return i + 1
		}
		if d := next.Sub(p.clock.Now()); d > 0 {
			p.clock.Advance(d)
		}
	}
	t.Fatalf("outbox not drained in %d rounds", rounds)
	return rounds
}
