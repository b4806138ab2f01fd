package reminder

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/message"
	"github.com/docketd/docketd/store"
	"github.com/docketd/docketd/store/storetest"
)

var (
	chicago, _ = time.LoadLocation("America/Chicago")
	denver, _  = time.LoadLocation("America/Denver")
)

// recorder is a Sender that keeps what it was asked to send, and can fail on demand.
type recorder struct {
	mu    sync.Mutex
	clock clockwork.Clock
	sent  []sentAt
	fail  func(m docket.Message) error
	// sentOne, when set, is told of every message sent.
	sentOne chan struct{}
}

type sentAt struct {
	at  time.Time
	msg docket.Message
}

func (r *recorder) Send(ctx context.Context, m docket.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(m); err != nil {
			return "", err
		}
	}
	r.sent = append(r.sent, sentAt{r.clock.Now(), m})
	if r.sentOne != nil {
		r.sentOne <- struct{}{}
	}
	return fmt.Sprintf("SM%03d", len(r.sent)), nil
}

func (r *recorder) Sent(ctx context.Context, to string, since time.Time) ([]docket.SentMessage, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []docket.SentMessage
	for i, s := range r.sent {
		if s.msg.To == to && !s.at.Before(since) {
			out = append(out, docket.SentMessage{SID: fmt.Sprintf("SM%03d", i+1), To: to, Body: s.msg.Text})
		}
	}
	return out, nil
}

func (r *recorder) messages() []sentAt {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentAt(nil), r.sent...)
}

type fixture struct {
	db    *store.DB
	url   string // the store's URL, for storetest.RawSQL
	clock *clockwork.FakeClock
	sms   *recorder
	email *recorder
	plan  *Planner
	disp  *Dispatcher
	rules Rules
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	url := storetest.URL(t)
	db := storetest.OpenURL(t, url)
	clock := clockwork.NewFakeClockAt(start)
	db.Now = clock.Now
	f := &fixture{db: db, url: url, clock: clock, sms: &recorder{clock: clock}, email: &recorder{clock: clock}}
	f.rules = Rules{
		Policies: []Policy{
			{Name: "client-text", To: "client", Channel: "sms", Offsets: []Offset{
				{Label: "7d", Days: 7, At: 600}, {Label: "3d", Days: 3, At: 600}, {Label: "1d", Days: 1, At: 600}}},
			{Name: "counsel-email", To: "attorney", Channel: "email", Offsets: []Offset{{Label: "2d", Days: 2, At: 480}}},
		},
		Quiet: Quiet{Start: 21 * 60, End: 8 * 60}, CatchUp: 6 * time.Hour, NotifyChanges: true, DefaultZone: chicago,
		OrgName: "Frontera Immigrant Legal Aid", OrgPhone: "+12145550100",
	}
	tpl, err := message.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rules := func() Rules { return f.rules }
	f.plan = &Planner{DB: db, Rules: rules, Now: clock.Now, Log: log}
	renderer, err := NewRenderer(db, tpl, rules, NoInvitations)
	if err != nil {
		t.Fatal(err)
	}
	f.disp = &Dispatcher{DB: db, Senders: map[docket.Channel]Sender{docket.SMS: f.sms, docket.Email: f.email},
		Renderer: renderer, Clock: clock, Log: log}
	att := "lf"
	err = db.ReplacePeople(context.Background(),
		[]docket.Attorney{{ID: att, Name: "Lucía Fernández", Email: "lf@example.org", Phone: "+12145550111", Language: "es",
			Zone: "America/Chicago"}},
		[]docket.Client{
			{ID: "rosa", Name: "Rosa Mendoza", ANumber: "201555101", Phone: "+12145550142", Language: "es", Zone: "America/Chicago", AttorneyID: &att},
			{ID: "jorge", Name: "Jorge Mendoza", ANumber: "201555102", Phone: "+12145550142", Language: "es", Zone: "America/Chicago", AttorneyID: &att},
			{ID: "vale", Name: "Valeria Mendoza", ANumber: "201555103", Phone: "+12145550142", Language: "es", Zone: "America/Chicago", AttorneyID: &att},
			{ID: "mateo", Name: "Mateo Mendoza", ANumber: "201555104", Phone: "+12145550142", Language: "es", Zone: "America/Chicago", AttorneyID: &att},
			{ID: "sam", Name: "Samuel Tesfaye", ANumber: "208555310", Phone: "+14695550177", Language: "en", Zone: "America/Chicago"},
		})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// hearings applies hearings as the source "office" at the fixture's now.
func (f *fixture) hearings(t *testing.T, recs ...docket.HearingRecord) {
	t.Helper()
	f.hearingsFrom(t, "office", recs...)
}

func family(start time.Time) []docket.HearingRecord {
	var recs []docket.HearingRecord
	for i, a := range []docket.ANumber{"201555101", "201555102", "201555103", "201555104"} {
		recs = append(recs, docket.HearingRecord{Key: fmt.Sprint("fam", i), ANumber: a, Start: start,
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master", Medium: "in_person"})
	}
	return recs
}

// runUntil plans, then lets the dispatcher deliver everything due up to end, advancing the fake clock from one due
// time to the next, as the daemon's loop does.
func (f *fixture) runUntil(t *testing.T, end time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.plan.Plan(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.disp.DispatchDue(ctx); err != nil {
			t.Fatal(err)
		}
		next, ok, err := f.db.NextDue(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if !ok || next.After(end) {
			return
		}
		if d := next.Sub(f.clock.Now()); d > 0 {
			f.clock.Advance(d)
		}
	}
}

func TestFamilyGetsOneSpanishTextPerOffsetAtTenCentral(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, family(start)...)
	f.runUntil(t, start)

	var texts []sentAt
	for _, s := range f.sms.messages() {
		if s.msg.To == "+12145550142" {
			texts = append(texts, s)
		}
	}
	want := []string{"2028-02-01 10:00 CST", "2028-02-05 10:00 CST", "2028-02-07 10:00 CST"}
	if len(texts) != len(want) {
		t.Fatalf("family texts: got %d, want %d", len(texts), len(want))
	}
	for i, s := range texts {
		if got := s.at.In(chicago).Format("2006-01-02 15:04 MST"); got != want[i] {
			t.Errorf("text %d sent at %s, want %s", i, got, want[i])
		}
		for _, name := range []string{"Rosa", "Jorge", "Valeria", "Mateo"} {
			if !strings.Contains(s.msg.Text, name) {
				t.Errorf("text %d does not name %s:\n%s", i, name, s.msg.Text)
			}
		}
		if s.msg.Language != "es" || !strings.Contains(s.msg.Text, "a las 8:30 a. m.") {
			t.Errorf("text %d: want Spanish with 8:30 a. m., got %s:\n%s", i, s.msg.Language, s.msg.Text)
		}
	}
	// Counsel gets one email naming the four clients, with her invitation-free body in Spanish.
	mails := f.email.messages()
	if len(mails) != 1 || !strings.Contains(mails[0].msg.Text, "Mateo") {
		t.Fatalf("counsel emails: got %d, want 1 naming everyone", len(mails))
	}
	if got, want := mails[0].at.In(chicago).Format("2006-01-02 15:04"), "2028-02-06 08:00"; got != want {
		t.Errorf("counsel email at %s, want %s", got, want)
	}
}

func TestElPasoHearingForDallasClient(t *testing.T) {
	t0 := time.Date(2028, 3, 1, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	// After the March 12 change; the 7-day text goes out before it, on March 9.
	start := time.Date(2028, 3, 16, 9, 0, 0, 0, denver)
	f.hearings(t, docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: start, Zone: "America/Denver",
		CourtCode: "ELP", Type: "individual", Medium: "in_person"})
	f.runUntil(t, start)
	texts := f.sms.messages()
	if len(texts) != 3 {
		t.Fatalf("texts: got %d, want 3", len(texts))
	}
	first := texts[0]
	if got, want := first.at.In(chicago).Format("2006-01-02 15:04 MST"), "2028-03-09 10:00 CST"; got != want {
		t.Errorf("7-day text at %s, want %s", got, want)
	}
	if !strings.Contains(first.msg.Text, "9:00 AM El Paso time") {
		t.Errorf("text should give court time, named: 9:00 AM El Paso time:\n%s", first.msg.Text)
	}
}

func TestNothingInsideQuietHoursAndNeverAfterStart(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.rules.Policies = []Policy{{Name: "early", To: "client", Channel: "sms",
		Offsets: []Offset{{Label: "2h", Before: 2 * time.Hour}, {Label: "30m", Before: 30 * time.Minute}, {Label: "1d", Days: 1, At: 23 * 60}}}}
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, family(start)[0])
	f.runUntil(t, start.Add(time.Hour))
	q := f.rules.Quiet
	msgs := f.sms.messages()
	if len(msgs) != 3 {
		t.Fatalf("texts: got %d, want 3", len(msgs))
	}
	for _, s := range msgs {
		local := s.at.In(chicago)
		if q.contains(local) || !s.at.Before(start) {
			t.Errorf("sent at %s: inside quiet hours or after the start", local.Format(time.DateTime))
		}
	}
	// 1d at 23:00 and 2h (6:30) fall in quiet hours: moved earlier, to the evening before (20:59), never to the
	// morning of the hearing; 30m (8:00) is outside them.
	var got []string
	for _, s := range msgs {
		got = append(got, s.at.In(chicago).Format("01-02 15:04"))
	}
	if want := []string{"02-07 20:59", "02-07 20:59", "02-08 08:00"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent at %v, want %v", got, want)
	}
}

func TestRescheduleSendsOneNoticeAndNewReminders(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	f.hearings(t, family(start)[0])
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago)) // the 7-day text went out
	if got := len(f.sms.messages()); got != 1 {
		t.Fatalf("before the move: got %d texts, want 1", got)
	}
	f.clock.Advance(2 * time.Hour)
	moved := time.Date(2028, 3, 14, 13, 0, 0, 0, chicago)
	rec := family(moved)[0]
	f.hearings(t, rec)
	f.runUntil(t, time.Date(2028, 2, 3, 0, 0, 0, 0, chicago))
	msgs := f.sms.messages()
	if len(msgs) != 2 {
		t.Fatalf("after the move: got %d texts, want 2 (7-day, then one notice)", len(msgs))
	}
	notice := msgs[1].msg.Text
	if !strings.Contains(notice, "14 de marzo") || !strings.Contains(notice, "8 de febrero") {
		t.Errorf("notice should give the new and old dates:\n%s", notice)
	}
	// Planning again creates nothing; the old 3d and 1d reminders are cancelled, new ones planned for March.
	res, err := f.plan.Plan(context.Background())
	if err != nil || res.Planned != 0 {
		t.Errorf("re-plan: got %+v, %v; want nothing new", res, err)
	}
	f.runUntil(t, moved)
	var march int
	for _, s := range f.sms.messages()[2:] {
		if s.at.Month() == time.March {
			march++
		}
	}
	if got := len(f.sms.messages()); got != 5 || march != 3 {
		t.Errorf("total texts %d (want 5), in March %d (want 3)", got, march)
	}
}

func TestRemindTwiceSendsNothingTheSecondTime(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC) // 10:00 Central
	f := newFixture(t, t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))...)
	for i := 0; i < 2; i++ {
		if _, err := f.plan.Plan(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.disp.DispatchDue(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(f.sms.messages()); got != 1 {
			t.Fatalf("run %d: %d texts sent, want 1", i+1, got)
		}
	}
}

func TestCrashBetweenClaimAndRecordSendsOnce(t *testing.T) {
	for _, providerGotIt := range []bool{true, false} {
		t.Run(fmt.Sprint("provider_sent=", providerGotIt), func(t *testing.T) {
			f, ctx := dueFixture(t)
			// The process claims the row, maybe reaches the provider, then dies before recording.
			rows, err := f.db.ClaimDue(ctx, docket.Claim{Now: f.clock.Now(), Channel: docket.SMS, Limit: 10,
				Owner: "stopped-process", Lease: Lease})
			if err != nil || len(rows) != 1 {
				t.Fatalf("claim: %d rows, %v", len(rows), err)
			}
			if providerGotIt {
				msg, _, err := f.disp.Renderer.Render(ctx, rows, f.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				f.sms.Send(ctx, msg)
			}
			f.clock.Advance(Lease + time.Minute) // its lease runs out
			// Restart.
			if err := f.disp.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := f.disp.DispatchDue(ctx); err != nil {
				t.Fatal(err)
			}
			if got := len(f.sms.messages()); got != 1 {
				t.Fatalf("sent %d times, want exactly once", got)
			}
			sent, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
			if len(sent) != 1 || sent[0].ProviderID != "SM001" {
				t.Fatalf("recorded: %+v", sent)
			}
		})
	}
}

func TestTemporaryFailuresRetryUntilDeliveredPermanentOnesFail(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0],
		docket.HearingRecord{Key: "sam", ANumber: "208555310", Start: time.Date(2028, 2, 8, 9, 0, 0, 0, chicago),
			Zone: "America/Chicago", CourtCode: "DAL", Type: "master"})
	failures := 0
	f.sms.fail = func(m docket.Message) error {
		if m.To == "+14695550177" {
			return &docket.SendError{Code: "21211", Err: fmt.Errorf("invalid number")}
		}
		if failures < 2 {
			failures++
			return &docket.SendError{Code: "20429", Temporary: true, Err: fmt.Errorf("rate limited")}
		}
		return nil
	}
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago))
	ctx := context.Background()
	sent, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateSent})
	failed, _ := f.db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StateFailed})
	if len(sent) != 1 || sent[0].Attempts != 3 {
		t.Errorf("sent after retries: got %+v", sent)
	}
	if len(failed) != 1 || failed[0].ErrorCode != "21211" {
		t.Errorf("permanent failure: got %+v", failed)
	}
}

func TestOptedOutClientSkippedCounselStillReminded(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	ctx := context.Background()
	f.db.OptOut(ctx, "sms", "+12145550142", "ALTO", t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))...)
	f.runUntil(t, time.Date(2028, 2, 8, 0, 0, 0, 0, chicago))
	if got := len(f.sms.messages()); got != 0 {
		t.Errorf("texts to an opted-out phone: %d", got)
	}
	if got := len(f.email.messages()); got != 1 {
		t.Errorf("counsel emails: got %d, want 1", got)
	}
}

func TestDispatcherLoopSendsOnTheSecond(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 15, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	if _, err := f.plan.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- f.disp.Run(ctx) }()
	f.sms.sentOne = make(chan struct{}, 1)
	f.clock.BlockUntilContext(ctx, 1) // the loop sleeps until the 10:00 reminder
	f.clock.Advance(time.Hour)        // exactly 10:00 Central
	select {
	case <-f.sms.sentOne:
	case <-time.After(10 * time.Second): // real time: only stops a broken test from hanging
		t.Fatal("nothing sent at 10:00")
	}
	cancel()
	<-done
	msgs := f.sms.messages()
	if len(msgs) != 1 {
		t.Fatalf("texts: got %d, want 1", len(msgs))
	}
	if got, want := msgs[0].at, time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("sent at %v, want %v (no lateness)", got, want)
	}
}

func TestRetryAfterAnUnclearFailureDoesNotSendTwice(t *testing.T) {
	t0 := time.Date(2028, 2, 1, 16, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	timedOut := false
	f.sms.fail = func(m docket.Message) error {
		if !timedOut {
			// The provider accepts the message, but the answer never reaches us.
			timedOut = true
			f.sms.sent = append(f.sms.sent, sentAt{f.clock.Now(), m})
			return &docket.SendError{Temporary: true, Err: fmt.Errorf("timeout awaiting response headers")}
		}
		return nil
	}
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago))
	if got := len(f.sms.messages()); got != 1 {
		t.Fatalf("provider got %d messages, want 1", got)
	}
	sent, _ := f.db.OutboxRows(context.Background(), docket.OutboxFilter{State: docket.StateSent})
	if len(sent) != 1 || sent[0].ProviderID != "SM001" {
		t.Fatalf("recorded: %+v", sent)
	}
}

func TestTheFirstSourceDecidesWhenTwoDisagree(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	// ACIS says 1:00 PM; later the office's own export says 8:30 AM the same day, and the office comes first.
	acis := family(time.Date(2028, 2, 8, 13, 0, 0, 0, chicago))[0]
	f.hearingsFrom(t, "acis", acis)
	if _, err := f.plan.Plan(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.rules.Precedence = []string{"config", "office", "acis"}
	f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
	f.runUntil(t, time.Date(2028, 2, 8, 0, 0, 0, 0, chicago))
	msgs := f.sms.messages()
	if len(msgs) != 3 {
		t.Fatalf("texts: got %d, want 3 (7, 3 and 1 days, for one hearing)", len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(m.msg.Text, "8:30 a. m.") || strings.Contains(m.msg.Text, "1 p. m.") {
			t.Errorf("text gives the wrong time:\n%s", m.msg.Text)
		}
	}
}

// hearingsFrom applies hearings as the named source.
func (f *fixture) hearingsFrom(t *testing.T, source string, recs ...docket.HearingRecord) {
	t.Helper()
	s, err := f.db.BeginSync(context.Background(), docket.SyncOptions{Source: source, Now: f.clock.Now()})
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

func TestRowsOfADeadDispatcherAreReconciledByAnother(t *testing.T) {
	f, ctx := dueFixture(t)
	// A replica on another host claims the row and dies before sending.
	if rows, err := f.db.ClaimDue(ctx, docket.Claim{Now: f.clock.Now(), Channel: docket.SMS, Limit: 10,
		Owner: "other-host:4242:0a1b2c", Lease: Lease}); err != nil || len(rows) != 1 {
		t.Fatalf("claim: %d rows, %v", len(rows), err)
	}
	f.clock.Advance(Lease - time.Second)
	if err := f.disp.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if sending, _ := f.db.Sending(ctx); len(sending) != 1 {
		t.Fatalf("a live lease was taken from its dispatcher: %d rows left sending, want 1", len(sending))
	}
	f.clock.Advance(2 * time.Second)
	if err := f.disp.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.disp.DispatchDue(ctx); err != nil {
		t.Fatal(err)
	}
	if got := len(f.sms.messages()); got != 1 {
		t.Errorf("sent %d times, want once", got)
	}
}

func TestCatchUpSendsWhatIsOnlyALittleLate(t *testing.T) {
	for _, tt := range []struct {
		name  string
		now   time.Time // the daemon comes back
		texts int
	}{
		{"two hours late", time.Date(2028, 2, 1, 12, 0, 0, 0, chicago), 1},
		{"eight hours late", time.Date(2028, 2, 1, 18, 0, 0, 0, chicago), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.now.Add(-time.Hour))
			f.rules.Policies = f.rules.Policies[:1]
			f.rules.Policies[0].Offsets = f.rules.Policies[0].Offsets[:1] // 7d at 10:00
			f.hearings(t, family(time.Date(2028, 2, 8, 8, 30, 0, 0, chicago))[0])
			f.clock.Advance(time.Hour)
			f.runUntil(t, tt.now)
			msgs := f.sms.messages()
			if len(msgs) != tt.texts {
				t.Fatalf("texts: got %d, want %d", len(msgs), tt.texts)
			}
			if tt.texts > 0 && !msgs[0].at.Equal(tt.now) {
				t.Errorf("sent at %v, want at once (%v)", msgs[0].at, tt.now)
			}
		})
	}
}

func TestDecidedCaseGetsNoMoreReminderAndNoNotice(t *testing.T) {
	t0 := time.Date(2028, 1, 20, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, t0)
	start := time.Date(2028, 2, 8, 8, 30, 0, 0, chicago)
	rec := family(start)[0]
	f.hearings(t, rec)
	f.runUntil(t, time.Date(2028, 2, 2, 0, 0, 0, 0, chicago)) // the 7-day text went out
	if got := len(f.sms.messages()); got != 1 {
		t.Fatalf("before the decision: got %d texts, want 1", got)
	}
	f.clock.Advance(2 * time.Hour)
	rec.Status = docket.StatusCompleted // the source now shows the case decided
	f.hearings(t, rec)
	f.runUntil(t, start)
	if got := len(f.sms.messages()); got != 1 {
		t.Errorf("after the decision: got %d texts, want still 1 (no 3d or 1d reminder, no notice)", got)
	}
	if got := len(f.email.messages()); got != 0 {
		t.Errorf("after the decision: got %d emails, want none", got)
	}
}
