package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/ingest"
)

// cmdRemind is the cron path: it syncs the sources that are due (as the daemon's jobs would have by now), plans, and
// sends everything due. With --dry-run it writes nothing: it shows which sources a run would sync and the messages a
// run would send now, from the database as it stands.
func cmdRemind(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("remind", "[--dry-run] [--now T]", true, false)
	f.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: docketd remind [--config FILE] [--dry-run] [--now T]\n\n"+
			"Syncs the sources that are due (each on its every or schedule, counted from its last recorded run), plans\n"+
			"reminders and sends everything due now, then exits: run it from cron when no daemon runs. A cron every\n"+
			"5 minutes reads a source with every = \"1h\" once an hour.\n"+
			"--dry-run changes nothing: it names the sources a run would sync and shows the messages it would send now,\n"+
			"counsel's call lists due included.\n\n"+
			"Options:\n")
		f.PrintDefaults()
	}
	dry := f.Bool("dry-run", false, "write nothing: name the sources due to sync and show the messages due now, unsent")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	clock := assembly.ShiftedClock(time.Until(f.clock(e)()))
	office, err := assembly.Open(ctx, func() *config.Config { return cfg }, assembly.Options{Now: clock.Now,
		Clock: clock, Log: newLogger(cfg.Log, e.stderr), DryRun: *dry})
	if err != nil {
		return err
	}
	defer office.Close()
	due, err := office.DueSources(ctx)
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	if *dry {
		return remindPreview(ctx, e, office, due, clock.Now())
	}
	// Sources first, with the daemon's Syncer: the reminders then go out from what the sources say now. A source
	// that fails or is refused keeps its last good data; the reminders still go out, and the exit status says so.
	var failed []string
	for _, spec := range due {
		rep, err := office.Syncer.Run(ctx, spec, false, nil)
		fmt.Fprintln(e.stdout, rep)
		if err != nil {
			failed = append(failed, spec.Name)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	planner, disp := office.Planner, office.Dispatcher
	if err := disp.Reconcile(ctx); err != nil {
		return err
	}
	res, err := planner.Plan(ctx)
	if err != nil {
		return err
	}
	n, err := disp.DispatchDue(ctx)
	if err != nil {
		return err
	}
	at := clock.Now().Format("2006-01-02 15:04 MST")
	fmt.Fprintf(e.stdout, "planned %d new, cancelled %d stale; handled %d due at %s\n", res.Planned, res.Cancelled, n, at)
	// Counsel's call lists due now, as the daemon's job sends them: the store keeps each to once a day.
	lists, err := office.CallLists.SendDue(ctx, clock.Now())
	if lists.Lists > 0 {
		fmt.Fprintf(e.stdout, "sent %d call list(s) naming %d client(s)\n", lists.Lists, lists.Clients)
	}
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("sync of %s failed or was refused: the last good data "+
			"was used (see `docketd status`)", strings.Join(failed, ", "))}
	}
	return nil
}

// remindPreview is `remind --dry-run`: the plan is made in memory and the messages due now are shown, unsent.
func remindPreview(ctx context.Context, e *env, office *assembly.Office, due []ingest.SourceSpec, now time.Time) error {
	names := make([]string, len(due))
	for i, s := range due {
		names[i] = s.Name
	}
	if len(names) > 0 {
		fmt.Fprintf(e.stdout, "a run would first sync %s (not synced: dry run)\n", strings.Join(names, ", "))
	}
	res, err := office.Planner.Plan(ctx)
	if err != nil {
		return err
	}
	msgs, err := office.Dispatcher.Preview(ctx, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "would plan %d new, cancel %d stale; %d message(s) due at %s (dry run, nothing written or sent)\n",
		res.Planned, res.Cancelled, len(msgs), now.Format("2006-01-02 15:04 MST"))
	for _, m := range msgs {
		enc, segs := docket.Segments(m.Text)
		fmt.Fprintf(e.stdout, "\n--- %s to %s (%s", m.Channel, previewAddress(m.To), m.Language)
		if m.Channel == docket.SMS {
			fmt.Fprintf(e.stdout, ", %d %s segment(s)", segs, enc)
		}
		fmt.Fprintln(e.stdout, ")")
		if m.Subject != "" {
			fmt.Fprintln(e.stdout, "Subject:", m.Subject)
		}
		previewChannel(e.stdout, office.Dispatcher.Senders, m)
		fmt.Fprintln(e.stdout, m.Text)
	}
	lists, err := office.CallLists.Preview(ctx, now)
	if err != nil {
		return err
	}
	for _, m := range lists {
		fmt.Fprintf(e.stdout, "\n--- call list by email to %s (%s)\n", docket.MaskContact(m.To), m.Language)
		fmt.Fprintln(e.stdout, "Subject:", m.Subject)
		// The list names clients with their phones and A-numbers, which counsel's email carries in full; a preview
		// on a terminal (or in a cron log) shows them masked.
		fmt.Fprintln(e.stdout, docket.MaskText(m.Text))
	}
	return nil
}
