package metrics

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
)

// fakeStore answers a scrape with fixed counts and totals, or with err.
type fakeStore struct {
	counts docket.Counts
	totals []docket.SyncTotal
	holds  []docket.SyncHold
	err    error
}

func (f *fakeStore) Counts(context.Context, time.Time) (docket.Counts, error) { return f.counts, f.err }

func (f *fakeStore) SyncTotals(context.Context) ([]docket.SyncTotal, error) { return f.totals, f.err }

func (f *fakeStore) SyncHolds(context.Context) ([]docket.SyncHold, error) { return f.holds, f.err }

var testNow = time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)

func newTestRegistry(st Store, leader bool, log io.Writer) *Registry {
	return New(func() Store { return st }, func() bool { return leader }, func() time.Time { return testNow },
		slog.New(slog.NewTextHandler(log, nil)))
}

// scrapeText is the /metrics answer in the text format; a failed gather (duplicate series among them) fails the test.
func scrapeText(t *testing.T, m *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if got, want := rec.Code, http.StatusOK; got != want {
		t.Fatalf("/metrics: got status %d, want %d\n%s", got, want, rec.Body)
	}
	return rec.Body.String()
}

func checkLines(t *testing.T, body string, has, lacks []string) {
	t.Helper()
	for _, line := range has {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	for _, line := range lacks {
		if strings.Contains(body, line) {
			t.Errorf("/metrics has %q", line)
		}
	}
}

func TestStoreCollectorSumsRecordsOverFailedAndGoodRunsOfOneSource(t *testing.T) {
	st := &fakeStore{
		counts: docket.Counts{Hearings: map[string]int64{"scheduled": 5, "cancelled": 1},
			Outbox: map[string]int64{"sent": 8, "pending": 1}, OptOuts: 2, Clients: 3},
		totals: []docket.SyncTotal{
			{Source: "office", Runs: 2, Created: 3, Changed: 2, Same: 1},
			{Source: "office", Failed: true, Runs: 1, Reject: 4},
			{Source: "eoir", Runs: 1, Cancel: 6},
		},
		holds: []docket.SyncHold{{Source: "eoir", Changes: 30, Hearings: 30}},
	}
	body := scrapeText(t, newTestRegistry(st, true, io.Discard))
	checkLines(t, body, []string{
		"# HELP docketd_leader 1 when this replica runs sync and planning.",
		"docketd_leader 1",
		"# HELP docketd_hearings Upcoming hearings by status.",
		`docketd_hearings{status="scheduled"} 5`,
		`docketd_hearings{status="cancelled"} 1`,
		"# HELP docketd_outbox_rows Outbox rows by state.",
		`docketd_outbox_rows{state="sent"} 8`,
		`docketd_outbox_rows{state="pending"} 1`,
		`docketd_outbox_rows{state="failed"} 0`,
		"# HELP docketd_opt_outs Addresses that opted out.",
		"docketd_opt_outs 2",
		"# HELP docketd_sync_runs_total Sync runs by source and outcome.",
		`docketd_sync_runs_total{outcome="ok",source="office"} 2`,
		`docketd_sync_runs_total{outcome="failed",source="office"} 1`,
		`docketd_sync_runs_total{outcome="ok",source="eoir"} 1`,
		"# HELP docketd_sync_records_total Records of sync runs by source and outcome.",
		`docketd_sync_records_total{outcome="created",source="office"} 3`,
		`docketd_sync_records_total{outcome="changed",source="office"} 2`,
		`docketd_sync_records_total{outcome="unchanged",source="office"} 1`,
		`docketd_sync_records_total{outcome="rejected",source="office"} 4`,
		`docketd_sync_records_total{outcome="cancelled",source="office"} 0`,
		`docketd_sync_records_total{outcome="cancelled",source="eoir"} 6`,
		"# HELP docketd_sync_held 1 while the mass-change guard holds the source's moves and cancellations (apply with sync --force).",
		`docketd_sync_held{source="eoir"} 1`,
		`docketd_sync_held{source="office"} 0`,
	}, nil)
}

func TestStoreCollectorBeforeTheStoreOpensAndWhenItFails(t *testing.T) {
	for _, tc := range []struct {
		name    string
		st      Store
		leader  bool
		wantLog bool
	}{
		{name: "not open", st: nil, leader: false},
		{name: "failing", st: &fakeStore{err: errors.New("database is locked")}, leader: true, wantLog: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			body := scrapeText(t, newTestRegistry(tc.st, tc.leader, &log))
			leader := "docketd_leader 0"
			if tc.leader {
				leader = "docketd_leader 1"
			}
			checkLines(t, body, []string{leader},
				[]string{"\ndocketd_hearings{", "\ndocketd_outbox_rows{", "\ndocketd_opt_outs ", "\ndocketd_sync_runs_total{"})
			if got, want := strings.Contains(log.String(), "database is locked"), tc.wantLog; got != want {
				t.Errorf("store error logged: got %v, want %v\n%s", got, want, log.String())
			}
		})
	}
}

func TestObserveSendCountsAttemptsAndTimesThoseThatReachedTheProvider(t *testing.T) {
	m := newTestRegistry(nil, false, io.Discard)
	m.ObserveSend(docket.SMS, "sent", "", 2*time.Second)
	m.ObserveSend(docket.SMS, "sent", "", -time.Second) // a clock step: counted as on time
	m.ObserveSend(docket.SMS, "retry", "", time.Minute) // never reached the provider
	m.ObserveSend(docket.SMS, "failed", "30003", time.Hour)
	m.ObserveSend(docket.Email, "opted_out", "", 0)
	body := scrapeText(t, m)
	checkLines(t, body, []string{
		"# HELP docketd_sends_total Send attempts by channel, result (sent, retry, failed, opted_out) and provider error code.",
		`docketd_sends_total{channel="sms",code="",result="sent"} 2`,
		`docketd_sends_total{channel="sms",code="",result="retry"} 1`,
		`docketd_sends_total{channel="sms",code="30003",result="failed"} 1`,
		`docketd_sends_total{channel="email",code="",result="opted_out"} 1`,
		"# HELP docketd_reminder_lateness_seconds Time from a message's due time to its provider request.",
		`docketd_reminder_lateness_seconds_count{channel="sms"} 3`,
		`docketd_reminder_lateness_seconds_sum{channel="sms"} 3602`,
		`docketd_reminder_lateness_seconds_bucket{channel="sms",le="0.01"} 1`,
		`docketd_reminder_lateness_seconds_bucket{channel="sms",le="2.5"} 2`,
		`docketd_reminder_lateness_seconds_bucket{channel="sms",le="3600"} 3`,
		`docketd_reminder_lateness_seconds_count{channel="email"} 1`,
	}, nil)
}

func TestCountCountsAnswersAndWebhookRejections(t *testing.T) {
	m := newTestRegistry(nil, false, io.Discard)
	for _, tc := range []struct {
		name, path string
		h          http.HandlerFunc
	}{
		{"twilio", "/twilio/sms", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<Response/>") }},
		{"twilio", "/twilio/sms", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad signature", http.StatusForbidden)
			w.WriteHeader(http.StatusOK) // a second status is ignored by net/http, and here
		}},
		{"twilio", "/twilio/status", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}},
		{"feeds", "/feeds/x.ics", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
	} {
		m.Count(tc.name, tc.h).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, tc.path, nil))
	}
	body := scrapeText(t, m)
	checkLines(t, body, []string{
		"# HELP docketd_http_requests_total HTTP requests by handler (feed, webhook, health) and status.",
		`docketd_http_requests_total{handler="twilio",status="OK"} 1`,
		`docketd_http_requests_total{handler="twilio",status="Forbidden"} 1`,
		`docketd_http_requests_total{handler="twilio",status="Service Unavailable"} 1`,
		`docketd_http_requests_total{handler="feeds",status="Not Found"} 1`,
		"# HELP docketd_webhook_rejections_total Webhook requests refused (bad signature, wrong method, too large) by path.",
		`docketd_webhook_rejections_total{path="/twilio/sms"} 1`,
	}, []string{`docketd_webhook_rejections_total{path="/twilio/status"}`, `path="/feeds/x.ics"`})
}

func TestCountLetsResponseControllerReachTheWriter(t *testing.T) {
	m := newTestRegistry(nil, false, io.Discard)
	rec := httptest.NewRecorder()
	m.Count("feeds", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("flush through the counter: %v", err)
		}
	})).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/feeds/x.ics", nil))
	if !rec.Flushed {
		t.Error("the recorder was not flushed")
	}
}
