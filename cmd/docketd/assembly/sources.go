package assembly

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
)

// sourceSpecs builds the runnable form of every [[sources]] entry, in config order. zones gives court time zones
// (the store's court table, after the config's [[courts]] are applied). Each network source gets a client with the
// source's timeout, or the kind's default when the file sets none.
func sourceSpecs(cfg *config.Config, zones source.Zoner) ([]ingest.SourceSpec, error) {
	specs := make([]ingest.SourceSpec, 0, len(cfg.Sources))
	for i, sc := range cfg.Sources {
		kind, r, err := sourceReader(cfg, sc, zones)
		if err != nil {
			return nil, fmt.Errorf("%s: sources[%d] (%s): %w", cfg.File, i, sc.Name, err)
		}
		specs = append(specs, ingest.SourceSpec{Name: sc.Name, Complete: sc.Complete, Grace: sc.Grace.D,
			MaxChange: sc.MaxChange.F, MaxChangeMin: sc.ChangeFloor(), Reader: r, Buffered: kind.Buffered})
	}
	return specs, nil
}

// sourceReader builds the reader of one [[sources]] entry with its kind's constructor.
func sourceReader(cfg *config.Config, sc config.Source, zones source.Zoner) (source.Kind, source.Reader, error) {
	kind, ok := source.Lookup(sc.Kind)
	if !ok {
		return source.Kind{}, nil, fmt.Errorf("unknown kind %q", sc.Kind)
	}
	r, err := kind.New(readerSpec(cfg, sc, zones))
	return kind, r, err
}

// readerSpec is what the source's kind is given to build its reader. Paths arrive absolute: loading the config
// resolved them against the config file's folder.
func readerSpec(cfg *config.Config, sc config.Source, zones source.Zoner) source.Spec {
	s := source.Spec{Name: sc.Name, Path: sc.Path, URL: sc.URL, APIKey: sc.APIKey,
		Columns: sc.Columns, DateFormat: sc.DateFormat, TimeFormat: sc.TimeFormat, Separator: sc.Separator,
		KnownAttorney: knownAttorney(cfg), BaseCities: sc.BaseCities,
		CaseIDs: sc.CaseIDs, Rate: sc.Rate, ANumberPattern: sc.ANumberPattern, Zoner: zones, Timezone: sc.Timezone,
		DefaultTimezone: cfg.Organization.Timezone}
	// Without a timeout in the file, each kind keeps its own default: an ACIS lookup may wait for a captcha to be
	// solved for far longer than the 15 seconds that suit other providers.
	if sc.Timeout.Raw != "" {
		s.Timeout = sc.Timeout.D
	}
	// ACIS is asked about the office's own clients; one without an A-number has no case to look up. One without a
	// nationality is passed on so that every run says what is missing.
	for _, c := range cfg.Clients {
		if c.ANumber != "" {
			s.Cases = append(s.Cases, source.ACISCase{ANumber: c.ANumber, Nationality: c.Nationality})
		}
	}
	return s
}

// knownAttorney reports whether a source's attorney cell names one of the config's [[attorneys]], as the store
// links a client to one: by id, or by name in any case.
func knownAttorney(cfg *config.Config) func(string) bool {
	ids := make(map[string]bool, len(cfg.Attorneys))
	names := make(map[string]bool, len(cfg.Attorneys))
	for _, a := range cfg.Attorneys {
		ids[a.ID] = true
		names[strings.ToLower(a.Name)] = true
	}
	return func(s string) bool { return ids[s] || names[strings.ToLower(s)] }
}

// cronParser reads a source's schedule as the config's validation and the daemon's scheduler do: five fields or a
// descriptor ("@hourly").
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// dueSlack is how early a source counts as due: cron starts jobs on the minute, and a run is recorded as it starts,
// a moment later, so without it a source with every = "30m" under a cron every 30 minutes would find itself due a
// second too late each time and be read only hourly.
const dueSlack = time.Minute

// DueSources returns, in config order, the sources that are due to sync at the office's now: those never run, and
// those whose every or schedule comes round, within a minute, since their last recorded run began (whatever its
// outcome, as the daemon's jobs do). A cron `docketd remind` syncs these first, so an office without a daemon still reads its
// sources, and a cron every five minutes reads a source due hourly once an hour.
func (o *Office) DueSources(ctx context.Context) ([]ingest.SourceSpec, error) {
	specs, err := o.Sources(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := o.DB.LastSyncRuns(ctx)
	if err != nil {
		return nil, err
	}
	last := make(map[string]time.Time, len(runs))
	for _, r := range runs {
		last[r.Source] = r.StartedAt
	}
	cfg, now := o.Config(), o.now()
	var due []ingest.SourceSpec
	for i, spec := range specs {
		at, ran := last[spec.Name]
		if !ran {
			due = append(due, spec)
			continue
		}
		next, err := nextSync(cfg.Sources[i], at)
		if err != nil {
			return nil, fmt.Errorf("%s: sources[%d] (%s): %w", cfg.File, i, spec.Name, err)
		}
		if next.Sub(now) < dueSlack {
			due = append(due, spec)
		}
	}
	return due, nil
}

// nextSync is when a source that last ran at last is due again: last plus every, or the schedule's next time after
// last in the local zone (the daemon's scheduler's zone).
func nextSync(sc config.Source, last time.Time) (time.Time, error) {
	if sc.Schedule == "" {
		return last.Add(sc.Every.D), nil
	}
	sched, err := cronParser.Parse(sc.Schedule)
	if err != nil {
		return time.Time{}, fmt.Errorf("schedule: %w", err)
	}
	return sched.Next(last.In(time.Local)), nil
}
