package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestRemindPreviewsThenSendsOnceThroughTheLogChannel(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	week := "2028-02-01T16:00:00Z" // 10:00 in Dallas, a week before the Mendoza family's hearing

	// A dry run reads the database as it stands and creates none: the office has synced once.
	e, _, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", path}); err != nil {
		t.Fatal(err)
	}
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", path, "--dry-run", "--now", week}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 message(s) due", "sms to +1******0142 (es", "Rosa, Jorge, Valeria y Mateo",
		"8:30 a. m.", "nothing written or sent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}

	for i := 0; i < 2; i++ {
		e, _, logs := testEnv()
		if err := e.dispatch(context.Background(), []string{"remind", "--config", path, "--now", week}); err != nil {
			t.Fatal(err)
		}
		sent := strings.Count(logs.String(), "component=sms")
		if want := 1 - i; sent != want {
			t.Errorf("run %d: the log channel printed %d texts, want %d:\n%s", i+1, sent, want, logs)
		}
		if strings.Contains(logs.String(), "+12145550142") {
			t.Errorf("run %d logged the family's phone in clear:\n%s", i+1, logs)
		}
	}

	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"outbox", "--config", path, "--state", "sent", "--format", "json"}); err != nil {
		t.Fatal(err)
	}
	var rows []outboxJSON
	if err := json.Unmarshal([]byte(out.String()), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 { // one message, four rows: the household
		t.Errorf("sent rows: got %d, want 4", len(rows))
	}
}
