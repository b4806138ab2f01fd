package main

import (
	"context"
	"strings"
	"testing"
)

// check says what each text costs in the office's languages, measured with accented names: the common reminder in
// three segments, and the longest sample of every text.
func TestCheckReportsWhatEachTextCosts(t *testing.T) {
	path := testConfig(t, t.TempDir(), nil)
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out, errb)
	}
	for _, want := range []string{
		"texts: es/reminder.sms: 3 segment(s) for one client in person (201 characters); longest sample",
		"texts: en/reminder.sms: 3 segment(s) for one client in person",
		"texts: es/rescheduled.sms: longest sample",
		"texts: en/cancelled.sms: longest sample",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
