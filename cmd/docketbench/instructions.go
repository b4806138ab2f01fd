package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Instruction counts are the one figure a shared, noisy machine does not move: -instructions runs each hot path's
// benchmark under valgrind's callgrind at two iteration counts and reports the difference, one operation's
// instructions whatever its setup cost, beside the count recorded in instructions.tsv (-record writes it). A
// regression shows as a ratio above 1 even when the timings swing.

// hotPath is one benchmark counted: its package (relative to the module root), its -test.bench pattern, what one
// of its operations is, and the two iteration counts whose difference is counted (more for a short operation, so
// that one operation is not lost among the setup's).
type hotPath struct {
	pkg, bench, what string
	runs             [2]int
}

var hotPaths = []hotPath{
	{"./cmd/docketbench", "^BenchmarkHotImport$", "import of 1,000 rows into a new SQLite store", [2]int{1, 3}},
	{"./cmd/docketbench", "^BenchmarkHotPlan$", "first plan of 500 hearings (1,500 texts)", [2]int{1, 3}},
	{"./cmd/docketbench", "^BenchmarkHotPlanAgain$", "plan of 500 hearings with nothing new", [2]int{1, 5}},
	{"./cmd/docketbench", "^BenchmarkHotDispatch$", "dispatch of 100 texts to a local fake Twilio", [2]int{1, 3}},
	{"./feed", "^BenchmarkFeed5000$/^one-change$", "5,000-event feed after one change", [2]int{5, 25}},
	{"./feed", "^BenchmarkFeed5000$/^cold$", "5,000-event feed from no pieces", [2]int{1, 3}},
}

// instructionCounts is where the recorded counts are kept, relative to the module root.
const instructionCounts = "cmd/docketbench/instructions.tsv"

// instructionSlack is how far above its recorded count a path may go before the row says so.
const instructionSlack = 1.05

// countInstructions counts each hot path's instructions per operation and prints them beside the recorded counts;
// with record set it then records the new counts in their place.
func countInstructions(ctx context.Context, o *options, record bool, stdout, stderr io.Writer) error {
	valgrind, err := exec.LookPath("valgrind")
	if err != nil {
		return errors.New("-instructions needs valgrind (Debian package valgrind)")
	}
	root := o.Repo
	if root == "" {
		if root, err = moduleRoot("."); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "docketbench-callgrind-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bins := map[string]string{}
	for _, h := range hotPaths {
		if bins[h.pkg] != "" {
			continue
		}
		bin := filepath.Join(dir, strings.NewReplacer("/", "_", ".", "_").Replace(h.pkg)+".test")
		build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, h.pkg)
		build.Dir, build.Stderr = root, stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build %s: %w", h.pkg, err)
		}
		bins[h.pkg] = bin
	}
	recorded, err := readCounts(filepath.Join(root, instructionCounts))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	counts := map[string]float64{}
	var rows []row
	for _, h := range hotPaths {
		fmt.Fprintf(stderr, "docketbench: callgrind %s %s…\n", h.pkg, h.bench)
		var ir [2]float64
		for i, n := range h.runs {
			if ir[i], err = callgrind(ctx, valgrind, bins[h.pkg], filepath.Join(root, h.pkg), h.bench, n, dir); err != nil {
				return fmt.Errorf("%s %s: %w", h.pkg, h.bench, err)
			}
		}
		per := (ir[1] - ir[0]) / float64(h.runs[1]-h.runs[0])
		counts[h.bench] = per
		what := "instructions: " + h.what
		if was, ok := recorded[h.bench]; ok {
			rows = append(rows, lower(what, per, was, giga, instructionSlack))
		} else {
			rows = append(rows, row{what: what, figure: giga(per), limit: "—", ratio: 1, target: "recorded", ok: true})
		}
	}
	if record {
		if err := writeCounts(filepath.Join(root, instructionCounts), counts); err != nil {
			return err
		}
	}
	printTable(stdout, o, rows)
	return nil
}

// callgrind runs bench n times under callgrind and returns the instructions the whole process executed. Go's
// asynchronous preemption is off (callgrind does not survive its signals), and so is the garbage collector, on one
// processor: whether a collection falls inside the counted iterations, and how long idle threads spin, would
// otherwise move a count by more than a regression does. The counts are then the code's own work; what it
// allocates shows in the benchmarks' -benchmem.
func callgrind(ctx context.Context, valgrind, bin, pkgDir, bench string, n int, dir string) (float64, error) {
	out := filepath.Join(dir, fmt.Sprintf("callgrind.%d.out", n))
	cmd := exec.CommandContext(ctx, valgrind, "--tool=callgrind", "--callgrind-out-file="+out, bin,
		"-test.run", "^$", "-test.bench", bench, "-test.benchtime", fmt.Sprintf("%dx", n), "-test.count", "1")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "GODEBUG=asyncpreemptoff=1", "GOGC=off", "GOMAXPROCS=1")
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%w\n%s", err, tail(log.String()))
	}
	if !strings.Contains(log.String(), "PASS") || strings.Contains(log.String(), "FAIL") {
		return 0, fmt.Errorf("the benchmark did not pass:\n%s", tail(log.String()))
	}
	f, err := os.Open(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "summary: "); ok {
			return strconv.ParseFloat(strings.Fields(v)[0], 64)
		}
	}
	return 0, fmt.Errorf("no summary line in %s", out)
}

func giga(f float64) string { return fmt.Sprintf("%.3f G", f/1e9) }

var countLine = regexp.MustCompile(`^(\S+)\t([0-9.e+]+)$`)

// readCounts reads instructions.tsv: a benchmark pattern and its instructions per operation, tab-separated, one a
// line; lines starting with # are comments.
func readCounts(path string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := countLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("%s: bad line %q", path, line)
		}
		v, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[m[1]] = v
	}
	return out, nil
}

func writeCounts(path string, counts map[string]float64) error {
	var b strings.Builder
	b.WriteString("# Instructions per operation of each hot path, counted by `docketbench -instructions -record` under\n")
	b.WriteString("# valgrind's callgrind (see instructions.go). A later -instructions run prints its counts beside these.\n")
	for _, h := range hotPaths {
		fmt.Fprintf(&b, "%s\t%.0f\n", h.bench, counts[h.bench])
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
