package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/docketd/docketd/smtptest"
)

// TestRemindAndRunSendCounselTheSameEmail is the office's cron path beside its daemon path: one store is synced and
// its reminders planned, then copied; the daemon sends the due reminders of one copy, a cron `docketd remind` those
// of the other. For the same outbox row counsel must get the same email either way, calendar invitation included.
func TestRemindAndRunSendCounselTheSameEmail(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2028, 2, 7, 10, 0, 0, 0, chicago) // one day before the household's hearing, at 10:00 Dallas time
	start := due.Add(-2 * time.Minute)
	const counsel = "lfernandez@frontera-legal.example"

	office := func(t *testing.T, dir string, clk func() time.Time, ring bell) (string, *smtptest.Server) {
		tw := newFakeTwilio(t, e2eSID, e2eToken, clk, ring)
		smtp := newFakeSMTP(t, ring)
		path := filepath.Join(dir, "docketd.toml")
		if err := os.WriteFile(path, []byte(e2eConfig(dir, tw, smtp, "2028-04-11 09:00")), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "docket.csv"), []byte(e2eDocket), 0o600); err != nil {
			t.Fatal(err)
		}
		return path, smtp
	}
	command := func(args ...string) {
		t.Helper()
		e, _, logs := testEnv()
		if err := e.dispatch(context.Background(), args); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, logs)
		}
	}

	// The office syncs its export and plans before the reminders are due; the store is then copied.
	runDir, remindDir := t.TempDir(), t.TempDir()
	clk := newTestClock(start)
	ring := newBell()
	runPath, runMail := office(t, runDir, clk.Now, ring)
	remindPath, remindMail := office(t, remindDir, time.Now, newBell())
	command("sync", "--config", runPath, "--now", start.Format(time.RFC3339))
	command("remind", "--config", runPath, "--dry-run", "--now", start.Format(time.RFC3339))
	command("backup", "--config", runPath, filepath.Join(remindDir, "docketd.db"))

	// The daemon sends from one copy when the reminders fall due ...
	d := startDaemon(t, runPath, clk, ring)
	clk.until(t, clk.Now(), "the daemon's sync of the export", ring, func() bool {
		return d.logs.find(0, `msg="sync done"`, "source=office-export") >= 0
	})
	clk.asleepBy(t, due)
	clk.until(t, due.Add(5*time.Minute), "counsel's email from the daemon", ring, func() bool {
		return d.scrape(t)[sample("docketd_outbox_rows", "state", "sent")] >= 8
	})
	if err := d.stop(t); err != nil {
		t.Fatal(err)
	}
	// ... and a cron `docketd remind` from the other.
	command("remind", "--config", remindPath, "--now", due.Add(time.Minute).Format(time.RFC3339))

	fromRun, fromRemind := withoutCallLists(runMail.To(counsel)), withoutCallLists(remindMail.To(counsel))
	if len(fromRun) != 1 || len(fromRemind) != 1 {
		t.Fatalf("emails to counsel: daemon %d, remind %d; want 1 each", len(fromRun), len(fromRemind))
	}
	// What a transport makes anew for every send (the Date, MIME boundaries) is left out; everything else must be
	// the same for the same outbox row.
	runHeaders, runParts := mailParts(t, fromRun[0].Data)
	remindHeaders, remindParts := mailParts(t, fromRemind[0].Data)
	for _, k := range []string{"From", "To", "Subject", "Message-Id", "List-Unsubscribe", "Auto-Submitted"} {
		if got, want := remindHeaders.Get(k), runHeaders.Get(k); got != want {
			t.Errorf("%s: remind %q, daemon %q", k, got, want)
		}
	}
	var types []string
	for _, p := range runParts {
		types = append(types, p.mediaType)
	}
	if !slices.Contains(types, "text/calendar") {
		t.Fatalf("the daemon's email to counsel has no invitation: parts %v", types)
	}
	if len(runParts) != len(remindParts) {
		t.Fatalf("parts: daemon %d %v, remind %d", len(runParts), types, len(remindParts))
	}
	for i := range runParts {
		if got, want := remindParts[i], runParts[i]; got.mediaType != want.mediaType ||
			!maps.Equal(got.params, want.params) || !bytes.Equal(got.body, want.body) {
			t.Errorf("part %d (%s) differs:\n--- daemon ---\n%s\n--- remind ---\n%s", i, want.mediaType, want.body,
				got.body)
		}
	}
	if t.Failed() {
		fmt.Fprintf(os.Stderr, "daemon's email:\n%s\n", fromRun[0].Data)
	}
}
