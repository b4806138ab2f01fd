package main

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// relativeOffice writes the example config with a relative database path (as the example ships) into an office
// folder, and returns the config's path and the folder.
func relativeOffice(t *testing.T) (cfgPath, office string) {
	t.Helper()
	office = t.TempDir()
	cfgPath = testConfig(t, office, func(s string) string {
		return strings.Replace(s, `url = "sqlite:`+filepath.Join(office, "test.db")+`"`, `url = "sqlite:office.db"`, 1)
	})
	return cfgPath, office
}

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Run from another folder (a cron job, a service manager, a user who cd'd elsewhere), every command opens the
// database beside the config and reads the CSV beside it: one office, one database.
func TestCommandsFromAnotherFolderUseTheConfigsDatabase(t *testing.T) {
	cfgPath, office := relativeOffice(t)
	t.Chdir(office)
	e, _, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", "docketd.toml"}); err != nil {
		t.Fatalf("sync: %v\n%s", err, errb)
	}
	if _, err := os.Stat(filepath.Join(office, "office.db")); err != nil {
		t.Fatalf("sync made no database beside the config: %v", err)
	}

	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"status", "--config", cfgPath}); err != nil {
		t.Fatalf("status: %v\n%s", err, errb)
	}
	for _, want := range []string{"Clients: 9", "office-export", "Upcoming hearings: 13 scheduled"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status from another folder lacks %q (the office synced from its own folder):\n%s", want, out)
		}
	}
	week := "2028-02-01T16:00:00Z" // a week before the Mendoza family's hearing
	e, out, errb = testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath, "--now", week}); err != nil {
		t.Fatalf("remind: %v\n%s", err, errb)
	}
	if !regexp.MustCompile(`handled [1-9]\d* due`).MatchString(out.String()) {
		t.Errorf("remind from another folder: %s", out)
	}
	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"outbox", "--config", cfgPath, "--state", "sent"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "sent") {
		t.Errorf("the config's database holds no sent reminder after remind ran elsewhere:\n%s", out)
	}
	if got := files(t, elsewhere); len(got) != 0 {
		t.Errorf("commands run from another folder left %v there", got)
	}
}

// A command that only shows what is stored says the database is missing and creates none.
func TestStatusCommandsOnAMissingDatabaseCreateNothing(t *testing.T) {
	cfgPath, office := relativeOffice(t)
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"migrate", "--status"}, {"status"}, {"remind", "--dry-run"}, {"hearings"}, {"outbox"}} {
		e, out, errb := testEnv()
		err := e.dispatch(context.Background(), append(args, "--config", cfgPath))
		if exitCode(err) == exitOK {
			t.Errorf("%v on a missing database: exit 0\n%s%s", args, out, errb)
			continue
		}
		if want := "no database at " + filepath.Join(office, "office.db"); !strings.Contains(err.Error(), want) {
			t.Errorf("%v: got %v, want it to say %q", args, err, want)
		}
		if _, err := os.Stat(filepath.Join(office, "office.db")); err == nil {
			t.Fatalf("%v created the database", args)
		}
	}
}

// A cron `remind` syncs the sources that are due and only those: a source's every counts from its last run.
func TestRemindSyncsTheSourcesThatAreDue(t *testing.T) {
	cfgPath, office := relativeOffice(t) // office-export: every = "30m"
	csv := filepath.Join(office, "examples", "docket.csv")
	e, out, errb := testEnv() // 2027-11-01 12:00 UTC
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath}); err != nil {
		t.Fatalf("remind: %v\n%s", err, errb)
	}
	if want := "office-export: 6 created"; !strings.Contains(out.String(), want) {
		t.Fatalf("first remind did not sync the CSV (want %q):\n%s", want, out)
	}

	// The CSV loses a row; ten minutes later the source is not due and is not read.
	data, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if err := os.WriteFile(csv, []byte(strings.Join(lines[:len(lines)-2], "")+lines[len(lines)-1]), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath, "--now", "2027-11-01T12:10:00Z"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "office-export") {
		t.Errorf("remind 10 minutes after a sync read a source due every 30m:\n%s", out)
	}
	// Half an hour after the first, it is due again and is read.
	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath, "--now", "2027-11-01T12:30:00Z"}); err != nil {
		t.Fatal(err)
	}
	if want := "office-export: 0 created, 0 changed, 0 cancelled, 5 unchanged"; !strings.Contains(out.String(), want) {
		t.Errorf("remind 30 minutes after a sync: want %q:\n%s", want, out)
	}
}

// remind --dry-run writes nothing, and shows what the run after it sends.
func TestRemindDryRunWritesNothing(t *testing.T) {
	cfgPath, office := relativeOffice(t)
	e, _, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
		t.Fatalf("sync: %v\n%s", err, errb)
	}
	db := filepath.Join(office, "office.db")
	before := fileHash(t, db)
	names := files(t, office)
	week := "2028-02-01T16:00:00Z"
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath, "--dry-run", "--now", week}); err != nil {
		t.Fatalf("dry run: %v\n%s", err, errb)
	}
	if got := fileHash(t, db); got != before {
		t.Errorf("remind --dry-run changed the database")
	}
	if got := files(t, office); !slices.Equal(got, names) {
		t.Errorf("remind --dry-run left files: before %v, after %v", names, got)
	}
	e, outb, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"outbox", "--config", cfgPath, "--format", "json"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(outb.String()); got != "[]" {
		t.Errorf("outbox after a dry run: %s", got)
	}
	preview := out.String()
	if !strings.Contains(preview, "1 message(s) due") || !strings.Contains(preview, "a run would first sync office-export") {
		t.Errorf("dry run:\n%s", preview)
	}

	// The real run sends exactly the messages the dry run showed.
	e, _, logs := testEnv()
	if err := e.dispatch(context.Background(), []string{"remind", "--config", cfgPath, "--now", week}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(logs.String(), "component=sms")+strings.Count(logs.String(), "component=email"),
		strings.Count(preview, "\n--- "); got != want {
		t.Errorf("the run sent %d messages, the dry run showed %d:\n%s\n%s", got, want, preview, logs)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}
