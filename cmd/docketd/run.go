package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
	"golang.org/x/sync/errgroup"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/metrics"
	"github.com/docketd/docketd/scheduler"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// shutdownGrace bounds how long in-flight requests may take once the daemon is told to stop.
const shutdownGrace = 10 * time.Second

// daemon is `docketd run`: the store, the HTTP server and the config it reloads.
type daemon struct {
	e       *env
	path    string
	log     *slog.Logger
	now     func() time.Time
	cfg     atomic.Pointer[config.Config]
	db      *store.DB
	ready   atomic.Bool
	readyMu sync.Mutex
	notYet  string // why the daemon is not ready, for /readyz
	clock   clockwork.Clock
	jobs    *scheduler.Jobs
	office  *assembly.Office
	planner *reminder.Planner
	disp    *reminder.Dispatcher
	leader  *store.Leader // nil with SQLite
	// planMu: one plan at a time (a plan asked for while another runs waits for it, not skipped), and the call
	// lists' build takes its turn with the plans: each reads weeks of hearings, and at start, side by side, their
	// reads were the daemon's peak memory.
	planMu  sync.Mutex
	feeds   *feed.Service
	started time.Time // when the daemon started; a source's tolerance counts from here at the earliest
	metrics *metrics.Registry
	dbReady atomic.Pointer[store.DB]
	// handlers mounted once the store is open; until then their paths answer 503.
	late sync.Map // path prefix -> http.Handler
}

// planEvery is how often reminders are planned besides after every sync and reload; it catches hearings whose
// reminders come within reach as time passes.
const planEvery = 5 * time.Minute

// pruneEvery is how often old records are deleted.
const pruneEvery = 24 * time.Hour

// inboxRetryEvery is how often clients' texts whose email to staff failed are forwarded again: a mail server that
// is back is used within minutes, and one that is still down is not hammered.
const inboxRetryEvery = 2 * time.Minute

func cmdRun(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("run", "[--watch-config]", false, false)
	watch := f.Bool("watch-config", false, "reload when the config file changes, as on SIGHUP")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	d := &daemon{e: e, path: f.config, now: e.now, log: newLogger(cfg.Log, e.stderr), clock: e.clock}
	if d.clock == nil {
		d.clock = clockwork.NewRealClock()
		if err := d.shiftForDrills(); err != nil {
			return err
		}
	}
	d.cfg.Store(cfg)
	d.started = d.now()
	d.setNotReady("starting")
	d.metrics = metrics.New(func() metrics.Store {
		if db := d.dbReady.Load(); db != nil {
			return db
		}
		return nil // not a nil *store.DB, which the collector would call
	}, func() bool { return d.leader.Held() }, d.now, d.log)

	// Listen before anything else so a busy port fails at once, and so /healthz answers during migrations.
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Listen, err)
	}
	srv := &http.Server{
		Handler:           d.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if e.onListen != nil {
		e.onListen(ln.Addr().String())
	}
	d.log.Info("listening", "component", "http", "addr", ln.Addr().String(), "public_url", cfg.HTTP.PublicURL,
		"pid", os.Getpid())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error {
		defer func() {
			if d.db != nil {
				d.db.Close()
			}
		}()
		if err := d.start(gctx); err != nil {
			return err
		}
		inner, ictx := errgroup.WithContext(gctx)
		inner.Go(func() error { return d.disp.Run(ictx) })
		inner.Go(func() error { return d.loop(ictx, *watch) })
		err := inner.Wait()
		d.office.Inbox.Wait() // forwards under way finish, each within its own bound
		sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if serr := d.jobs.Shutdown(sctx); serr != nil {
			d.log.Warn("scheduler shutdown", "component", "daemon", "err", serr)
		}
		d.leader.Close()
		return err
	})
	err = g.Wait()
	if err != nil && ctx.Err() != nil {
		// Told to stop: whatever was under way when the signal came (the start's first config, a query) was cut
		// short by it, and stopping is what was asked.
		if !errors.Is(err, context.Canceled) {
			d.log.Info("stopped while starting", "component", "daemon", "err", err)
		}
		err = nil
	}
	if err == nil {
		d.log.Info("stopped", "component", "daemon")
	}
	return err
}

// drillNowVar names the environment variable with which the fault drills (drills/) run a daemon as if it were
// started at another time (an RFC 3339 time), as `remind --now` does: after a ten-day outage, at night. Time then
// passes at its real pace. It is no option: a daemon in service keeps the real time.
const drillNowVar = "DOCKETD_DRILL_NOW"

// shiftForDrills moves the daemon's clock to drillNowVar's time when it is set.
func (d *daemon) shiftForDrills() error {
	v := d.e.getenv(drillNowVar)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return usageErrorf("%s must be an RFC 3339 time, got %q", drillNowVar, v)
	}
	c := shiftedClock{Clock: d.clock, offset: time.Until(t)}
	d.clock, d.now = c, c.Now
	d.log.Warn("running as if started at another time", "component", "daemon", "now", t.Format(time.RFC3339))
	return nil
}

// shiftedClock is a clock moved by offset: timers and tickers run in real time.
type shiftedClock struct {
	clockwork.Clock
	offset time.Duration
}

func (c shiftedClock) Now() time.Time                  { return c.Clock.Now().Add(c.offset) }
func (c shiftedClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c shiftedClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// start opens and migrates the store and applies the config; the daemon is ready when it returns nil.
func (d *daemon) start(ctx context.Context) error {
	cfg := d.cfg.Load()
	d.setNotReady("migrating the database")
	office, err := assembly.Open(ctx, d.cfg.Load, assembly.Options{Now: d.now, Clock: d.clock, Log: d.log,
		Observe: d.metrics.ObserveSend})
	if err != nil {
		return err
	}
	d.office, d.db, d.planner, d.disp, d.feeds = office, office.DB, office.Planner, office.Dispatcher, office.Feeds
	db := d.db
	d.dbReady.Store(db)
	if wh := office.Webhooks; wh != nil {
		m := http.NewServeMux()
		wh.Register(m)
		d.late.Store("/twilio/", m)
	}
	fh := d.feeds.Handler()
	fh.Logger = d.log
	d.late.Store("/feeds/", fh)
	d.late.Store("/office/", office.OfficePage(d.failingSources, d.synced))
	// With PostgreSQL, several replicas may run: one, elected by an advisory lock, syncs and plans; every replica
	// dispatches (rows are claimed with SKIP LOCKED) and serves feeds and webhooks.
	var elector gocron.Elector
	if l := db.Leader(); l != nil {
		elector = l
		d.leader = l
	}
	if d.jobs, err = scheduler.NewJobs(d.clock, elector, d.log); err != nil {
		return err
	}
	if err := d.jobs.Set("plan", gocron.DurationJob(planEvery), d.plan,
		gocron.WithStartAt(gocron.WithStartImmediately())); err != nil {
		return err
	}
	if err := d.jobs.Set("prune", gocron.DurationJob(pruneEvery), d.prune); err != nil {
		return err
	}
	if err := d.jobs.Set(callListJob, gocron.CronJob(callListCron, false), d.sendCallLists,
		gocron.WithStartAt(gocron.WithStartImmediately())); err != nil {
		return err
	}
	if err := d.jobs.Set("inbox", gocron.DurationJob(inboxRetryEvery), office.Inbox.Retry,
		gocron.WithStartAt(gocron.WithStartImmediately())); err != nil {
		return err
	}
	if err := d.scheduleSources(ctx, cfg); err != nil {
		return err
	}
	d.jobs.Start()
	d.ready.Store(true)
	d.log.Info("ready", "component", "daemon", "config", d.path, "database", db.Dialect(),
		"schema", store.SchemaVersion())
	d.greet(ctx)
	urls, err := demoFeeds(ctx, db, cfg)
	if err != nil {
		d.log.Warn("demo feeds", "component", "feed", "err", err)
	}
	if len(urls) > 0 {
		fmt.Fprintln(d.e.stdout, "\nDemo calendar feeds (secret URLs, shown once; add them to a calendar app):")
		for _, u := range urls {
			fmt.Fprintln(d.e.stdout, "  "+u)
		}
		fmt.Fprintln(d.e.stdout)
	}
	if d.e.onReady != nil {
		d.e.onReady()
	}
	return nil
}

// synced follows a pass that went through, a scheduled one or a held one applied from the office's page: when it
// changed hearings, the feeds are refreshed and the reminders planned.
func (d *daemon) synced(ctx context.Context, rep ingest.SyncReport) error {
	if rep.Created+rep.Changed+rep.Cancelled == 0 {
		return nil
	}
	d.feeds.Bump()
	return d.plan(ctx)
}

// scheduleSources makes one sync job per [[sources]] entry (named "sync NAME", run at start and then on its every or
// schedule), updates the jobs of sources that remain, and removes those of sources no longer configured.
func (d *daemon) scheduleSources(ctx context.Context, cfg *config.Config) error {
	specs, err := d.office.Sources(ctx)
	if err != nil {
		return err
	}
	names := []string{"plan", "prune", callListJob, "inbox"}
	syncer := d.office.Syncer
	for i, spec := range specs {
		src := cfg.Sources[i]
		def := gocron.DurationJob(src.Every.D)
		if src.Schedule != "" {
			def = gocron.CronJob(src.Schedule, false)
		}
		name := "sync " + spec.Name
		names = append(names, name)
		err := d.jobs.Set(name, def, func(ctx context.Context) error {
			rep, err := syncer.Run(ctx, spec, false, nil)
			if err != nil {
				return err // recorded, logged by the job; the last good data stays
			}
			return d.synced(ctx, rep)
		}, gocron.WithStartAt(gocron.WithStartImmediately()))
		if err != nil {
			return err
		}
	}
	d.jobs.Retain(names...)
	return nil
}

// callListJob looks every quarter hour, and at the start, for counsel's call lists that are due. A list is due from
// 8:00 on its attorney's own clock (calllist.SendAt), and every zone's 8:00 falls on a quarter hour, so each goes
// out at 8:00 sharp; the store keeps it to once a day, whichever replica, restart or `docketd remind` sends it.
const (
	callListJob  = "call lists"
	callListCron = "*/15 * * * *"
)

// sendCallLists sends the call lists due now.
func (d *daemon) sendCallLists(ctx context.Context) error {
	d.planMu.Lock()
	defer d.planMu.Unlock()
	_, err := d.office.CallLists.SendDue(ctx, d.now())
	return err
}

// prune deletes what has outlived [retention].
func (d *daemon) prune(ctx context.Context) error {
	r := d.cfg.Load().Retention
	p, err := d.db.Prune(ctx, store.Retention{Bodies: r.Bodies.D, Outbox: r.Outbox.D, Changes: r.Changes.D,
		SyncRuns: r.SyncRuns.D}, d.now())
	if err == nil && p != (store.Pruned{}) {
		d.log.Info("pruned old records", "component", "retention", "bodies", p.Bodies, "outbox", p.Outbox,
			"changes", p.Changes, "sync_runs", p.SyncRuns, "inbound", p.Inbound, "inbox", p.Inbox, "call_lists", p.CallLists)
	}
	return err
}

// plan plans reminders and wakes the dispatcher for any that are due sooner than it expected.
func (d *daemon) plan(ctx context.Context) error {
	d.planMu.Lock()
	defer d.planMu.Unlock()
	if _, err := d.planner.Plan(ctx); err != nil {
		return err
	}
	d.disp.Wake()
	return nil
}

// greet tells a newcomer what the daemon holds and where to look next.
func (d *daemon) greet(ctx context.Context) {
	now := d.now()
	counts, err := d.db.Counts(ctx, now)
	if err != nil {
		d.log.Warn("count hearings", "component", "daemon", "err", err)
		return
	}
	hs, err := d.db.Hearings(ctx, docket.HearingFilter{From: now, Status: []docket.HearingStatus{docket.StatusScheduled}, Limit: 1})
	if err != nil {
		d.log.Warn("list hearings", "component", "daemon", "err", err)
		return
	}
	if len(hs) == 0 {
		d.log.Info("no upcoming hearings yet; add [[hearings]] or [[sources]] to the config", "component", "daemon")
		return
	}
	next := hs[0]
	d.log.Info("upcoming hearings", "component", "daemon", "count", counts.Hearings[string(docket.StatusScheduled)],
		"next", next.Local().Format("Mon Jan 2 2006 3:04 PM MST"), "next_court", next.CourtCode,
		"list_with", "docketd hearings --config "+d.path)
}

// loop waits for reload requests (SIGHUP, or file changes with --watch-config) until ctx ends.
func (d *daemon) loop(ctx context.Context, watch bool) error {
	reload := d.e.reload
	if reload == nil {
		ch := make(chan struct{}, 1)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGHUP)
		defer signal.Stop(sig)
		go func() {
			for {
				select {
				case <-sig:
					select {
					case ch <- struct{}{}:
					default:
					}
				case <-ctx.Done():
					return
				}
			}
		}()
		reload = ch
	}
	var changed <-chan struct{}
	if watch {
		changed = watchFile(ctx, d.path, 2*time.Second)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-reload:
		case <-changed:
		}
		err := d.reload(ctx)
		if d.e.onReload != nil {
			d.e.onReload(err)
		}
	}
}

// reload re-reads the config. An invalid file keeps the running config and logs every problem.
func (d *daemon) reload(ctx context.Context) error {
	old := d.cfg.Load()
	cfg, err := config.Load(d.path, config.Options{Courts: store.CourtCodes()})
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, p := range errs {
				// A problem quotes the value at fault, which may be someone's phone or email; the logger masks it.
				d.log.Error("config not reloaded", "component", "config", "problem", p.String())
			}
		} else {
			d.log.Error("config not reloaded", "component", "config", "err", err)
		}
		d.log.Warn("keeping the running config", "component", "config", "problems", len(errs))
		return err
	}
	for _, key := range restartKeys(old, cfg) {
		d.log.Warn("a change needs a restart to take effect", "component", "config", "key", key)
	}
	if _, err := d.office.ApplyConfig(ctx, cfg); err != nil {
		d.log.Error("config not applied", "component", "config", "err", err)
		return err
	}
	d.cfg.Store(cfg)
	d.feeds.Bump()
	if err := d.scheduleSources(ctx, cfg); err != nil {
		d.log.Error("sources not rescheduled", "component", "config", "err", err)
	}
	d.log.Info("config reloaded", "component", "config", "file", d.path)
	// Planned here, before the reload is done, rather than through the plan job: a job's run asked for while its
	// scheduled run is going is skipped, and that run may have read the hearings before the reload changed them.
	// Only the replica that plans (the leader, with PostgreSQL) plans.
	if d.leader.Held() {
		if err := d.plan(ctx); err != nil {
			d.log.Warn("plan after reload", "component", "config", "err", err)
		}
	}
	return nil
}

// restartKeys names the sections that changed between old and cfg and take effect only at a restart. Values are
// compared, not printed: printing shows a pointer (provider_keywords = true) as its address, which differs between
// two reads of the same file.
func restartKeys(old, cfg *config.Config) []string {
	var keys []string
	for _, s := range []struct {
		key      string
		old, new any
	}{
		{"database.url", old.Database.URL, cfg.Database.URL},
		{"http.listen", old.HTTP.Listen, cfg.HTTP.Listen},
		{"log", old.Log, cfg.Log},
		{"sms", old.SMS, cfg.SMS},
		{"email", old.Email, cfg.Email},
	} {
		if !reflect.DeepEqual(s.old, s.new) {
			keys = append(keys, s.key)
		}
	}
	return keys
}

// watchFile signals when the file's size or modification time changes.
func watchFile(ctx context.Context, path string, every time.Duration) <-chan struct{} {
	ch := make(chan struct{}, 1)
	stamp := func() string {
		st, err := os.Stat(path)
		if err != nil {
			return ""
		}
		return fmt.Sprint(st.ModTime().UnixNano(), st.Size())
	}
	go func() {
		last := stamp()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if s := stamp(); s != last && s != "" {
					last = s
					select {
					case ch <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return ch
}

func (d *daemon) setNotReady(why string) {
	d.readyMu.Lock()
	d.notYet = why
	d.readyMu.Unlock()
}

func (d *daemon) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", d.readyz)
	mux.Handle("GET /metrics", d.metrics.Handler())
	for _, prefix := range []string{"/feeds/", "/twilio/", "/office/"} {
		name := strings.Trim(prefix, "/")
		mux.Handle(prefix, d.metrics.Count(name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, ok := d.late.Load(prefix)
			if !ok {
				http.Error(w, "starting", http.StatusServiceUnavailable)
				return
			}
			h.(http.Handler).ServeHTTP(w, r)
		})))
	}
	return mux
}

// readyz answers 200 once the store is migrated and answering, 503 otherwise, saying why.
func (d *daemon) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !d.ready.Load() {
		d.readyMu.Lock()
		why := d.notYet
		d.readyMu.Unlock()
		http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := d.db.Ping(ctx); err != nil {
		http.Error(w, "not ready: database unreachable", http.StatusServiceUnavailable)
		return
	}
	if d.disp != nil {
		// A database that answers pings can still refuse every write (a full disk): reminders are then neither
		// claimed nor recorded.
		if err := d.disp.Ready(); err != nil {
			http.Error(w, "not ready: "+docket.MaskText(err.Error()), http.StatusServiceUnavailable)
			return
		}
	}
	if why := d.failingSource(ctx); why != "" {
		http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// failingSource names a source that has failed for longer than its tolerance, counting from the daemon's start
// when it has not succeeded since.
func (d *daemon) failingSource(ctx context.Context) string {
	if f := d.failingSources(ctx); len(f) > 0 {
		return f[0]
	}
	return ""
}

// failingSources names every source that has failed for longer than its tolerance (what /readyz reports first, and
// the office's page lists), or says that the database is unreachable.
func (d *daemon) failingSources(ctx context.Context) []string {
	now := d.now()
	var out []string
	for _, s := range d.cfg.Load().Sources {
		if s.Tolerance.D <= 0 {
			continue
		}
		last, ok, err := d.db.LastSuccess(ctx, s.Name)
		if err != nil {
			return []string{"database unreachable"}
		}
		if !ok || last.Before(d.started) {
			last = d.started
		}
		if now.Sub(last) > s.Tolerance.D {
			out = append(out, fmt.Sprintf("source %s has not synced since %s (tolerance %s)", s.Name,
				last.UTC().Format(time.RFC3339), s.Tolerance.Raw))
		}
	}
	return out
}

// newLogger builds the daemon's logger from [log]; docket.MaskingHandler masks personal data at info level.
func newLogger(c config.Log, w interface{ Write([]byte) (int, error) }) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(docket.MaskingHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(docket.MaskingHandler(slog.NewTextHandler(w, opts)))
}
