package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
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
		"-feed-round", "20ms", "-burst", "40", "-burst-rate", "200", "-latency", "5ms"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	for _, want := range []string{
		"import 300 rows", "import peak RSS", "re-sync unchanged file", "re-sync rows written", "plan 3 reminders",
		"render a 50-event feed", "serve feed 200", "serve feed 304", "dispatch 20 SMS", "burst of 40 at one instant", "lateness p99",
		"reminders sent exactly once", "daemon peak RSS", "daemon RSS", "daemon start to /readyz",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
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
