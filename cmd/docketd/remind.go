package main

import (
	"context"
	"fmt"
	"time"

	"github.com/docketd/docketd/cmd/docketd/assembly"
	"github.com/docketd/docketd/config"
	"github.com/docketd/docketd/docket"
)

func cmdRemind(ctx context.Context, e *env, args []string) error {
	f := e.newFlags("remind", "[--dry-run] [--now T]", true, false)
	dry := f.Bool("dry-run", false, "plan, then show what is due without sending it")
	if err := f.parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	clock := assembly.ShiftedClock(time.Until(f.clock(e)()))
	office, err := assembly.Open(ctx, func() *config.Config { return cfg }, assembly.Options{Now: clock.Now,
		Clock: clock, Log: newLogger(cfg.Log, e.stderr)})
	if err != nil {
		return err
	}
	defer office.Close()
	planner, disp := office.Planner, office.Dispatcher
	if !*dry {
		if err := disp.Reconcile(ctx); err != nil {
			return err
		}
	}
	res, err := planner.Plan(ctx)
	if err != nil {
		return err
	}
	at := clock.Now().Format("2006-01-02 15:04 MST")
	if *dry {
		msgs, err := disp.Preview(ctx, clock.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "planned %d new, cancelled %d stale; %d message(s) due at %s (dry run, nothing sent)\n",
			res.Planned, res.Cancelled, len(msgs), at)
		for _, m := range msgs {
			enc, segs := docket.Segments(m.Text)
			fmt.Fprintf(e.stdout, "\n--- %s to %s (%s", m.Channel, docket.MaskContact(m.To), m.Language)
			if m.Channel == docket.SMS {
				fmt.Fprintf(e.stdout, ", %d %s segment(s)", segs, enc)
			}
			fmt.Fprintln(e.stdout, ")")
			if m.Subject != "" {
				fmt.Fprintln(e.stdout, "Subject:", m.Subject)
			}
			fmt.Fprintln(e.stdout, m.Text)
		}
		return nil
	}
	n, err := disp.DispatchDue(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "planned %d new, cancelled %d stale; handled %d due at %s\n", res.Planned, res.Cancelled, n, at)
	return nil
}
