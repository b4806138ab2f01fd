package drills

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// inproc is the reminder machinery in this process: a real SQLite store, the planner and the dispatcher with real
// senders, driven by a fake clock so that retry backoff passes without waiting.
type inproc struct {
	db    *store.DB
	clock *clockwork.FakeClock
	plan  *reminder.Planner
	disp  *reminder.Dispatcher
}

func newInproc(t *testing.T, now time.Time, senders map[docket.Channel]reminder.Sender, policies ...reminder.Policy) *inproc {
	t.Helper()
	db, err := store.Open("sqlite:" + filepath.Join(t.TempDir(), "drill.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock := clockwork.NewFakeClockAt(now)
	db.Now = clock.Now
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	rules := func() reminder.Rules {
		return reminder.Rules{Policies: policies, CatchUp: 7 * 24 * time.Hour, NotifyChanges: true,
			DefaultZone: chicago, OrgName: "Drill Legal Aid", OrgPhone: "+12145550100"}
	}
	tpl, err := message.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	return &inproc{db: db, clock: clock,
		plan: &reminder.Planner{DB: db, Rules: rules, Now: clock.Now, Log: discard()},
		disp: &reminder.Dispatcher{DB: db, Senders: senders, Renderer: &reminder.Renderer{DB: db, Templates: tpl,
			Rules: rules}, Clock: clock, Log: discard()},
	}
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
		next, ok, err := p.db.NextDue(ctx)
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
