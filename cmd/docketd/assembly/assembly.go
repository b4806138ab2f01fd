// Package assembly builds docketd from one config: the store, the sources and the syncer, the planner, the
// dispatcher with its channels and counsel's calendar invitation, the feeds and the Twilio webhooks. It is the one
// place docketd's rooms meet; every command (the daemon, a cron `docketd remind`, `docketd sync`, `feed export`),
// the benchmark and the drills build their parts here, so they cannot drift apart.
package assembly

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/feed"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/inbox"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/scheduler/calllist"
	"github.com/docketd/docketd/scheduler/reminder"
	"github.com/docketd/docketd/store"
)

// Options are what the command line decides about the parts.
type Options struct {
	// Now is the clock of what is stored and shown (--now); nil means time.Now.
	Now func() time.Time
	// Clock drives the dispatcher's waits (retries, rate limits); nil means the real clock moved to Now.
	Clock reminder.Clock
	// Log receives every part's log; nil discards.
	Log *slog.Logger
	// Observe, when set, is told the outcome of every send (the daemon's /metrics).
	Observe func(channel docket.Channel, result, code string, late time.Duration)
	// Senders, when set, replace the channels the config names (tests and drills that count what was sent).
	Senders map[docket.Channel]reminder.Sender
	// ReadOnly leaves the store as it is instead of applying the config to it: for commands that only show what the
	// daemon has (a feed export).
	ReadOnly bool
	// DryRun opens the store as it stands, for reading only (`remind --dry-run`): the database must exist and be
	// migrated, the config is not applied to it, the office has no Syncer, and the planner and the dispatcher plan
	// into memory: Preview shows what a run would send now, and anything that would claim or send fails.
	DryRun bool
}

// Office is docketd built from a config. Close releases the store.
type Office struct {
	// Config is the running config; the parts read it anew where a reload may change it.
	Config func() *config.Config
	DB     *store.DB
	// Syncer runs sources into the store (nil in a dry run); Sources lists the configured ones (see Sources).
	Syncer     *ingest.Syncer
	Planner    *reminder.Planner
	Dispatcher *reminder.Dispatcher
	Feeds      *feed.Service
	// Webhooks answers Twilio; nil when SMS does not go through Twilio.
	Webhooks *inbound.Webhooks
	// CallLists sends counsel's daily call lists (SendDue), for the daemon's job and `docketd remind` alike.
	CallLists *calllist.Lists
	// Inbox keeps the texts for staff the webhooks take, and forwards them (Retry: those not forwarded yet).
	Inbox *inbox.Forwarder
	// Applied is what applying the config to the store at Open changed.
	Applied docket.SyncResult

	log *slog.Logger
	now func() time.Time
}

// Open opens and migrates the config's store, applies the config to it (courts, people, the file's own hearings),
// and builds every part.
func Open(ctx context.Context, cfg func() *config.Config, opts Options) (*Office, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	open := OpenStore
	if opts.DryRun {
		open = OpenExisting
	}
	db, err := open(ctx, cfg(), now)
	if err != nil {
		return nil, err
	}
	o, err := build(ctx, db, cfg, now, log, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return o, nil
}

// build makes every part over an open store.
func build(ctx context.Context, db *store.DB, cfg func() *config.Config, now func() time.Time, log *slog.Logger,
	opts Options) (*Office, error) {
	o := &Office{Config: cfg, DB: db, log: log, now: now}
	// The reminder engine checks opt-outs through the journal, so one that SQLite could not take at once is
	// honoured by every process on the database; a dry run reads the database and keeps what it plans in memory.
	var rs reminder.Store
	if opts.DryRun {
		rs = newDryStore(db)
	} else {
		rs = journaled(db, log)
		o.Syncer = &ingest.Syncer{DB: db, Now: now, Log: log, Notify: newHoldNotifier(cfg, now, log, opts)}
	}
	if !opts.ReadOnly && !opts.DryRun {
		var err error
		if o.Applied, err = o.ApplyConfig(ctx, cfg()); err != nil {
			return nil, fmt.Errorf("apply config: %w", err)
		}
	}
	o.Feeds = feed.NewService(db, feedSettings(cfg), now)
	clock := opts.Clock
	if clock == nil {
		clock = ShiftedClock(time.Until(now()))
	}
	var err error
	o.Planner, o.Dispatcher, err = reminderParts(cfg, rs, clock, log, o.Feeds, opts)
	if err != nil {
		return nil, err
	}
	o.Inbox = newInbox(cfg, db, log, now, opts)
	if o.Webhooks, err = newWebhooks(cfg(), db, log, now, o.Inbox); err != nil {
		return nil, err
	}
	o.CallLists = o.newCallLists()
	return o, nil
}

// ApplyConfig makes the store match cfg's courts, people and hand-entered hearings: the running config, or one
// about to replace it on a reload (which keeps the old one if this fails).
func (o *Office) ApplyConfig(ctx context.Context, cfg *config.Config) (docket.SyncResult, error) {
	return applyConfig(ctx, o.DB, cfg, o.now(), o.log)
}

// Sources returns the runnable form of every [[sources]] entry, in config order, with the store's court zones.
func (o *Office) Sources(ctx context.Context) ([]ingest.SourceSpec, error) {
	zones, err := o.DB.Zones(ctx)
	if err != nil {
		return nil, err
	}
	return sourceSpecs(o.Config(), zones)
}

// Close closes the store.
func (o *Office) Close() error { return o.DB.Close() }

// FeedSettings are the config's choices for feeds and invitations.
func FeedSettings(cfg *config.Config) feed.Settings {
	durations := make(map[docket.HearingType]time.Duration, len(cfg.Feeds.Durations))
	for t, d := range cfg.Feeds.Durations {
		if d.D > 0 {
			durations[docket.HearingType(t)] = d.D
		}
	}
	return feed.Settings{PublicURL: cfg.HTTP.PublicURL, OrgName: cfg.Organization.Name,
		Organizer: feed.Person{Name: cfg.Organization.Name, Email: organizationEmail(cfg)},
		Detail:    feed.Detail(cfg.Feeds.Detail), Refresh: cfg.Feeds.Refresh.D, KeepPast: cfg.Feeds.KeepPast.D,
		KeepCancelled: cfg.Feeds.KeepCancelled.D, Durations: durations, Precedence: Precedence(cfg),
		Zone: officeZone(cfg), Deadlines: cfg.Deadlines.On()}
}

// officeZone is organization.timezone, where clients without a zone of their own live; nil when it does not load
// (validation refuses that), which leaves them on the court's clock.
func officeZone(cfg *config.Config) *time.Location {
	loc, err := docket.LoadZone(cfg.Organization.Timezone)
	if err != nil {
		return nil
	}
	return loc
}

// feedSettings reads FeedSettings from the running config, once per config: the feeds ask on every request, 304s
// included, and the config changes only on a reload.
func feedSettings(cfg func() *config.Config) func() feed.Settings {
	var mu sync.Mutex
	var from *config.Config
	var settings feed.Settings
	return func() feed.Settings {
		c := cfg()
		mu.Lock()
		defer mu.Unlock()
		if c != from {
			from, settings = c, FeedSettings(c)
		}
		return settings
	}
}

// organizationEmail is the organizer of invitations: organization.email, else the address in email.from.
func organizationEmail(c *config.Config) string {
	if c.Organization.Email != "" {
		return c.Organization.Email
	}
	if a, err := mail.ParseAddress(c.Email.From); err == nil {
		return a.Address
	}
	return ""
}

// ShiftedClock is the real clock moved by offset, so --now runs the dispatcher "as if" at another time while its
// waits (rate limits) still pass in real time.
func ShiftedClock(offset time.Duration) reminder.Clock { return shiftedClock{offset} }

type shiftedClock struct{ offset time.Duration }

func (c shiftedClock) Now() time.Time                         { return time.Now().Add(c.offset) }
func (c shiftedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// RealClock is the dispatcher clock of a daemon: time as it passes.
func RealClock() clockwork.Clock { return clockwork.NewRealClock() }
