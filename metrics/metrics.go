package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/docketd/docketd/docket"
)

// Store is what the collector reads from the store at each scrape.
type Store interface {
	// Counts summarises hearings upcoming at now, outbox rows and opt-outs.
	Counts(ctx context.Context, now time.Time) (docket.Counts, error)
	// SyncTotals sums the recorded sync runs per source and outcome (failed or not).
	SyncTotals(ctx context.Context) ([]docket.SyncTotal, error)
	// SyncHolds lists the sources whose moves and cancellations the mass-change guard holds.
	SyncHolds(ctx context.Context) ([]docket.SyncHold, error)
}

// Registry holds the daemon's metrics: counters the daemon increments, and the store's state read at scrape time.
type Registry struct {
	reg      *prometheus.Registry
	sends    *prometheus.CounterVec
	lateness *prometheus.HistogramVec
	http     *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

// New returns a registry with the daemon's counters, the Go and process collectors, and a collector that reads
// st() at each scrape. st returns nil (an untyped nil, not a nil pointer) until the store is open; until then a
// scrape reports only leadership. leader tells whether this replica runs sync and planning; now is the clock that
// decides which hearings are upcoming; log takes the store's errors during a scrape.
func New(st func() Store, leader func() bool, now func() time.Time, log *slog.Logger) *Registry {
	m := &Registry{
		reg: prometheus.NewRegistry(),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "docketd_sends_total",
			Help: "Send attempts by channel, result (sent, retry, failed, opted_out) and provider error code."},
			[]string{"channel", "result", "code"}),
		lateness: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "docketd_reminder_lateness_seconds",
			Help:    "Time from a message's due time to its provider request.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600}},
			[]string{"channel"}),
		http: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "docketd_http_requests_total",
			Help: "HTTP requests by handler (feed, webhook, health) and status."}, []string{"handler", "status"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "docketd_webhook_rejections_total",
			Help: "Webhook requests refused (bad signature, wrong method, too large) by path."}, []string{"path"}),
	}
	m.reg.MustRegister(m.sends, m.lateness, m.http, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&storeCollector{st: st, leader: leader, now: now, log: log})
	return m
}

// ObserveSend is the dispatcher's hook: it counts a send attempt on channel with its result (sent, retry, failed,
// opted_out) and provider error code, and records how late the attempt was when it reached the provider.
func (m *Registry) ObserveSend(channel docket.Channel, result, code string, late time.Duration) {
	m.sends.WithLabelValues(string(channel), result, code).Inc()
	if result == "sent" || result == "opted_out" || code != "" {
		m.lateness.WithLabelValues(string(channel)).Observe(max(late, 0).Seconds())
	}
}

// Handler serves /metrics.
func (m *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Count wraps h to count its answers by status under the handler label name; 4xx answers under /twilio/ count as
// webhook rejections.
func (m *Registry) Count(name string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.http.WithLabelValues(name, http.StatusText(rec.status)).Inc()
		if strings.HasPrefix(r.URL.Path, "/twilio/") && rec.status >= 400 && rec.status < 500 {
			m.rejected.WithLabelValues(r.URL.Path).Inc()
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// storeCollector reads hearings, outbox and sync runs from the store at each scrape.
type storeCollector struct {
	st     func() Store // nil until the store is open
	leader func() bool
	now    func() time.Time
	log    *slog.Logger
}

var (
	descHearings = prometheus.NewDesc("docketd_hearings", "Upcoming hearings by status.", []string{"status"}, nil)
	descOutbox   = prometheus.NewDesc("docketd_outbox_rows", "Outbox rows by state.", []string{"state"}, nil)
	descOptOuts  = prometheus.NewDesc("docketd_opt_outs", "Addresses that opted out.", nil, nil)
	descSyncRuns = prometheus.NewDesc("docketd_sync_runs_total", "Sync runs by source and outcome.",
		[]string{"source", "outcome"}, nil)
	descSyncRecords = prometheus.NewDesc("docketd_sync_records_total", "Records of sync runs by source and outcome.",
		[]string{"source", "outcome"}, nil)
	descSyncHeld = prometheus.NewDesc("docketd_sync_held",
		"1 while the mass-change guard holds the source's moves and cancellations (apply with sync --force).",
		[]string{"source"}, nil)
	descLeader          = prometheus.NewDesc("docketd_leader", "1 when this replica runs sync and planning.", nil, nil)
	descCallLists       = prometheus.NewDesc("docketd_call_lists_sent_total", "Counsel's daily call lists sent.", nil, nil)
	descCallListClients = prometheus.NewDesc("docketd_call_list_clients",
		"Clients named on the call lists sent in the last 24 hours.", nil, nil)
	descInbox = prometheus.NewDesc("docketd_inbox_messages",
		"Clients' texts for staff: unhandled, urgent_unhandled, unforwarded (the email to staff not gone out yet).",
		[]string{"state"}, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHearings, descOutbox, descOptOuts, descSyncRuns, descSyncRecords, descSyncHeld,
		descLeader, descCallLists, descCallListClients, descInbox} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	leader := 0.0
	if c.leader() {
		leader = 1
	}
	ch <- prometheus.MustNewConstMetric(descLeader, prometheus.GaugeValue, leader)
	st := c.st()
	if st == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := st.Counts(ctx, c.now())
	if err != nil {
		c.log.Warn("metrics", "component", "http", "err", err)
		return
	}
	for _, s := range []docket.HearingStatus{docket.StatusScheduled, docket.StatusCancelled} {
		ch <- prometheus.MustNewConstMetric(descHearings, prometheus.GaugeValue, float64(counts.Hearings[string(s)]),
			string(s))
	}
	for _, s := range docket.ReminderStates {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, float64(counts.Outbox[string(s)]),
			string(s))
	}
	ch <- prometheus.MustNewConstMetric(descOptOuts, prometheus.GaugeValue, float64(counts.OptOuts))
	ch <- prometheus.MustNewConstMetric(descCallLists, prometheus.CounterValue, float64(counts.CallLists))
	ch <- prometheus.MustNewConstMetric(descCallListClients, prometheus.GaugeValue, float64(counts.CallListClients))
	for state, n := range map[string]int64{"unhandled": counts.Inbox.Unhandled, "urgent_unhandled": counts.Inbox.Urgent,
		"unforwarded": counts.Inbox.Unforwarded} {
		ch <- prometheus.MustNewConstMetric(descInbox, prometheus.GaugeValue, float64(n), state)
	}
	totals, err := st.SyncTotals(ctx)
	if err != nil {
		c.log.Warn("metrics", "component", "http", "err", err)
		return
	}
	records := map[string]map[string]int64{} // source -> outcome -> records, over failed and good runs alike
	for _, t := range totals {
		outcome := "ok"
		if t.Failed {
			outcome = "failed"
		}
		ch <- prometheus.MustNewConstMetric(descSyncRuns, prometheus.CounterValue, float64(t.Runs), t.Source, outcome)
		if records[t.Source] == nil {
			records[t.Source] = map[string]int64{}
		}
		r := records[t.Source]
		r["created"] += t.Created
		r["changed"] += t.Changed
		r["cancelled"] += t.Cancel
		r["unchanged"] += t.Same
		r["rejected"] += t.Reject
	}
	for src, r := range records {
		for name, v := range r {
			ch <- prometheus.MustNewConstMetric(descSyncRecords, prometheus.CounterValue, float64(v), src, name)
		}
	}
	holds, err := st.SyncHolds(ctx)
	if err != nil {
		c.log.Warn("metrics", "component", "http", "err", err)
		return
	}
	held := map[string]float64{}
	for src := range records {
		held[src] = 0
	}
	for _, h := range holds {
		held[h.Source] = 1
	}
	for src, v := range held {
		ch <- prometheus.MustNewConstMetric(descSyncHeld, prometheus.GaugeValue, v, src)
	}
}
