package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQuickRunPrintsEveryRow runs every scenario in this process at tiny sizes: it proves the command still
// compiles against the packages it measures and that each scenario produces its figures. The figures themselves are
// not asserted; they are measurements, not tests.
func TestQuickRunPrintsEveryRow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts docketd")
	}
	var out, errb bytes.Buffer
	args := []string{"-inprocess", "-quick", "-dir", t.TempDir(), "-rows", "300", "-hearings", "200", "-events",
		"50", "-messages", "20", "-reminders", "10", "-window", "500ms", "-daemon-hearings", "100", "-settle", "0s",
		"-feed-round", "20ms", "-burst", "40", "-burst-rate", "200", "-latency", "5ms", "-rounds", "2"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	for _, want := range []string{
		"import 300 rows", "64 MiB page cache", "indexes built after", "import peak RSS", "re-sync unchanged file", "re-sync rows written", "plan 3 reminders",
		"render a 50-event feed", "serve feed 200", "serve feed 304", "dispatch 20 SMS", "burst of 40 at one instant", "lateness p99",
		"reminders sent exactly once", "daemon peak RSS", "daemon RSS", "daemon start to /readyz",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	// Compared rows ran in alternating rounds and print the spread of their ratios.
	for _, prefix := range []string{"import 300 rows", "import (vs raw load", "plan 3 reminders"} {
		if line := lineWith(out.String(), prefix); !spread.MatchString(line) {
			t.Errorf("no ratio spread: %q", line)
		}
	}
	// These hold at any size: they are counts, not timings.
	for _, line := range strings.Split(out.String(), "\n") {
		if (strings.HasPrefix(line, "re-sync rows written") || strings.HasPrefix(line, "re-sync hearings reported") ||
			strings.HasPrefix(line, "lateness: reminders sent") || strings.HasPrefix(line, "burst: reminders sent")) && !strings.HasSuffix(strings.TrimSpace(line), "ok") {
			t.Errorf("count row missed: %s", line)
		}
	}
}

// spread is how a row gives the lowest and highest ratio of its rounds.
var spread = regexp.MustCompile(`\d\.\d\d–\d+\.\d\d`)

// lineWith returns the first line of s that begins with prefix, or "".
func lineWith(s, prefix string) string {
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// TestPostgresImportAndPlan runs the PostgreSQL import and plan against COPY, at tiny sizes, in a database of its
// own on DOCKETD_TEST_POSTGRES's server (the scenarios drop the public schema of the one they are given).
func TestPostgresImportAndPlan(t *testing.T) {
	base := os.Getenv("DOCKETD_TEST_POSTGRES")
	if base == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	if testing.Short() {
		t.Skip("imports and plans on PostgreSQL")
	}
	var out, errb bytes.Buffer
	args := []string{"-inprocess", "-dir", t.TempDir(), "-rows", "300", "-hearings", "200", "-rounds", "2",
		"-only", "import-pg-copy,import-pg,plan-pg-copy,plan-pg", "-postgres", postgresDatabase(t, base)}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	for _, prefix := range []string{"import 300 rows on PostgreSQL", "plan on PostgreSQL (600 rows"} {
		if line := lineWith(out.String(), prefix); !spread.MatchString(line) {
			t.Errorf("table lacks %q with a spread:\n%s", prefix, out.String())
		}
	}
}

// postgresDatabase creates a database of the test's own on the server at base, dropped when the test ends, and
// returns its URL.
func postgresDatabase(t *testing.T, base string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("docketbench_test_%d", time.Now().UnixNano())
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func TestCombineRounds(t *testing.T) {
	got := combineRounds([]metrics{
		{"seconds": 3, "peak_rss": 10, "resync_written": 0, "resync_unchanged": 5},
		{"seconds": 1, "peak_rss": 30, "resync_written": 2, "resync_unchanged": 4},
		{"seconds": 2, "peak_rss": 20, "resync_written": 0, "resync_unchanged": 5},
	})
	want := metrics{"seconds": 2, "peak_rss": 30, "resync_written": 2, "resync_unchanged": 4}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestCompareRounds(t *testing.T) {
	c := &comparison{"plan", []string{"plan-raw"}, "seconds"}
	per := map[string][]metrics{
		"plan":     {{"seconds": 3, "rows": 6}, {"seconds": 4, "rows": 6}, {"seconds": 5, "rows": 6}},
		"plan-raw": {{"seconds": 1, "rows": 6}, {"seconds": 2, "rows": 6}, {"seconds": 2, "rows": 6}},
	}
	all := metrics{}
	if err := compareRounds(all, c, per); err != nil {
		t.Fatal(err)
	}
	k := ratioKey("plan", "plan-raw")
	if got, want := []float64{all[k+".ratio"], all[k+".ratio_min"], all[k+".ratio_max"], all[k+".rounds"]},
		[]float64{2.5, 2, 3, 3}; !slices.Equal(got, want) {
		t.Errorf("ratio, min, max, rounds: got %v, want %v", got, want)
	}
	per["plan-raw"][1]["rows"] = 5
	if err := compareRounds(metrics{}, c, per); err == nil {
		t.Error("rounds that wrote different rows: got no error")
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		check   func(*options) bool
	}{
		{"defaults are the issue's sizes", nil, false, func(o *options) bool {
			return o.Rows == 1_000_000 && o.Hearings == 1_000_000 && o.Events == 5000 && o.Reminders == 1000
		}},
		{"quick shrinks what is not set", []string{"-quick", "-rows", "7"}, false, func(o *options) bool {
			return o.Rows == 7 && o.Hearings == 100_000 && o.Window.Seconds() == 10
		}},
		{"unknown scenario", []string{"-only", "nope"}, true, nil},
		{"too many messages for the store", []string{"-messages", "5000"}, true, nil},
		{"zero rows", []string{"-rows", "0"}, true, nil},
		{"zero rounds", []string{"-rounds", "0"}, true, nil},
		{"one round by default", nil, false, func(o *options) bool { return o.Rounds == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseFlags(tt.args, &bytes.Buffer{})
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(o) {
				t.Errorf("got %+v", *o)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = float64(i + 1)
	}
	tests := []struct {
		p    float64
		want float64
	}{{0.99, 990}, {0.5, 500}, {1, 1000}, {0, 1}}
	for _, tt := range tests {
		if got := percentile(vals, tt.p); got != tt.want {
			t.Errorf("percentile(%v): got %v, want %v", tt.p, got, tt.want)
		}
	}
}
