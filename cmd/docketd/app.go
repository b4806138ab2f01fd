package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
)

// Exit statuses (SPEC §7).
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2 // bad usage or bad config
)

// exitError carries an exit status with an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func exitCode(err error) int {
	var e *exitError
	if errors.As(err, &e) {
		return e.code
	}
	if err != nil {
		return exitFailure
	}
	return exitOK
}

// env is what a command may touch of the outside world; tests replace every part.
type env struct {
	stdout, stderr io.Writer
	// stdin is what `staff hash` reads a piped password from; nil means os.Stdin.
	stdin  io.Reader
	getenv func(string) string
	now    func() time.Time
	// clock drives the daemon's scheduler and dispatcher; nil means the real clock.
	clock clockwork.Clock
	// onListen, when set, is told the address the daemon's HTTP server listens on.
	onListen func(addr string)
	// onReady, when set, is called once the daemon is ready.
	onReady func()
	// reload, when set, delivers reload requests to the daemon (SIGHUP in production).
	reload <-chan struct{}
	// onReload, when set, is told the outcome of each reload.
	onReload func(error)
}

type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "[--watch-config]", "run the daemon: sync, reminders, feeds and webhooks", cmdRun},
		{"check", "[--print]", "validate the config and templates; exit 2 if invalid", cmdCheck},
		{"sync", "[--source NAME] [--force]", "one sync pass over the sources; prints what changed", cmdSync},
		{"hearings", "[--days N] [--court CODE] [--all] [--format table|json]", "list upcoming hearings", cmdHearings},
		{"remind", "[--dry-run] [--now T]", "sync the sources due, plan reminders, send everything due now, exit (cron-friendly)", cmdRemind},
		{"outbox", "[--state STATE] [--format table|json]", "reminders and their delivery state", cmdOutbox},
		{"status", "[--format table|json]", "last sync per source, outbox counts, opt-outs", cmdStatus},
		{"inbox", "[--all] [--format table|json] | done ID... [--by NAME]", "clients' texts for staff, newest first; done ID... marks them handled", cmdInbox},
		{"feed", "grant|list|revoke|export", "calendar feed URLs: grant, list, revoke; export a feed", cmdFeed},
		{"migrate", "[--status]", "bring the database schema up to date", cmdMigrate},
		{"backup", "PATH", "write a consistent copy of a SQLite database", cmdBackup},
		{"staff", "hash", "print a password hash for a [[staff]] entry (the office's page sign-in)", cmdStaff},
		{"version", "", "print the version", cmdVersion},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	e := &env{stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now}
	return e.dispatch(ctx, args)
}

func (e *env) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		e.usage(e.stdout)
		if len(args) == 0 {
			return &exitError{code: exitUsage}
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	e.usage(e.stderr)
	return usageErrorf("unknown command %q", args[0])
}

func (e *env) usage(w io.Writer) {
	fmt.Fprintln(w, "docketd keeps people from missing immigration-court hearings.")
	fmt.Fprintln(w, "\nUsage: docketd COMMAND [--config FILE] [options]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --config FILE (default $DOCKETD_CONFIG, else docketd.toml).")
	fmt.Fprintln(w, "Run 'docketd COMMAND --help' for a command's options. docs/REFERENCE.md describes every config key;")
	fmt.Fprintln(w, "config.example.toml is a working config with all of them.")
}

// flags is a command's flag set with the options every command shares.
type flags struct {
	*flag.FlagSet
	config string
	now    string
	format string
}

func (e *env) newFlags(name, args string, withNow, withFormat bool) *flags {
	f := &flags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.SetOutput(e.stderr)
	def := e.getenv("DOCKETD_CONFIG")
	if def == "" {
		def = "docketd.toml"
	}
	f.StringVar(&f.config, "config", def, "configuration `file`")
	if withNow {
		f.StringVar(&f.now, "now", "", "act as if it were this RFC 3339 `time` (previews, backfills, tests)")
	}
	if withFormat {
		f.StringVar(&f.format, "format", "table", "output `format`: table or json")
	}
	f.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: docketd %s %s\n\nOptions:\n", name, strings.TrimSpace("[--config FILE] "+args))
		f.PrintDefaults()
	}
	return f
}

// parse parses args and checks the shared options.
func (f *flags) parse(args []string) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return &exitError{code: exitOK}
		}
		return &exitError{code: exitUsage, err: err}
	}
	if f.NArg() > 0 {
		return usageErrorf("%s: unexpected argument %q", f.Name(), f.Arg(0))
	}
	if f.format != "" && f.format != "table" && f.format != "json" {
		return usageErrorf("%s: --format must be table or json, got %q", f.Name(), f.format)
	}
	if f.now != "" {
		if _, err := time.Parse(time.RFC3339, f.now); err != nil {
			return usageErrorf("%s: --now must be an RFC 3339 time like 2027-03-01T09:00:00-06:00, got %q", f.Name(), f.now)
		}
	}
	return nil
}

// clock returns --now when given, else the real clock.
func (f *flags) clock(e *env) func() time.Time {
	if f.now == "" {
		return e.now
	}
	t, _ := time.Parse(time.RFC3339, f.now)
	return func() time.Time { return t }
}
