package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestEveryCommandsHelpExitsZeroWithItsUsage runs `docketd COMMAND --help` (and -h) for every command and every
// feed subcommand: each must exit 0 and print its own usage line, without reading a config file.
func TestEveryCommandsHelpExitsZeroWithItsUsage(t *testing.T) {
	var names [][]string
	for _, c := range commands() {
		names = append(names, []string{c.name})
	}
	for _, sub := range []string{"grant", "list", "revoke", "export"} {
		names = append(names, []string{"feed", sub})
	}
	for _, name := range names {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string{}, name...), flag)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				e, out, errb := testEnv()
				err := e.dispatch(context.Background(), args)
				if got := exitCode(err); got != exitOK {
					t.Fatalf("exit status %d, want 0 (err %v)\nstderr:\n%s", got, err, errb)
				}
				usage := out.String() + errb.String()
				want := "Usage: docketd " + strings.Join(name, " ")
				if name[0] == "feed" && len(name) == 1 {
					want = "Usage: docketd feed SUBCOMMAND"
				}
				if !strings.Contains(usage, want) {
					t.Fatalf("output lacks %q:\n%s", want, usage)
				}
				if !strings.Contains(usage, "-config") && name[0] != "feed" {
					t.Fatalf("usage does not list --config:\n%s", usage)
				}
			})
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		e, out, _ := testEnv()
		if err := e.dispatch(context.Background(), args); exitCode(err) != exitOK {
			t.Fatalf("docketd %s: exit status %d, want 0", args[0], exitCode(err))
		}
		for _, c := range commands() {
			if !strings.Contains(out.String(), "  "+c.name+" ") {
				t.Fatalf("docketd %s does not list %s:\n%s", args[0], c.name, out)
			}
		}
	}
}

// TestRunLogsItsProcessIDFirst checks that the daemon's first log line names its process id, so an admin can send
// it SIGHUP (`kill -HUP PID`) rather than signalling whatever started it.
func TestRunLogsItsProcessIDFirst(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	d := startDaemon(t, path, newTestClock(time.Date(2027, 11, 1, 12, 0, 0, 0, time.UTC)), newBell())
	lines := d.logs.lines()
	if len(lines) == 0 {
		t.Fatal("the daemon logged nothing")
	}
	if want := "pid=" + strconv.Itoa(os.Getpid()); !strings.Contains(lines[0], want) {
		t.Fatalf("first log line lacks %s:\n%s", want, lines[0])
	}
}
