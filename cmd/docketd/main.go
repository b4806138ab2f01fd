// Command docketd keeps people from missing immigration-court hearings: it syncs hearing dates, publishes calendar
// feeds for counsel, and sends reminders to clients in their language.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // every court's zone must load, even on images without a zone database
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(os.Stderr, "docketd:", msg)
		}
		os.Exit(exitCode(err))
	}
}
