package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
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
	for _, want := range []string{"Clients: 7", "office-export", "Upcoming hearings: 11 scheduled"} {
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
	for _, args := range [][]string{{"migrate", "--status"}, {"status"}, {"remind", "--dry-run"}} {
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
