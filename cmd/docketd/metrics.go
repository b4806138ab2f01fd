package main

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
	"github.com/docketd/docketd/store"
)

// metrics is what /metrics exposes: counters the daemon increments, and the store's state read at scrape time.
type metrics struct {
	reg      *prometheus.Registry
	sends    *prometheus.CounterVec
	lateness *prometheus.HistogramVec
	http     *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newMetrics(db func() *store.DB, leader func() bool, now func() time.Time, log *slog.Logger) *metrics {
	m := &metrics{
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
		&storeCollector{db: db, leader: leader, now: now, log: log})
	return m
}

// observeSend is the dispatcher's hook.
func (m *metrics) observeSend(channel docket.Channel, result, code string, late time.Duration) {
	m.sends.WithLabelValues(string(channel), result, code).Inc()
	if result == "sent" || result == "opted_out" || code != "" {
		m.lateness.WithLabelValues(string(channel)).Observe(max(late, 0).Seconds())
	}
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// count wraps h to count its answers by status; 4xx answers under /twilio/ count as webhook rejections.
func (m *metrics) count(name string, h http.Handler) http.Handler {
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
	db     func() *store.DB // nil until the store is open
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
	descLeader = prometheus.NewDesc("docketd_leader", "1 when this replica runs sync and planning.", nil, nil)
)

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHearings, descOutbox, descOptOuts, descSyncRuns, descSyncRecords, descLeader} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	leader := 0.0
	if c.leader() {
		leader = 1
	}
	ch <- prometheus.MustNewConstMetric(descLeader, prometheus.GaugeValue, leader)
	db := c.db()
	if db == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	counts, err := db.Counts(ctx, c.now())
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
	totals, err := db.SyncTotals(ctx)
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
}
