package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/store"
)

// Credentials of the fake Twilio account.
const (
	fakeAccountSID = "AC00000000000000000000000000000000"
	fakeAuthToken  = "0123456789abcdef0123456789abcdef"
	fakeFrom       = "+12145550100"
)

// fakeTwilio is a local Twilio Messages API with no rate limit: it answers POST Messages.json as Twilio does (201
// with the message resource) and remembers when each request arrived, for the lateness figure.
type fakeTwilio struct {
	mu      sync.Mutex
	posts   []url.Values
	arrived map[string][]time.Time // by To
	times   []time.Time            // every POST's arrival, in order
	server  *httptest.Server
	// latency is how long the fake takes to answer a POST, as Twilio's API does (100–300 ms).
	latency time.Duration
}

func newFakeTwilio() *fakeTwilio { return newSlowTwilio(0) }

// newSlowTwilio is a fake that answers each POST after latency.
func newSlowTwilio(latency time.Duration) *fakeTwilio {
	f := &fakeTwilio{arrived: map[string][]time.Time{}, latency: latency}
	f.server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

func (f *fakeTwilio) Close() { f.server.Close() }

func (f *fakeTwilio) messagesPath() string {
	return "/2010-04-01/Accounts/" + fakeAccountSID + "/Messages.json"
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code": %d, "message": %q, "more_info": "https://www.twilio.com/docs/errors/%d", "status": %d}`,
		code, msg, code, status)
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	user, pass, ok := r.BasicAuth()
	switch {
	case !ok || user != fakeAccountSID || pass != fakeAuthToken:
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	case r.URL.Path != f.messagesPath():
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	case r.Method == http.MethodGet:
		// Reconciliation asks what was sent; nothing is ever left in "sending" here.
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"messages": [], "next_page_uri": null, "page": 0, "page_size": 50, "uri": %q}`, r.URL.Path)
		return
	case r.Method != http.MethodPost:
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, err.Error())
		return
	}
	to := r.PostForm.Get("To")
	f.mu.Lock()
	f.posts = append(f.posts, r.PostForm)
	f.arrived[to] = append(f.arrived[to], at)
	f.times = append(f.times, at)
	sid := fmt.Sprintf("SM%032d", len(f.posts))
	f.mu.Unlock()
	if f.latency > 0 {
		time.Sleep(f.latency) // the provider's own time to answer; a benchmark runs on the real clock
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // the client went away
		"account_sid": fakeAccountSID, "api_version": "2010-04-01", "body": r.PostForm.Get("Body"),
		"date_created": at.UTC().Format(time.RFC1123Z), "date_sent": nil, "date_updated": at.UTC().Format(time.RFC1123Z),
		"direction": "outbound-api", "error_code": nil, "error_message": nil, "from": r.PostForm.Get("From"),
		"messaging_service_sid": nil, "num_media": "0", "num_segments": "1", "price": nil, "price_unit": "USD",
		"sid": sid, "status": "queued", "to": to,
		"uri": "/2010-04-01/Accounts/" + fakeAccountSID + "/Messages/" + sid + ".json",
	})
}

// sent returns how many requests arrived and a copy of their forms.
func (f *fakeTwilio) sent() (int, []url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.posts), slices.Clone(f.posts)
}

// office builds docketd over the store at path as the daemon would (assembly.Open), from a config whose SMS go
// through Twilio to the fake, with no rate limit. The store is taken as seeded: the config lists no people, and
// applying it would retire the seeded clients.
func (f *fakeTwilio) office(ctx context.Context, path string) (*assembly.Office, error) {
	return f.officeAt(ctx, "sqlite:"+path, 1000000, 0)
}

// officeAt is office over the database at dbURL, with the [sms] rate and concurrency given (0: the default).
func (f *fakeTwilio) officeAt(ctx context.Context, dbURL string, rate float64, conc int) (*assembly.Office, error) {
	cfg, err := config.Parse("bench.toml", []byte(fmt.Sprintf(`
[organization]
name = "Bench Legal Aid"
phone = "+12145550100"
timezone = %q

[database]
url = %q
`, benchZone, dbURL)+f.sendingTOML(rate, conc)), config.Options{Courts: store.CourtCodes()})
	if err != nil {
		return nil, err
	}
	return assembly.Open(ctx, func() *config.Config { return cfg }, assembly.Options{Clock: assembly.RealClock(),
		Log: discardLog(), ReadOnly: true})
}

// sendingTOML is the config's [sms], through Twilio to the fake at the rate and concurrency given (0: the
// default), and [reminders]: the client text of SPEC §6 (7, 3 and 1 days before, at 10:00), and no quiet hours
// (the benchmark runs at any hour, and its figures are the dispatcher's).
func (f *fakeTwilio) sendingTOML(rate float64, conc int) string {
	return fmt.Sprintf(`
[sms]
provider = "twilio"
rate = %v
concurrency = %d

[sms.twilio]
account_sid = %q
auth_token = %q
from = %q
api_url = %q

[reminders]
quiet_hours = "00:00-00:00"

[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = ["7d", "3d", "1d"]
at = "10:00"
`, rate, conc, fakeAccountSID, fakeAuthToken, fakeFrom, f.server.URL)
}

// seedOutbox writes a store at path with n hearings of n clients and one reminder per hearing, the i-th due at
// due(i): each to its own phone, so each is its own message.
func seedOutbox(ctx context.Context, path string, n int, now time.Time, due func(i int) time.Time) (*store.DB, error) {
	if err := seedHearings(ctx, path, n, n, now); err != nil {
		return nil, err
	}
	db, err := store.Open(dbURL(path))
	if err != nil {
		return nil, err
	}
	hs, err := db.Hearings(ctx, docket.HearingFilter{})
	if err != nil {
		db.Close()
		return nil, err
	}
	rows, err := dueRows(hs, due)
	if err != nil {
		db.Close()
		return nil, err
	}
	if _, err := db.PlanOutbox(ctx, rows); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// dueRows is one client text for each of hs, the i-th due at due(i): each its own message (its own group), to the
// hearing's first client.
func dueRows(hs []docket.Hearing, due func(i int) time.Time) ([]docket.Reminder, error) {
	rows := make([]docket.Reminder, 0, len(hs))
	for i, h := range hs {
		if len(h.Clients) == 0 {
			return nil, fmt.Errorf("hearing %d has no client", h.ID)
		}
		c := h.Clients[0]
		rows = append(rows, docket.Reminder{HearingID: h.ID, Recipient: "client", RecipientID: c.ID, Channel: "sms",
			Address: c.Phone, Kind: docket.KindReminder, Policy: "client-text", Offset: "1d", Due: due(i).UTC(),
			State: docket.StatePending, DedupeKey: fmt.Sprintf("bench/%d", h.ID),
			GroupKey: fmt.Sprintf("bench/%s/%d", c.Phone, h.ID)})
	}
	return rows, nil
}

// dispatchConcurrency is the [sms] concurrency of the no-limit dispatch run, and the goroutines of the bare client
// it is held to.
const dispatchConcurrency = 16

// dispatchRounds is how many times each side of the dispatch comparison runs, alternating.
const dispatchRounds = 3

// runDispatch measures the dispatcher sending o.Messages due reminders through notify.Twilio to the fake with no
// rate limit, against a bare http.Client posting the same forms to the same fake from as many goroutines as the
// lane keeps requests in flight. The two alternate for dispatchRounds rounds, each dispatcher round on a fresh copy
// of the seeded database; the figures are the medians, with the spread of the ratio.
func runDispatch(ctx context.Context, o *options) (metrics, error) {
	now := time.Now()
	seeded := scratch(o, "dispatch-seed.db")
	db, err := seedOutbox(ctx, seeded, o.Messages, now,
		func(int) time.Time { return now.Add(-time.Second) })
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	db.Close()
	var rates, raws, ratios, cpus []float64
	for range dispatchRounds {
		rate, cpu, forms, err := dispatchRound(ctx, o, seeded)
		if err != nil {
			return nil, err
		}
		raw, err := rawRound(ctx, forms)
		if err != nil {
			return nil, err
		}
		rates, raws, ratios, cpus = append(rates, rate), append(raws, raw), append(ratios, rate/raw), append(cpus, cpu)
	}
	slices.Sort(ratios)
	return metrics{"rate": median(rates), "raw_rate": median(raws), "ratio_min": ratios[0],
		"ratio_max": ratios[len(ratios)-1], "ratio": median(ratios), "cpu_per_msg": median(cpus)}, nil
}

// dispatchRound sends the seeded reminders once, on a copy of the seeded database, and returns the messages a
// second, the process's CPU time per message, and the forms the fake received.
func dispatchRound(ctx context.Context, o *options, seeded string) (float64, float64, []url.Values, error) {
	path := scratch(o, "dispatch.db")
	if err := copyFile(seeded, path); err != nil {
		return 0, 0, nil, err
	}
	fake := newFakeTwilio()
	defer fake.Close()
	office, err := fake.officeAt(ctx, "sqlite:"+path, 1000000, dispatchConcurrency)
	if err != nil {
		return 0, 0, nil, err
	}
	defer office.Close()
	cpu0 := cpuTime()
	start := time.Now()
	settled, err := office.Dispatcher.DispatchDue(ctx)
	if err != nil {
		return 0, 0, nil, err
	}
	elapsed := time.Since(start).Seconds()
	cpu := cpuTime() - cpu0
	n, forms := fake.sent()
	if n != o.Messages || settled != o.Messages {
		return 0, 0, nil, fmt.Errorf("dispatcher settled %d rows and sent %d messages, want %d", settled, n, o.Messages)
	}
	return float64(n) / elapsed, cpu / float64(n), forms, nil
}

// rawRound posts forms to a fresh fake from dispatchConcurrency goroutines and returns the requests a second.
func rawRound(ctx context.Context, forms []url.Values) (float64, error) {
	fake := newFakeTwilio()
	defer fake.Close()
	client := &http.Client{Timeout: 10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: dispatchConcurrency}}
	defer client.CloseIdleConnections()
	target := fake.server.URL + fake.messagesPath()
	next := make(chan url.Values)
	errs := make(chan error, dispatchConcurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for range dispatchConcurrency {
		wg.Go(func() {
			for form := range next {
				if err := postForm(ctx, client, target, form); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, form := range forms {
		next <- form
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return float64(len(forms)) / elapsed, nil
}

// median of values (sorted in place).
func median(values []float64) float64 {
	slices.Sort(values)
	return values[len(values)/2]
}

// cpuTime is the CPU time this process has used, user and system, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// postForm is what a hand-written SMS client does: one authenticated form POST, the answer read and checked.
func postForm(ctx context.Context, c *http.Client, target string, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.SetBasicAuth(fakeAccountSID, fakeAuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var msg struct{ Sid string }
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck // draining for keep-alive
	if resp.StatusCode != http.StatusCreated || msg.Sid == "" {
		return fmt.Errorf("post: %s", resp.Status)
	}
	return nil
}

// latenessLead is how long after the dispatcher starts the first reminder falls due, so that start-up is not
// counted as lateness.
const latenessLead = 2 * time.Second

// runLateness runs the dispatcher in real time with o.Reminders reminders due at distinct, evenly spread times over
// o.Window, and measures how late each request reached the fake provider after its due time.
func runLateness(ctx context.Context, o *options) (metrics, error) {
	now := time.Now()
	first := now.Add(latenessLead)
	due := func(i int) time.Time { return first.Add(o.Window * time.Duration(i) / time.Duration(o.Reminders)) }
	path := scratch(o, "lateness.db")
	db, err := seedOutbox(ctx, path, o.Reminders, now, due)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer db.Close()
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{State: docket.StatePending})
	if err != nil {
		return nil, err
	}
	dueByPhone := map[string]time.Time{}
	for _, r := range rows {
		dueByPhone[r.Address] = r.Due
	}
	fake := newFakeTwilio()
	defer fake.Close()
	office, err := fake.office(ctx, path)
	if err != nil {
		return nil, err
	}
	defer office.Close()
	d := office.Dispatcher
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(rctx) }()
	deadline := time.Now().Add(latenessLead + o.Window + 30*time.Second)
	for {
		if n, _ := fake.sent(); n >= o.Reminders || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			cancel()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	// A little longer, to catch a duplicate sent just after the last one.
	time.Sleep(200 * time.Millisecond)
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return nil, err
	}

	fake.mu.Lock()
	defer fake.mu.Unlock()
	var late []float64
	dups := 0
	for to, times := range fake.arrived {
		d, ok := dueByPhone[to]
		if !ok {
			return nil, fmt.Errorf("the fake got a message to a number no reminder was for")
		}
		late = append(late, times[0].Sub(d).Seconds())
		dups += len(times) - 1
	}
	if len(late) == 0 {
		return nil, errors.New("no reminder was sent")
	}
	slices.Sort(late)
	return metrics{"p99": percentile(late, 0.99), "p50": percentile(late, 0.50), "max": late[len(late)-1],
		"sent": float64(len(late)), "duplicates": float64(dups)}, nil
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// firstUnsent describes a row that did not go out, for the error that says the dispatcher sent too little.
func firstUnsent(ctx context.Context, db *store.DB) string {
	rows, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		return ": " + err.Error()
	}
	for _, r := range rows {
		if r.State != docket.StateSent {
			return fmt.Sprintf(": row %d is %s (%s %s)", r.ID, r.State, r.ErrorCode, r.LastError)
		}
	}
	return ""
}
