package main

import (
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
