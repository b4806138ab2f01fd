package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReloadOfTheSameFileNeedsNoRestart(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, nil)
	old, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	same, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if keys := restartKeys(old, same); len(keys) != 0 {
		t.Errorf("the example config read twice: restart needed for %v, want none", keys)
	}
	changed := testConfig(t, dir, func(s string) string {
		return strings.Replace(s, "provider_keywords = true", "provider_keywords = false", 1)
	})
	cfg, err := loadConfig(changed)
	if err != nil {
		t.Fatal(err)
	}
	if keys := restartKeys(old, cfg); !slices.Equal(keys, []string{"sms"}) {
		t.Errorf("provider_keywords changed: restart needed for %v, want [sms]", keys)
	}
}

func TestCheckPrintHidesAPasswordInTheDatabaseURLQuery(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		return strings.Replace(s, `url = "sqlite:`+filepath.Join(dir, "test.db")+`"`,
			`url = "postgres://docketd@127.0.0.1:1/docketd?password=pg-s3cret&sslmode=disable"`, 1)
	})
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path, "--print"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "pg-s3cret") || !strings.Contains(out.String(), "password=xxxxx") {
		t.Errorf("check --print shows the database password or hides the URL whole:\n%s", out)
	}
}

func TestCheckPrintsWarnings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docketd.toml")
	if err := os.WriteFile(path, []byte("[organization]\nname = \"Office\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, _ := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatal(err)
	}
	if want := "warning: " + path + ": reminders: no [[reminders.policy]]: no reminder will be sent"; !strings.Contains(out.String(), want) {
		t.Errorf("check output lacks %q:\n%s", want, out)
	}
}
