package reminder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// realGuard bounds, in real time, a wait for something another goroutine does at once; it only stops a broken test
// from hanging.
const realGuard = 10 * time.Second

// gatedSender is a provider whose answers wait for the test to open the gate. Like Twilio, it lists a message only
// once it has answered for it.
type gatedSender struct {
	mu       sync.Mutex
	gate     chan struct{}
	started  chan docket.Message // told of every request as it arrives
	answered []docket.Message
	inFlight int
	most     int
	listErr  error
}

func newGatedSender() *gatedSender {
	return &gatedSender{gate: make(chan struct{}), started: make(chan docket.Message, 100)}
}

func (g *gatedSender) Send(ctx context.Context, m docket.Message) (string, error) {
	g.mu.Lock()
	g.inFlight++
	g.most = max(g.most, g.inFlight)
	g.mu.Unlock()
	g.started <- m
	<-g.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	g.answered = append(g.answered, m)
	return fmt.Sprintf("SMg%03d", len(g.answered)), nil
}

func (g *gatedSender) Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.listErr != nil {
		return nil, g.listErr
	}
	var out []docket.SentMessage
	for i, m := range g.answered {
		if m.To == to {
			out = append(out, docket.SentMessage{SID: fmt.Sprintf("SMg%03d", i+1), To: to, Body: m.Text})
		}
	}
	return out, nil
}

func (g *gatedSender) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.answered)
}

func (g *gatedSender) waitStarted(t *testing.T) docket.Message {
	t.Helper()
	select {
	case m := <-g.started:
		return m
	case <-time.After(realGuard):
		t.Fatal("no request reached the provider")
		return docket.Message{}
	}
}

// dueFixture is the fixture with the Mendozas' first hearing (Feb 8, 8:30) planned at Feb 1, 10:00 Dallas time, when
// its 7-day text is due.
func dueFixture(t *testing.T) (*fixture, context.Context) {
	t.Helper()
	f := newFixture(t, time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC))
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	return f, ctx
}

// second is another dispatcher over the fixture's store, as a second process (a cron `remind`, a replica) would run.
func (f *fixture) second(sms Sender) *Dispatcher {
	return &Dispatcher{DB: f.db, Senders: map[docket.Channel]Sender{docket.SMS: sms, docket.Email: f.email},
		Renderer: f.disp.Renderer, Clock: f.clock, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func TestASecondDispatcherLeavesALiveSendAlone(t *testing.T) {
	f, ctx := dueFixture(t)
	provider := newGatedSender()
	first, other := f.second(provider), f.second(provider)
	done := make(chan error, 1)
	go func() { _, err := first.DispatchDue(ctx); done <- err }()
	provider.waitStarted(t) // the first process is waiting for the provider's answer

	// A cron `remind` starts meanwhile: it reconciles and dispatches. The row is leased, so it must send nothing,
	// however long the send takes within the lease.
	f.clock.Advance(Lease / 2)
	if err := other.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := other.DispatchDue(ctx); err != nil || n != 0 {
		t.Fatalf("second dispatcher settled %d rows (%v), want 0", n, err)
	}
	close(provider.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := provider.count(); got != 1 {
		t.Fatalf("provider answered %d requests, want 1", got)
	}
	sent, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
	if len(sent) != 1 || sent[0].ProviderID != "SMg001" || sent[0].LeaseOwner != "" {
		t.Fatalf("recorded: %+v", sent)
	}
}

// A send that outlived its lease (the process stood still, the database would not take the outcome): another
// process's reconcile put the row back meanwhile. The outcome changes nothing of it, and the dispatcher says so, with
// the row and what went out, since the row may be sent again.
func TestAnOutcomeTooLateForItsLeaseIsReported(t *testing.T) {
	f, ctx := dueFixture(t)
	provider := newGatedSender()
	first, other := f.second(provider), f.second(provider)
	first.DB = &claimsOnce{Store: f.db} // not claiming the row again under its own name before its outcome
	var logs strings.Builder            // written by the dispatch, read once it has returned
	first.Log = slog.New(slog.NewTextHandler(&logs, nil))
	done := make(chan error, 1)
	go func() { _, err := first.DispatchDue(ctx); done <- err }()
	provider.waitStarted(t)
	f.clock.Advance(Lease + time.Second)
	if err := other.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	close(provider.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	pending, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending rows: %+v (%v), want the household's text put back by the reconcile", pending, err)
	}
	out := logs.String()
	if !strings.Contains(out, "outcome not recorded") || !strings.Contains(out, "provider_id=SMg001") ||
		!strings.Contains(out, fmt.Sprint(pending[0].ID)) {
		t.Errorf("log: %s\nwant the outcome reported as not recorded, with the row and the provider's id", out)
	}
}

// claimsOnce is a store of which a dispatcher claims texts once: a cron `remind` that took its batch.
type claimsOnce struct {
	Store
	mu      sync.Mutex
	claimed bool
}

func (s *claimsOnce) ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Channel == docket.SMS && s.claimed {
		return nil, nil
	}
	rows, err := s.Store.ClaimDue(ctx, c)
	s.claimed = s.claimed || (c.Channel == docket.SMS && len(rows) > 0)
	return rows, err
}

func (s *claimsOnce) WriteOutbox(ctx context.Context, ws []docket.OutboxWrite) ([]bool, error) {
	return s.Store.(OutboxWriter).WriteOutbox(ctx, ws)
}

func TestAnOutcomeIsRecordedOnlyUnderItsLease(t *testing.T) {
	f, ctx := dueFixture(t)
	claim := func(owner string) docket.Reminder {
		rows, err := f.db.ClaimDue(ctx, docket.Claim{Now: f.clock.Now(), Channel: docket.SMS, Limit: 10, Owner: owner,
			Lease: Lease})
		if err != nil || len(rows) != 1 {
			t.Fatalf("claim by %s: %d rows, %v", owner, len(rows), err)
		}
		return rows[0]
	}
	a := claim("host-a:1:aa")
	// A's lease expires (the process froze); B takes the row over and sends it.
	f.clock.Advance(Lease + time.Second)
	if n, err := f.db.ReleaseLease(ctx, []uint{a.ID}, a.LeaseOwner, a.LeaseUntil, "expired"); err != nil || n != 1 {
		t.Fatalf("release: %d, %v", n, err)
	}
	claim("host-b:2:bb")
	if err := f.db.FinishOutbox(ctx, []uint{a.ID}, docket.OutboxResult{State: docket.StateSent, ProviderID: "SM-B",
		Owner: "host-b:2:bb"}); err != nil {
		t.Fatal(err)
	}
	// A wakes up and records its stale outcome: nothing changes.
	if err := f.db.FinishOutbox(ctx, []uint{a.ID}, docket.OutboxResult{State: docket.StatePending, Owner: a.LeaseOwner,
		Error: "timeout"}); err != nil {
		t.Fatal(err)
	}
	rows, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{})
	if rows[0].State != docket.StateSent || rows[0].ProviderID != "SM-B" {
		t.Errorf("row after a stale outcome: %s %q, want sent SM-B", rows[0].State, rows[0].ProviderID)
	}
	// A lease renewed after it was read is alive: releasing it by what was read does nothing.
	b := claimAgain(t, f)
	if ok, err := f.db.HoldLease(ctx, []uint{b.ID}, b.LeaseOwner, f.clock.Now().Add(Lease)); err != nil || !ok {
		t.Fatalf("hold: %v %v", ok, err)
	}
	if n, _ := f.db.ReleaseLease(ctx, []uint{b.ID}, b.LeaseOwner, b.LeaseUntil, "expired"); n != 0 {
		t.Errorf("a renewed lease was released")
	}
}

// claimAgain plans a counsel email due now and leases it.
func claimAgain(t *testing.T, f *fixture) docket.Reminder {
	t.Helper()
	ctx := context.Background()
	hs, _ := f.db.Hearings(ctx, docket.HearingFilter{})
	if _, err := f.db.PlanOutbox(ctx, []docket.Reminder{{HearingID: hs[0].ID, Recipient: docket.ToAttorney,
		RecipientID: "lf", Channel: docket.Email, Address: "lf@example.org", Kind: docket.KindReminder,
		DedupeKey: "extra", Due: f.clock.Now(), State: docket.StatePending}}); err != nil {
		t.Fatal(err)
	}
	rows, err := f.db.ClaimDue(ctx, docket.Claim{Now: f.clock.Now(), Channel: docket.Email, Limit: 10,
		Owner: "host-c:3:cc", Lease: time.Minute})
	if err != nil || len(rows) != 1 {
		t.Fatalf("claim: %d, %v", len(rows), err)
	}
	return rows[0]
}

func TestARetryWaitsWhileTheProviderCannotBeAsked(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	listDown := true
	timedOut := false
	f.sms.fail = func(m docket.Message) error {
		if !timedOut {
			// The provider takes the message, but its answer never arrives.
			timedOut = true
			f.sms.sent = append(f.sms.sent, sentAt{f.clock.Now(), m})
			return &docket.SendError{Temporary: true, Err: errors.New("timeout awaiting response headers")}
		}
		return nil
	}
	lister := &failingLister{recorder: f.sms, down: func() bool { return listDown }}
	f.disp.Senders[docket.SMS] = lister
	f.runUntil(t, time.Date(2028, 2, 1, 12, 0, 0, 0, chicago)) // two hours of retries, the list failing throughout
	if got := len(f.sms.messages()); got != 1 {
		t.Fatalf("provider got %d messages while it could not be asked, want 1", got)
	}
	pending, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StatePending})
	if len(pending) == 0 || pending[0].Offset != "7d" || !strings.Contains(pending[0].LastError, "cannot be asked") ||
		pending[0].Attempts != 1 {
		t.Fatalf("the 7d row should wait, saying why: %+v", pending)
	}
	if lister.lists < 2 {
		t.Errorf("the provider was asked %d times in two hours; the row should keep asking", lister.lists)
	}
	listDown = false
	f.runUntil(t, time.Date(2028, 2, 1, 13, 0, 0, 0, chicago))
	if got := len(f.sms.messages()); got != 1 {
		t.Fatalf("provider got %d messages, want 1", got)
	}
	sent, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateSent})
	if len(sent) != 1 || sent[0].ProviderID != "SM001" {
		t.Fatalf("recorded: %+v", sent)
	}
}

// failingLister is the recorder with a list call that fails while down says so.
type failingLister struct {
	*recorder
	down  func() bool
	lists int
}

func (l *failingLister) Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error) {
	l.lists++
	if l.down() {
		return nil, errors.New("twilio list: 503 Service Unavailable")
	}
	return l.recorder.Sent(ctx, to, since)
}

func TestAfterAnOutageOnlyTheLatestOverdueReminderGoesOutAtADecentHour(t *testing.T) {
	hearing := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago) // 7d due Feb 1, 3d Feb 5, 1d Feb 7, all at 10:00
	for _, tt := range []struct {
		name    string
		back    time.Time // the daemon comes back
		wantAt  []time.Time
		skipped int
	}{
		// 7d is 3.6 days late at 00:26: past catch_up, skipped; nothing at night; the 3d goes at 10:00 on the 5th.
		{"at night", time.Date(2028, 2, 5, 0, 26, 0, 0, chicago),
			[]time.Time{time.Date(2028, 2, 5, 10, 0, 0, 0, chicago), time.Date(2028, 2, 7, 10, 0, 0, 0, chicago)}, 1},
		// 7d and 3d both overdue at 13:00; only the 3d (three hours late) goes, at once.
		{"in the afternoon", time.Date(2028, 2, 5, 13, 0, 0, 0, chicago),
			[]time.Time{time.Date(2028, 2, 5, 13, 0, 0, 0, chicago), time.Date(2028, 2, 7, 10, 0, 0, 0, chicago)}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, time.Date(2028, 1, 30, 12, 0, 0, 0, chicago))
			f.rules.Policies = f.rules.Policies[:1]
			f.hearings(t, family(hearing)[0])
			ctx := context.Background()
			if _, err := f.plan.Plan(ctx); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(tt.back.Sub(f.clock.Now())) // down until then
			f.runUntil(t, hearing)
			msgs := f.sms.messages()
			if len(msgs) != len(tt.wantAt) {
				t.Fatalf("texts: got %d, want %d", len(msgs), len(tt.wantAt))
			}
			for i, m := range msgs {
				local := m.at.In(chicago)
				if !m.at.Equal(tt.wantAt[i]) {
					t.Errorf("text %d at %s, want %s", i+1, local, tt.wantAt[i])
				}
				if f.rules.Quiet.contains(local) {
					t.Errorf("text %d sent inside quiet hours at %s", i+1, local)
				}
			}
			skipped, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSkipped})
			if len(skipped) != tt.skipped {
				t.Fatalf("skipped: got %d, want %d: %+v", len(skipped), tt.skipped, skipped)
			}
			for _, r := range skipped {
				if r.Offset != "7d" || r.LastError == "" {
					t.Errorf("skipped %s with reason %q, want the 7d with a reason", r.Offset, r.LastError)
				}
			}
		})
	}
}

func TestARetryThatWouldLandInQuietHoursWaitsForTheMorning(t *testing.T) {
	f := newFixture(t, time.Date(2028, 2, 7, 20, 40, 0, 0, chicago))
	f.rules.CatchUp = 24 * time.Hour
	f.rules.Policies = []Policy{{Name: "evening", To: "client", Channel: docket.SMS,
		Offsets: []Offset{{Label: "1d", Days: 1, At: 20*60 + 45}}}}
	f.hearings(t, family(time.Date(2028, 2, 8, 10, 30, 0, 0, chicago))[0])
	down := true
	f.sms.fail = func(docket.Message) error {
		if down {
			return &docket.SendError{Code: "20500", Temporary: true, Err: errors.New("twilio 500")}
		}
		return nil
	}
	f.runUntil(t, time.Date(2028, 2, 7, 21, 10, 0, 0, chicago))
	down = false
	f.runUntil(t, time.Date(2028, 2, 8, 10, 0, 0, 0, chicago))
	msgs := f.sms.messages()
	if len(msgs) != 1 {
		t.Fatalf("texts: got %d, want 1", len(msgs))
	}
	if want := time.Date(2028, 2, 8, 8, 0, 0, 0, chicago); !msgs[0].at.Equal(want) {
		t.Errorf("sent at %s, want %s (the end of quiet hours)", msgs[0].at.In(chicago), want)
	}
}

func TestRetryAfterPausesTheChannel(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0],
		docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master"})
	var posts []time.Time
	f.sms.fail = func(docket.Message) error {
		posts = append(posts, f.clock.Now())
		if len(posts) == 1 {
			return &docket.SendError{Code: "20429", Temporary: true, RetryAfter: 10 * time.Minute,
				Err: errors.New("429 Too Many Requests")}
		}
		return nil
	}
	f.disp.Concurrency = map[docket.Channel]int{docket.SMS: 1}
	f.runUntil(t, time.Date(2028, 2, 1, 11, 0, 0, 0, chicago))
	if len(posts) != 3 {
		t.Fatalf("requests: got %d, want 3 (a refused one, then both texts)", len(posts))
	}
	for i, at := range posts[1:] {
		if at.Sub(posts[0]) < 10*time.Minute {
			t.Errorf("request %d went %s after the provider asked for 10 minutes", i+2, at.Sub(posts[0]))
		}
	}
}

func TestAHungMailServerDoesNotDelayTexts(t *testing.T) {
	t0 := time.Date(2028, 2, 6, 14, 0, 0, 0, time.UTC) // 08:00 Central: counsel's 2d email and the family's text
	f := newFixture(t, t0)
	f.rules.Policies[0].Offsets = []Offset{{Label: "2d", Days: 2, At: 480}}
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	mail := newGatedSender()
	f.disp.Senders[docket.Email] = mail
	f.sms.sentOne = make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { _, err := f.disp.DispatchDue(ctx); done <- err }()
	mail.waitStarted(t)
	select {
	case <-f.sms.sentOne:
	case <-time.After(realGuard):
		t.Fatal("the text waited for the mail server")
	}
	close(mail.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := mail.count(); got != 1 {
		t.Errorf("emails: %d, want 1", got)
	}
}

func TestALaneSendsUpToItsConcurrency(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	var recs []docket.HearingRecord
	var people []docket.Client
	for i := range 10 {
		id := fmt.Sprintf("c%d", i)
		a := docket.ANumber(fmt.Sprintf("2095550%02d", i))
		people = append(people, docket.Client{ID: id, Name: "Client " + id, ANumber: a,
			Phone: fmt.Sprintf("+121455502%02d", i), Language: "en", Zone: "America/Chicago"})
		recs = append(recs, docket.HearingRecord{Key: id, ANumber: a, Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master"})
	}
	if err := f.db.ReplacePeople(context.Background(), nil, people); err != nil {
		t.Fatal(err)
	}
	f.hearings(t, recs...)
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	provider := newGatedSender()
	f.disp.Senders[docket.SMS] = provider
	f.disp.Concurrency = map[docket.Channel]int{docket.SMS: 4}
	done := make(chan error, 1)
	go func() { _, err := f.disp.DispatchDue(ctx); done <- err }()
	for range 4 {
		provider.waitStarted(t)
	}
	close(provider.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if provider.count() != 10 || provider.most != 4 {
		t.Errorf("sent %d with at most %d in flight, want 10 with 4", provider.count(), provider.most)
	}
}

func TestAReinstatedHearingSendsItsNotice(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	rosa := family(start)[0]
	sam := docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
		Zone: "America/Chicago", CourtCode: "DAL", Type: "master"}
	f.hearings(t, rosa, sam)
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago)) // the 7-day texts went out
	complete := func(recs ...docket.HearingRecord) {
		s, err := f.db.BeginSync(context.Background(), docket.SyncOptions{Source: "office", Now: f.clock.Now(),
			Complete: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Apply(recs); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Finish(); err != nil {
			t.Fatal(err)
		}
	}
	at := func(hour int) { f.clock.Advance(time.Date(2028, 2, 2, hour, 0, 0, 0, chicago).Sub(f.clock.Now())) }
	at(9)
	complete(sam) // Rosa's hearing is taken off the calendar…
	f.runUntil(t, time.Date(2028, 2, 2, 10, 0, 0, 0, chicago))
	at(11)
	complete(rosa, sam) // …and put back on
	f.runUntil(t, time.Date(2028, 2, 2, 23, 0, 0, 0, chicago))
	var toRosa []string
	for _, m := range f.sms.messages() {
		if m.msg.To == "+12145550142" {
			toRosa = append(toRosa, m.msg.Text)
		}
	}
	if len(toRosa) != 3 {
		t.Fatalf("texts to Rosa: got %d, want 3 (7-day, cancelled, back on):\n%s", len(toRosa),
			strings.Join(toRosa, "\n---\n"))
	}
	if back := toRosa[2]; !strings.Contains(back, "SIGUE EN PIE") || !strings.Contains(back, "8 de febrero") {
		t.Errorf("the notice should say the hearing is back on, and when:\n%s", back)
	}
	failed, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateFailed})
	if len(failed) != 0 {
		t.Errorf("failed rows: %+v", failed)
	}
}

// failingClaims is the store with a disk that refuses every write the dispatcher makes.
type failingClaims struct {
	Store
	fail bool
}

func (s *failingClaims) ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error) {
	if s.fail {
		return nil, errors.New("disk I/O error")
	}
	return s.Store.ClaimDue(ctx, c)
}

func TestReadyOnlyWhileClaimsSucceed(t *testing.T) {
	f := newFixture(t, time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC))
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	db := &failingClaims{Store: f.db, fail: true}
	f.disp.DB = db
	if _, err := f.disp.DispatchDue(ctx); err == nil {
		t.Fatal("dispatch over a failing disk reported no error")
	}
	if err := f.disp.Ready(); err == nil || !strings.Contains(err.Error(), "disk I/O error") {
		t.Fatalf("ready while every claim fails: %v", err)
	}
	db.fail = false
	if _, err := f.disp.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.disp.Ready(); err != nil {
		t.Errorf("still not ready after claims succeed again: %v", err)
	}
	if got := len(f.sms.messages()); got != 1 {
		t.Errorf("texts: %d, want 1", got)
	}
}

func TestAChangeOfPlaceAloneSendsItsNotice(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Policies = f.rules.Policies[:1]
	rosa := family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0]
	f.hearings(t, rosa)
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago)) // the 7-day text went out
	f.clock.Advance(time.Date(2028, 2, 2, 11, 0, 0, 0, chicago).Sub(f.clock.Now()))
	rosa.Medium = "internet"
	rosa.WebEx = "https://eoir.webex.com/meet/ij.example"
	f.hearings(t, rosa) // the same day and time, now by WebEx
	f.runUntil(t, time.Date(2028, 2, 2, 23, 0, 0, 0, chicago))
	msgs := f.sms.messages()
	if len(msgs) != 2 {
		t.Fatalf("texts: got %d, want 2 (7-day, then the change)", len(msgs))
	}
	notice := msgs[1].msg.Text
	if !strings.Contains(notice, "8 de febrero") || strings.Contains(notice, "antes:") {
		t.Errorf("the notice should give the date, and no former one:\n%s", notice)
	}
	failed, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateFailed})
	if len(failed) != 0 {
		t.Errorf("failed rows: %s", failed[0].LastError)
	}
}

// stallingStore stands the first dispatcher still at its last look before a send (the opt-out list), as a process
// paused by its host or a read stuck on the database would, while another dispatcher acts.
type stallingStore struct {
	Store
	stall  func()
	claims chan struct{} // told of each claim of texts once it is made
}

func (s *stallingStore) ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error) {
	rows, err := s.Store.ClaimDue(ctx, c)
	if c.Channel == docket.SMS {
		s.claims <- struct{}{}
	}
	return rows, err
}

func (s *stallingStore) IsOptedOut(ctx context.Context, ch docket.Channel, address string) (bool, error) {
	if s.stall != nil {
		stall := s.stall
		s.stall = nil
		stall()
	}
	return s.Store.IsOptedOut(ctx, ch, address)
}

func TestARowWhoseLeaseRanOutBeforeItsSendIsNotSent(t *testing.T) {
	for _, tt := range []struct {
		name  string
		taker string // the owner of the claim that takes the row over
	}{
		{"another dispatcher takes it", "host-b:2:bb"},
		// The same owner: the first dispatcher's own next claim, which a renewal by owner cannot tell apart.
		{"its own next claim takes it", "host-a:1:aa"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ctx := dueFixture(t)
			provider := newGatedSender()
			first, other := f.second(provider), f.second(provider)
			first.Owner, other.Owner = "host-a:1:aa", tt.taker
			stalled := &stallingStore{Store: f.db, claims: make(chan struct{}, 10)}
			otherDone, resumed := make(chan error, 1), make(chan struct{})
			stalled.stall = func() {
				defer close(resumed)
				// The first dispatcher's lane has claimed again, found nothing more and waits for its send.
				for range 2 {
					select {
					case <-stalled.claims:
					case <-time.After(realGuard):
						t.Error("the first dispatcher's lane did not claim again")
					}
				}
				// The first dispatcher renewed its lease and stands still past it: the row is taken for abandoned
				// and its text is on its way when the first moves again.
				f.clock.Advance(Lease + time.Second)
				if err := other.Reconcile(ctx); err != nil {
					t.Error(err)
				}
				go func() { _, err := other.DispatchDue(ctx); otherDone <- err }()
				provider.waitStarted(t)
			}
			first.DB = stalled
			firstDone := make(chan error, 1)
			go func() { _, err := first.DispatchDue(ctx); firstDone <- err }()
			select {
			case <-resumed: // the taker's text is in the provider's hands
			case <-time.After(realGuard):
				t.Fatal("the first dispatcher never came to its send")
			}
			select {
			case err := <-firstDone:
				if err != nil {
					t.Fatal(err)
				}
			case m := <-provider.started:
				t.Errorf("the first dispatcher sent the text too, to %s: a send whose lease ran out must not go", m.To)
				close(provider.gate)
				<-firstDone
			case <-time.After(realGuard):
				t.Fatal("the first dispatcher neither sent nor stopped")
			}
			if stalled.stall != nil {
				t.Fatal("the first dispatcher never came to its send")
			}
			if !t.Failed() {
				close(provider.gate)
			}
			if err := <-otherDone; err != nil {
				t.Fatal(err)
			}
			if got := provider.count(); got != 1 {
				t.Fatalf("provider answered %d requests, want 1", got)
			}
			rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
			if err != nil || len(rows) != 1 || rows[0].ProviderID != "SMg001" {
				t.Fatalf("sent rows: %+v (%v), want the one text recorded once", rows, err)
			}
		})
	}
}

// renewalCounter counts the lease renewals a dispatcher writes, and lets time pass after each claim of texts and
// during each write of renewals.
type renewalCounter struct {
	Store
	afterClaim  func()
	duringRenew func()
	mu          sync.Mutex
	renewals    int
}

func (s *renewalCounter) ClaimDue(ctx context.Context, c docket.Claim) ([]docket.Reminder, error) {
	rows, err := s.Store.ClaimDue(ctx, c)
	if c.Channel == docket.SMS && len(rows) > 0 && s.afterClaim != nil {
		s.afterClaim()
	}
	return rows, err
}

func (s *renewalCounter) HoldLease(ctx context.Context, ids []uint, owner string, until time.Time) (bool, error) {
	s.mu.Lock()
	s.renewals++
	s.mu.Unlock()
	return s.Store.HoldLease(ctx, ids, owner, until)
}

func (s *renewalCounter) WriteOutbox(ctx context.Context, ws []docket.OutboxWrite) ([]bool, error) {
	s.mu.Lock()
	renewing := false
	for _, w := range ws {
		if w.Finish == nil {
			s.renewals++
			renewing = true
		}
	}
	s.mu.Unlock()
	held, err := s.Store.(OutboxWriter).WriteOutbox(ctx, ws)
	if renewing && s.duringRenew != nil {
		s.duringRenew()
	}
	return held, err
}

// dispatchWithTime dispatches the due fixture's household text with passes going by between its claim and its send,
// and renewFor during each write of a lease renewal, counting the renewals.
func dispatchWithTime(t *testing.T, passes, renewFor time.Duration) (*fixture, context.Context, *gatedSender,
	*renewalCounter) {
	t.Helper()
	f, ctx := dueFixture(t)
	provider := newGatedSender()
	close(provider.gate)
	d := f.second(provider)
	counter := &renewalCounter{Store: f.db}
	counter.afterClaim = func() {
		f.clock.Advance(passes)
		counter.afterClaim = nil
	}
	if renewFor > 0 {
		counter.duringRenew = func() { f.clock.Advance(renewFor) }
	}
	d.DB = counter
	if _, err := d.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	return f, ctx, provider, counter
}

// A renewal just before the send whose write waited on the database so long that the lease it wrote no longer
// covers a send: the text is not sent under it, and its row stays claimed for the reconcile, which puts it back to
// go through the path that first asks the provider.
func TestASendIsNotMadeWhenItsRenewalTookUpItsLease(t *testing.T) {
	// Renewed before the wait, and again before the send.
	f, ctx, provider, counter := dispatchWithTime(t, Lease-claimAhead-sendBound-outcomeMargin+time.Second,
		Lease-sendBound+time.Second)
	if got := provider.count(); got != 0 {
		t.Fatalf("provider answered %d requests, want none under a lease that could not cover the send", got)
	}
	if counter.renewals != 2 {
		t.Errorf("%d renewals written, want one before the wait and one before the send", counter.renewals)
	}
	rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSending})
	if err != nil || len(rows) == 0 {
		t.Fatalf("claimed rows: %+v (%v), want the household's text still claimed", rows, err)
	}
}

func TestASendWithinItsClaimsLeaseWritesNoRenewal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		passes   time.Duration // between the claim and the send
		renewals bool
	}{
		{"sent at once", 0, false},
		// Less of the lease is left than the longest wait for a slot, the send and its outcome: it is renewed first.
		{"sent late in the lease", Lease - claimAhead - sendBound - outcomeMargin + time.Second, true},
		{"sent just within the lease", Lease - claimAhead - sendBound - outcomeMargin - time.Second, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ctx, provider, counter := dispatchWithTime(t, tt.passes, 0)
			if got := provider.count(); got != 1 {
				t.Fatalf("provider answered %d requests, want the household's one text", got)
			}
			if got := counter.renewals > 0; got != tt.renewals {
				t.Errorf("%d lease renewals written, want renewals: %v", counter.renewals, tt.renewals)
			}
			rows, err := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
			if err != nil || len(rows) == 0 {
				t.Fatalf("sent rows: %+v (%v)", rows, err)
			}
			for _, r := range rows {
				if r.ProviderID != "SMg001" || r.LeaseOwner != "" {
					t.Errorf("row %d: provider id %q, lease owner %q; want the one text recorded, the lease let go",
						r.ID, r.ProviderID, r.LeaseOwner)
				}
			}
		})
	}
}
