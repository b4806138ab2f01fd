package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/ingest"
	"github.com/docketd/docketd/source"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// cmdSync is `docketd sync`: the config's own hearings, then one pass over each source in config order.
func cmdSync(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("sync", "[--source NAME] [--force] [--now T]", true, false)
	only := f.String("source", "", "sync only the source with this `name`")
	force := f.Bool("force", false, "apply the moves and cancellations of a pass that changes more than max_change "+
		"(held otherwise), or a pass that lists no hearings at all (refused otherwise)")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if *only != "" && !hasSource(cfg, *only) {
		return usageErrorf("sync: %s has no source named %q (sources: %s)", f.config, *only, sourceNames(cfg))
	}
	now := f.clock(e)
	// Each source's counts line on stdout says what the info-level log would; warnings (rejected rows) stay.
	lc := cfg.Log
	if lc.Level == "" || strings.EqualFold(lc.Level, "info") {
		lc.Level = "warn"
	}
	log := newLogger(lc, e.stderr)
	// People and courts come first (Open applies them): ACIS looks up the config's clients, and rows are placed by
	// the court table.
	office, err := assembly.Open(ctx, func() *config.Config { return cfg }, assembly.Options{Now: now, Log: log})
	if err != nil {
		return err
	}
	defer office.Close()
	if *only == "" {
		fmt.Fprintln(e.stdout, ingest.SyncReport{Source: "config", SyncResult: office.Applied})
	}
	specs, err := office.Sources(ctx)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	syncer := office.Syncer
	var failed, refused, held []string
	for i, spec := range specs {
		if *only != "" && spec.Name != *only {
			continue
		}
		var bar *progressbar.ProgressBar
		var progress func(done, total int64)
		if kind, _ := source.Lookup(cfg.Sources[i].Kind); kind.Progress && isTerminal(e.stdout) {
			progress = func(done, total int64) {
				if bar == nil {
					bar = newProgressBar(e.stdout, spec.Name, total)
				}
				bar.Set64(done) //nolint:errcheck // a progress bar on a terminal: nothing to do if it fails
			}
		}
		rep, err := syncer.Run(ctx, spec, *force, progress)
		if bar != nil {
			bar.Clear() //nolint:errcheck // as above
		}
		fmt.Fprintln(e.stdout, rep)
		switch {
		case rep.Refused():
			refused = append(refused, spec.Name)
		case rep.Holding():
			held = append(held, spec.Name)
		case err != nil:
			failed = append(failed, spec.Name)
		}
		if ctx.Err() != nil {
			break
		}
	}
	var msgs []string
	if len(failed) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s failed; the last good data is kept and the next run retries",
			strings.Join(failed, ", ")))
	}
	if len(refused) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s refused: check the source, then run "+
			"'docketd sync --source NAME --force' if the change is real", strings.Join(refused, ", ")))
	}
	if len(held) > 0 {
		msgs = append(msgs, fmt.Sprintf("%s held (the office was told by email): check the source, then run "+
			"'docketd sync --source NAME --force' if the change is real", strings.Join(held, ", ")))
	}
	if len(msgs) > 0 {
		return &exitError{code: exitFailure, err: errors.New(strings.Join(msgs, "; "))}
	}
	return nil
}

func hasSource(cfg *config.Config, name string) bool {
	for _, s := range cfg.Sources {
		if s.Name == name {
			return true
		}
	}
	return false
}

func sourceNames(cfg *config.Config) string {
	if len(cfg.Sources) == 0 {
		return "none configured"
	}
	names := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// isTerminal reports whether w is a terminal; a bar written into a file or a pipe would only be noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgressBar shows bytes read of a file; total -1 gives a spinner.
func newProgressBar(w io.Writer, name string, total int64) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
