package reminder

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store/storetest"
)

// stepClock is a test clock that moves on by itself, to the earliest deadline anyone sleeps until, once nobody holds
// it (Holder): a lane sending, or a sleeper woken and not yet done with the wake (Waker). It lets dispatchers run at
// their rate in fake time, however long their database work takes in real time.
type stepClock struct {
	mu     sync.Mutex
	now    time.Time
	holds  int
	timers []*stepTimer
	bell   chan struct{}
}

type stepTimer struct {
	at         time.Time
	c          chan time.Time
	held, done bool
}

func newStepClock(t0 time.Time) *stepClock { return &stepClock{now: t0, bell: make(chan struct{}, 1)} }

func (c *stepClock) ring() {
	select {
	case c.bell <- struct{}{}:
	default:
	}
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) After(d time.Duration) <-chan time.Time { ch, _ := c.Wake(d); return ch }

func (c *stepClock) Wake(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &stepTimer{at: c.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- c.now
		return t.c, func() {}
	}
	c.timers = append(c.timers, t)
	c.ring()
	var once sync.Once
	return t.c, func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			t.done = true
			if t.held {
				c.holds--
			}
			c.timers = slices.DeleteFunc(c.timers, func(x *stepTimer) bool { return x == t })
			c.ring()
		})
	}
}

func (c *stepClock) Hold() func() {
	c.mu.Lock()
	c.holds++
	c.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			c.holds--
			c.mu.Unlock()
			c.ring()
		})
	}
}

// step moves the clock to the earliest pending deadline when nobody holds it, firing every timer it reaches (each
// holds the clock until its sleeper is done with it). It reports whether it moved.
func (c *stepClock) step() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.holds > 0 {
		return false
	}
	var next time.Time
	for _, t := range c.timers {
		if !t.held && !t.done && (next.IsZero() || t.at.Before(next)) {
			next = t.at
		}
	}
	if next.IsZero() {
		return false
	}
	if next.After(c.now) {
		c.now = next
	}
	for _, t := range c.timers {
		if !t.held && !t.done && !t.at.After(c.now) {
			t.held = true
			c.holds++
			t.c <- c.now
		}
	}
	return true
}

// run steps the clock until stop is closed.
func (c *stepClock) run(stop <-chan struct{}) {
	for {
		if c.step() {
			continue
		}
		select {
		case <-stop:
			return
		case <-c.bell:
		case <-time.After(time.Millisecond): // a sleeper that registered between the check and the wait
		}
	}
}

// plannedClients gives n clients (ids prefix0, prefix1…, each with their own phone) a master hearing at start each,
// and plans their texts. It returns the hearings' records.
func (f *fixture) plannedClients(t *testing.T, n int, prefix string, start time.Time) []docket.HearingRecord {
	t.Helper()
	var recs []docket.HearingRecord
	var people []docket.Client
	for i := range n {
		id := fmt.Sprintf("%s%d", prefix, i)
		a := docket.ANumber(fmt.Sprintf("209%06d", len(prefix)*100000+i))
		people = append(people, docket.Client{ID: id, Name: "Client " + id, ANumber: a,
			Phone: plannedPhone(i), Language: "en", Zone: "America/Chicago"})
		recs = append(recs, docket.HearingRecord{Key: id, ANumber: a, Start: start, Zone: "America/Chicago",
			CourtCode: "DAL", Type: "master"})
	}
	ctx := context.Background()
	if err := f.db.ReplacePeople(ctx, nil, people); err != nil {
		t.Fatal(err)
	}
	f.hearings(t, recs...)
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	return recs
}

// plannedPhone is the phone of plannedClients' i-th client.
func plannedPhone(i int) string { return fmt.Sprintf("+1214556%04d", i) }

// runDispatcher runs d until the test ends, and returns the context it runs in; the test fails if Run does.
func runDispatcher(t *testing.T, d *Dispatcher) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	})
	return ctx
}

// clockSender notes the clock's time of every message it is given.
type clockSender struct {
	clock Clock
	mu    sync.Mutex
	sent  []sentAt
	// then, when set, runs after each message is noted (outside the lock).
	then func(docket.Message)
}

func (s *clockSender) Send(_ context.Context, m docket.Message) (string, error) {
	s.mu.Lock()
	s.sent = append(s.sent, sentAt{s.clock.Now(), m})
	id := fmt.Sprintf("SM%032d", len(s.sent))
	s.mu.Unlock()
	if s.then != nil {
		s.then(m)
	}
	return id, nil
}

// Two dispatchers on one database (two daemons on one PostgreSQL, or on one SQLite file), each configured with the
// office's rate of 50 texts a second, send a 300-client burst due at one instant together within that rate: no
// second of the clock sees more than 50 texts, the burst takes as long as 300 ÷ 50, and every text goes once.
func TestTwoDispatchersShareTheOfficesRate(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC) // 10:00 Central: the 7d texts are due
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	const clients, rate = 300, 50
	f.plannedClients(t, clients, "b", time.Date(2028, 2, 8, 9, 0, 0, 0, chicago))
	ctx := context.Background()
	clock := newStepClock(t0)
	f.db.Now = clock.Now
	other := storetest.OpenURL(t, f.url) // the second daemon's own connection to the database
	other.Now = clock.Now
	sender := &clockSender{clock: clock}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var disps []*Dispatcher
	for _, db := range []Store{f.db, other} {
		disps = append(disps, &Dispatcher{DB: db, Senders: map[docket.Channel]Sender{docket.SMS: sender},
			Rates: map[docket.Channel]float64{docket.SMS: rate}, Renderer: f.disp.Renderer, Clock: clock, Log: log})
	}
	stop := make(chan struct{})
	go clock.run(stop)
	var wg sync.WaitGroup
	settled := make([]int, len(disps))
	for i, d := range disps {
		wg.Go(func() {
			n, err := d.DispatchDue(ctx)
			if err != nil {
				t.Error(err)
			}
			settled[i] = n
		})
	}
	wg.Wait()
	close(stop)

	sender.mu.Lock()
	sent := slices.Clone(sender.sent)
	sender.mu.Unlock()
	if len(sent) != clients {
		t.Fatalf("texts sent: %d, want %d", len(sent), clients)
	}
	to := map[string]int{}
	var at []time.Time
	for _, s := range sent {
		to[s.msg.To]++
		at = append(at, s.at)
	}
	for phone, n := range to {
		if n != 1 {
			t.Errorf("%s got %d texts, want 1", phone, n)
		}
	}
	if settled[0] == 0 || settled[1] == 0 {
		t.Errorf("rows settled by each dispatcher: %v; both should have sent part of the burst", settled)
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	lo := 0
	for hi := range at {
		for at[hi].Sub(at[lo]) >= time.Second {
			lo++
		}
		if n := hi - lo + 1; n > rate {
			t.Fatalf("%d texts in the second from %s: the two dispatchers together exceed the office's rate of %d",
				n, at[lo].Sub(t0), rate)
		}
	}
	if took, least := at[len(at)-1].Sub(at[0]), time.Duration(clients-1)*time.Second/rate; took < least {
		t.Errorf("the burst took %s, less than %s at the office's rate", took, least)
	} else if took > least+2*time.Second {
		t.Errorf("the burst took %s, want about %s: the dispatchers left the rate unused", took, least)
	}
}

// A hearing moved while its text waited for a send slot is not texted with the old time: the rules run again after
// the wait, on the hearing as read at most viewsFresh before, and the row is cancelled as changed since planned.
func TestAHearingMovedWhileItsTextWaitsIsNotSentStale(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC) // 10:00 Central: the 7d texts are due
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	start := time.Date(2028, 2, 8, 9, 0, 0, 0, chicago)
	recs := f.plannedClients(t, 2, "m", start)
	ctx := context.Background()
	clock := newStepClock(t0)
	f.db.Now = clock.Now
	moved := slices.Clone(recs)
	var syncErr error
	sender := &clockSender{clock: clock}
	var once sync.Once
	sender.then = func(m docket.Message) {
		// The first text has gone; the other client's hearing moves a day while that text waits its turn.
		once.Do(func() {
			other := 1
			if m.To == plannedPhone(1) {
				other = 0
			}
			moved[other].Start = start.AddDate(0, 0, 1)
			s, err := f.db.BeginSync(ctx, docket.SyncOptions{Source: "office", Now: clock.Now()})
			if err == nil {
				if err = s.Apply(moved); err == nil {
					_, err = s.Finish()
				}
			}
			syncErr = err
		})
	}
	d := &Dispatcher{DB: f.db, Senders: map[docket.Channel]Sender{docket.SMS: sender},
		Rates: map[docket.Channel]float64{docket.SMS: 0.5}, Concurrency: map[docket.Channel]int{docket.SMS: 1},
		Renderer: f.disp.Renderer, Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	stop := make(chan struct{})
	go clock.run(stop)
	_, err := d.DispatchDue(ctx)
	close(stop)
	if err != nil || syncErr != nil {
		t.Fatal(err, syncErr)
	}
	sender.mu.Lock()
	sent := slices.Clone(sender.sent)
	sender.mu.Unlock()
	if len(sent) != 1 {
		for _, s := range sent {
			t.Logf("sent at %s to %s:\n%s", s.at.Sub(t0), s.msg.To, s.msg.Text)
		}
		t.Fatalf("texts sent: %d, want 1 (the moved hearing's text held back)", len(sent))
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateCancelled})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].LastError != "hearing changed since planned" {
		t.Errorf("cancelled rows: %+v, want the moved hearing's, as changed since planned", rows)
	}
}

// A text planned while the dispatcher sleeps until its idle check goes at once when the planner wakes it, not at the
// idle check: on a Holder clock, time stands still from Wake until the dispatcher has looked at the outbox. Without
// that, a test clock sees the dispatcher asleep until its idle check and moves there before the wake is read, and
// the text is recorded as sent a minute late.
func TestAWakeHoldsTheClockUntilTheDispatcherHasLooked(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC) // 10:00 Central: Samuel's 7d text is due
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	clock := newStepClock(t0)
	f.db.Now = clock.Now
	sent := make(chan struct{})
	sender := &clockSender{clock: clock, then: func(docket.Message) { close(sent) }}
	d := &Dispatcher{DB: f.db, Senders: map[docket.Channel]Sender{docket.SMS: sender}, Renderer: f.disp.Renderer,
		Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := runDispatcher(t, d)
	guard := time.NewTimer(30 * time.Second)
	defer guard.Stop()
	// The dispatcher, with nothing planned, sleeps until its idle check.
	for asleep := false; !asleep; {
		clock.mu.Lock()
		asleep = clock.holds == 0 && slices.ContainsFunc(clock.timers, func(x *stepTimer) bool {
			return x.at.Equal(t0.Add(idleCheck))
		})
		clock.mu.Unlock()
		if !asleep {
			select {
			case <-clock.bell:
			case <-guard.C:
				t.Fatal("the dispatcher never went to sleep")
			}
		}
	}
	f.hearings(t, docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
		Zone: "America/Chicago", CourtCode: "DAL", Type: "master"})
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	d.Wake()
	stop := make(chan struct{})
	defer close(stop)
	go clock.run(stop)
	select {
	case <-sent:
	case <-guard.C:
		t.Fatal("the text was never sent")
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	if len(sender.sent) != 1 || !sender.sent[0].at.Equal(t0) {
		t.Errorf("sent %d texts, the first at %v; want one at %v", len(sender.sent), sender.sent[0].at, t0)
	}
}

// failingNextDue is a store whose first fails answers to NextDue are errors: a database that was down, or that
// dropped the connection the pool held, and answers again.
type failingNextDue struct {
	Store
	mu    sync.Mutex
	fails int
}

func (s *failingNextDue) NextDue(ctx context.Context, ch docket.Channel) (time.Time, bool, error) {
	s.mu.Lock()
	failing := s.fails > 0
	if failing {
		s.fails--
	}
	s.mu.Unlock()
	if failing {
		return time.Time{}, false, fmt.Errorf("database unreachable")
	}
	return s.Store.NextDue(ctx, ch)
}

// When the database fails to say what is due next, the dispatcher looks again within seconds, not at its next idle
// check: Samuel's text, due as the database comes back, goes storeRetry later (a daemon on PostgreSQL took 41 s to
// catch up after an outage, waiting out its one-minute idle check).
func TestTheDispatcherLooksAgainSoonAfterTheDatabaseFailed(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC) // 10:00 Central: Samuel's 7d text is due
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	f.hearings(t, docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
		Zone: "America/Chicago", CourtCode: "DAL", Type: "master"})
	if _, err := f.plan.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock := newStepClock(t0)
	f.db.Now = clock.Now
	sent := make(chan struct{})
	sender := &clockSender{clock: clock, then: func(docket.Message) { close(sent) }}
	d := &Dispatcher{DB: &failingNextDue{Store: f.db, fails: 1}, Senders: map[docket.Channel]Sender{docket.SMS: sender},
		Renderer: f.disp.Renderer, Clock: clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	runDispatcher(t, d)
	stop := make(chan struct{})
	defer close(stop)
	go clock.run(stop)
	select {
	case <-sent:
	case <-time.After(30 * time.Second):
		t.Fatal("the text was never sent")
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	if at := sender.sent[0].at; at.After(t0.Add(storeRetry)) {
		t.Errorf("sent at %v, %v after the database failed; want within %v", at, at.Sub(t0), storeRetry)
	}
}

// budgetLedger is a shared send budget kept in memory, as store.ReserveSends keeps it in the database; it counts
// the reservations.
type budgetLedger struct {
	Store
	next         time.Time
	reservations int
}

func (b *budgetLedger) ReserveSends(_ context.Context, _ docket.Channel, now time.Time, n int, rate float64) (time.Time, error) {
	b.reservations++
	first := b.next
	if first.Before(now) {
		first = now
	}
	b.next = first.Add(time.Duration(float64(n) * float64(time.Second) / rate))
	return first, nil
}

func (b *budgetLedger) PauseSends(context.Context, docket.Channel, time.Time) error { return nil }

// At thousands of messages a second a slot's turn is a microsecond, shorter than the time between two sends of one
// process: slots are kept for slotGrace, so a lane reserves the budget (a database write) once for many messages,
// not once for each, and still hands out no two slots closer than its rate allows.
func TestAFastLaneReservesItsBudgetOnceForManyMessages(t *testing.T) {
	const rate, messages = 1e6, 1000
	budget := &budgetLedger{}
	l := &lane{channel: docket.SMS, rate: rate, chunk: maxChunk}
	now := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	var last time.Time
	for i := range messages {
		now = now.Add(300 * time.Microsecond) // a message every 300 µs, as a lane with 16 in flight sends
		slot, err := l.take(context.Background(), budget, now)
		if err != nil {
			t.Fatal(err)
		}
		if now.Sub(slot) >= slotGrace {
			t.Fatalf("message %d got a slot %v old", i, now.Sub(slot))
		}
		if i > 0 && slot.Sub(last) < time.Second/rate {
			t.Fatalf("message %d got a slot %v after the last, closer than the rate allows", i, slot.Sub(last))
		}
		last = slot
	}
	// 1,000 messages over 300 ms, each reservation's slots usable for slotGrace: a reservation every 20 ms.
	if want := int(300*time.Millisecond/slotGrace) + 1; budget.reservations > want {
		t.Errorf("%d reservations for %d messages, want at most %d", budget.reservations, messages, want)
	}
}
