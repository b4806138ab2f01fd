package main

import (
	"context"
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
