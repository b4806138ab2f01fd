package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syncTestConfig writes the example config and a copy of the example docket beside it, where its relative path
// points, so the test also shows paths are read from the config's folder.
func syncTestConfig(t *testing.T, edit func(string) string) (cfgPath, docketPath string) {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/docket.csv")
	if err != nil {
		t.Fatal(err)
	}
	docketPath = filepath.Join(dir, "examples", "docket.csv")
	if err := os.MkdirAll(filepath.Dir(docketPath), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docketPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return testConfig(t, dir, edit), docketPath
}

func TestSyncCommandPrintsCountsPerSource(t *testing.T) {
	cfgPath, _ := syncTestConfig(t, nil)
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
		t.Fatalf("sync: %v\n%s", err, errb)
	}
	want := "config: 5 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected\n" +
		"office-export: 6 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected\n"
	if got := out.String(); got != want {
		t.Errorf("first sync: got %q, want %q", got, want)
	}

	e, out, errb = testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath, "--source", "office-export",
		"--now", "2027-11-02T09:00:00-05:00"}); err != nil {
		t.Fatalf("sync --source: %v\n%s", err, errb)
	}
	if got, want := out.String(), "office-export: 0 created, 0 changed, 0 cancelled, 6 unchanged, 0 rejected\n"; got != want {
		t.Errorf("second sync: got %q, want %q", got, want)
	}

	// The El Paso row is in Mountain time, as the court keeps it.
	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"hearings", "--config", cfgPath, "--court", "ELP"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1:00 PM MDT") {
		t.Errorf("hearings at ELP: want the docket's 1:00 PM MDT hearing, got:\n%s", out)
	}
}

func TestSyncCommandFailures(t *testing.T) {
	complete := func(s string) string {
		return strings.Replace(s, "complete = false ", "complete = true  ", 1)
	}
	tests := []struct {
		name     string
		edit     func(string) string
		damage   func(t *testing.T, docket string)
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in the returned error
	}{
		{"unknown source", nil, nil, []string{"--source", "nope"}, exitUsage, "",
			`no source named "nope" (sources: office-export)`},
		{"file gone", nil, func(t *testing.T, docket string) { os.Remove(docket) }, nil, exitFailure,
			"office-export: failed, nothing changed", "office-export failed"},
		{"complete file cut down", complete, func(t *testing.T, docket string) {
			data, _ := os.ReadFile(docket)
			lines := strings.SplitAfter(string(data), "\n")
			os.WriteFile(docket, []byte(strings.Join(lines[:3], "")), 0o600)
		}, nil, exitOK, "(4 missing, within grace)", ""}, // fewer than max_change_min changes: never held
		{"complete file cut down, forced", complete, func(t *testing.T, docket string) {
			data, _ := os.ReadFile(docket)
			lines := strings.SplitAfter(string(data), "\n")
			os.WriteFile(docket, []byte(strings.Join(lines[:3], "")), 0o600)
		}, []string{"--force"}, exitOK, "(4 missing, within grace)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath, docket := syncTestConfig(t, tt.edit)
			e, _, errb := testEnv()
			if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
				t.Fatalf("first sync: %v\n%s", err, errb)
			}
			if tt.damage != nil {
				tt.damage(t, docket)
			}
			e, out, _ := testEnv()
			err := e.dispatch(context.Background(), append([]string{"sync", "--config", cfgPath}, tt.args...))
			if got, want := exitCode(err), tt.wantCode; got != want {
				t.Fatalf("exit: got %d, want %d (err %v, out %s)", got, want, err, out)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout: got %q, want it to contain %q", out, tt.wantOut)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error: got %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}
