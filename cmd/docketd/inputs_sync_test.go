package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
)

// A docket row naming an attorney the config does not have keeps its hearing, and `docketd sync` says so with the
// row's line and the name given, in its output and in the log.
func TestSyncReportsAnUnknownAttorneyWithItsLine(t *testing.T) {
	cfgPath, docketPath := syncTestConfig(t, nil)
	data, err := os.ReadFile(docketPath)
	if err != nil {
		t.Fatal(err)
	}
	row := "EV-11003,A212-555-919,Awa Diallo,(214) 555-0164,fr,Dana Okaforr,05/02/2028,11:30 AM,DAL,Bond,\"Example, Judge\",Video\n"
	if err := os.WriteFile(docketPath, append(data, row...), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
		t.Fatalf("sync: %v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "office-export: 7 created, 0 changed, 0 cancelled, 0 unchanged, 1 rejected") {
		t.Errorf("sync output: got %q, want the row's hearing created and the row reported", out)
	}
	log := errb.String()
	if !strings.Contains(log, "line=8") || !strings.Contains(log, `attorney \"Dana Okaforr\" is not the id or name`) {
		t.Errorf("log: got %q, want line 8 naming the attorney given", log)
	}
}

// A docket saved by a European-locale spreadsheet (';' between fields) fails its source with a message naming the
// separator to set; with separator = ";" it reads.
func TestSyncOfASemicolonDocket(t *testing.T) {
	cfgPath, docketPath := syncTestConfig(t, nil)
	data, err := os.ReadFile(docketPath)
	if err != nil {
		t.Fatal(err)
	}
	// Every separating comma becomes ';'; the commas inside the example's quoted fields stay.
	var b strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		inQuote := false
		for _, r := range line {
			if r == '"' {
				inQuote = !inQuote
			}
			if r == ',' && !inQuote {
				r = ';'
			}
			b.WriteRune(r)
		}
	}
	if err := os.WriteFile(docketPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, _ := testEnv()
	err = e.dispatch(context.Background(), []string{"sync", "--config", cfgPath})
	if err == nil || !strings.Contains(out.String(), `set separator = ";" on this source`) {
		t.Errorf("sync with ',': err %v, output %q; want the source failed naming separator = \";\"", err, out)
	}

	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(cfg), `# separator = ";"`, `separator = ";"`, 1)
	if edited == string(cfg) {
		t.Fatal("the example config has no commented separator line")
	}
	if err := os.WriteFile(cfgPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
		t.Fatalf("sync with ';': %v\n%s\n%s", err, out, errb)
	}
	if !strings.Contains(out.String(), "office-export: 6 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected") {
		t.Errorf("sync with ';': got %q, want the docket's six hearings", out)
	}
}

// `docketd check` warns of a [[hearings]] start the clocks pass twice, naming the instant kept, and rejects one they
// jump over, with its line.
func TestCheckOfAHearingAtAnAmbiguousOrMissingLocalTime(t *testing.T) {
	dir := t.TempDir()
	path := testConfig(t, dir, func(s string) string {
		return strings.Replace(s, `start = "2028-02-08 08:30"`, `start = "2027-11-07 01:30"`, 1)
	})
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatalf("check: %v\n%s", err, errb)
	}
	if !strings.Contains(out.String(), "hearings[0].start: 01:30 happens twice on 2027-11-07 in DAL "+
		"(America/Chicago): the clocks go back an hour over it; the first is kept, 01:30 CDT (2027-11-07T06:30:00Z)") {
		t.Errorf("check: got %q, want the repeated hour warned of", out)
	}

	path = testConfig(t, dir, func(s string) string {
		return strings.Replace(s, `start = "2028-02-08 08:30"`, `start = "2027-03-14 02:30"`, 1)
	})
	src, _ := os.ReadFile(path)
	line := strings.Count(string(src[:strings.Index(string(src), `start = "2027-03-14 02:30"`)]), "\n") + 1
	e, _, _ = testEnv()
	err := e.dispatch(context.Background(), []string{"check", "--config", path})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf(":%d:1: hearings[0].start: 02:30 does not exist on 2027-03-14", line)) {
		t.Errorf("check: got %v, want the missing hour as a problem at line %d", err, line)
	}
}
