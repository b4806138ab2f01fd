package main

import (
	"context"
	"encoding/json"
	"mime"
	"strings"
	"testing"

	"github.com/docketd/docketd/smtptest"
)

// withoutCallLists drops counsel's call lists from msgs, leaving the reminders: a demo family that has not
// confirmed is on Lucía Fernández's list whenever their hearing is near.
func withoutCallLists(msgs []smtptest.Message) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range msgs {
		subject, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if strings.HasPrefix(subject, "Call list for ") || strings.HasPrefix(subject, "Llamadas del ") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// `docketd remind` sends counsel's call list when it is due, through the configured email channel, once a day
// however often cron runs it; `docketd status` counts it.
func TestRemindSendsTheCallListOnceADayAndStatusCountsIt(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	ctx := context.Background()
	// Feb 6 at 8:00 and 9:00 in Dallas: the Mendoza family's hearing is on Feb 8 at 8:30 and nobody confirmed.
	// A dry run before and after shows the list while it is still to go out, and not once it has.
	preview := func(want bool) {
		t.Helper()
		e, out, _ := testEnv()
		if err := e.dispatch(ctx, []string{"remind", "--config", path, "--now", "2028-02-06T15:30:00Z", "--dry-run"}); err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(out.String(), "--- call list by email to ") &&
			strings.Contains(out.String(), "Subject: Llamadas del domingo 6 de febrero: 4 clientes")
		if got != want {
			t.Errorf("dry run shows the call list: %v, want %v:\n%s", got, want, out)
		}
		if strings.Contains(out.String(), "lfernandez@frontera-legal.example") {
			t.Errorf("dry run prints counsel's address in clear:\n%s", out)
		}
		// The list is the phones and A-numbers of every client to call: a preview shows them masked.
		_, list, _ := strings.Cut(out.String(), "--- call list by email to ")
		for _, clear := range []string{"+12145550142", "A201-555-101"} {
			if strings.Contains(list, clear) {
				t.Errorf("dry run's call list shows %s in clear:\n%s", clear, list)
			}
		}
	}
	if e, out, logs := testEnv(); e.dispatch(ctx, []string{"sync", "--config", path}) != nil {
		t.Fatalf("sync:\n%s\n%s", out, logs)
	}
	preview(true)
	for i, at := range []string{"2028-02-06T14:00:00Z", "2028-02-06T15:00:00Z"} {
		e, out, logs := testEnv()
		if err := e.dispatch(ctx, []string{"remind", "--config", path, "--now", at}); err != nil {
			t.Fatal(err)
		}
		lists := strings.Count(logs.String(), `msg="call list sent"`)
		if want := 1 - i; lists != want {
			t.Errorf("run %d: %d call lists sent, want %d:\n%s\n%s", i+1, lists, want, out, logs)
		}
		if i == 0 && !strings.Contains(out.String(), "sent 1 call list(s) naming 4 client(s)") {
			t.Errorf("run 1 does not say what it sent:\n%s", out)
		}
		if strings.Contains(logs.String(), "lfernandez@frontera-legal.example") {
			t.Errorf("run %d logged counsel's address in clear:\n%s", i+1, logs)
		}
	}
	preview(false)
	e, out, _ := testEnv()
	if err := e.dispatch(ctx, []string{"status", "--config", path, "--now", "2028-02-06T16:00:00Z", "--format", "json"}); err != nil {
		t.Fatal(err)
	}
	var st []statusJSON
	if err := json.Unmarshal([]byte(out.String()), &st); err != nil {
		t.Fatal(err)
	}
	if got, want := st[0].CallLists, (callListsJSON{Sent: 1, Today: 1, Clients: 4}); got != want {
		t.Errorf("status call lists: %+v, want %+v", got, want)
	}
}
