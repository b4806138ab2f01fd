// Command docketbench measures docketd against the limits of the machine it runs on (SPEC §10, issue 8): it
// generates EOIR-shaped synthetic data, runs each scenario, and prints every figure beside a limit measured in the
// same run, as a ratio.
//
//	go run ./cmd/docketbench                 # the sizes of the issue: 1,000,000 rows and hearings
//	go run ./cmd/docketbench -quick          # 100,000 rows, a 10 s lateness window: a few minutes
//	go run ./cmd/docketbench -rows 200000 -hearings 200000 -cpuprofile /tmp/prof
//	go run ./cmd/docketbench -quick -rounds 3 -postgres postgres://…  # ratios as medians of 3 alternating rounds
//	go run ./cmd/docketbench -instructions   # the hot paths' instruction counts, beside the recorded ones
//
// Each scenario runs in a child process (this binary with -scenario NAME), so that the peak memory of one is not
// the peak of another; -inprocess runs them all in this process instead (what the test does).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "docketbench:", err)
		os.Exit(1)
	}
}

// options are the command's flags; children get the same ones.
type options struct {
	Rows       int           // data rows of the tbl_schedule file
	Hearings   int           // hearings to plan reminders for
	Events     int           // events of the feed
	Messages   int           // messages of the dispatch throughput run
	Reminders  int           // reminders of the lateness run
	Window     time.Duration // the lateness run's reminders are due over this long
	Daemon     int           // hearings held by the daemon through its first cycle
	Settle     time.Duration // how long the daemon runs on after its first cycle before its memory is read again
	FeedRound  time.Duration // how long each side of the feed serving comparison runs per round
	Dir        string        // working directory; empty means a temporary one, removed at the end
	Only       string        // comma-separated scenario names; empty means all
	Scenario   string        // set in a child: run this scenario and print its metrics as JSON
	InProcess  bool          // run scenarios in this process instead of children
	CPUProfile string        // write a CPU profile per scenario, to this prefix
	Repo       string        // module root, for building cmd/docketd
	Burst      int           // reminders of the morning burst, due at one instant
	BurstRate  float64       // [sms] rate of the burst
	Latency    time.Duration // how long the burst's fake provider takes to answer
	Postgres   string        // a PostgreSQL database the burst, import and plan also run on; emptied first
	Rounds     int           // how many times each compared figure and its limits run, alternately
	// Instructions counts the hot paths' instructions under callgrind instead of running scenarios; Record writes
	// the counts to instructions.tsv.
	Instructions, Record bool
}

// scenario is one measurement, run alone so its peak memory is its own.
type scenario struct {
	name     string
	run      func(ctx context.Context, o *options) (metrics, error)
	postgres bool // runs only with -postgres
}

// metrics are the named figures a scenario measured: durations in seconds, sizes in bytes, rates per second.
type metrics map[string]float64

// scenarios in the order they run. A figure and its limits are separate scenarios so each peak is its own, and
// so that -rounds can alternate them.
var scenarios = []scenario{
	{"import-raw", runImportRaw, false},
	{"import-raw-cache", runImportRawCache, false},
	{"import-raw-bulk", runImportRawBulk, false},
	{"import", runImport, false},
	{"plan-raw", runPlanRaw, false},
	{"plan", runPlan, false},
	{"import-pg-copy", runImportPGCopy, true},
	{"import-pg", runImportPG, true},
	{"plan-pg-copy", runPlanPGCopy, true},
	{"plan-pg", runPlanPG, true},
	{"feed", runFeed, false},
	{"dispatch", runDispatch, false},
	{"burst", runBurst, false},
	{"burst-pg", runBurstPG, true},
	{"lateness", runLateness, false},
	{"daemon", runDaemon, false},
}

// comparison is a figure held to limits that other scenarios measure, all by the metric key. With -rounds K each
// round runs the limits and then the figure, each in its own child, and the report gives the median of the K
// per-round ratios with their spread: the machine's drift over a run then shifts both sides of a ratio alike.
type comparison struct {
	figure string
	limits []string
	key    string
}

var comparisons = []comparison{
	{"import", []string{"import-raw", "import-raw-cache", "import-raw-bulk"}, "seconds"},
	{"plan", []string{"plan-raw"}, "seconds"},
	{"import-pg", []string{"import-pg-copy"}, "seconds"},
	{"plan-pg", []string{"plan-pg-copy"}, "seconds"},
}

// ratioKey names the metrics of a figure's per-round ratios to one limit: ratioKey(...)+".ratio" is their median,
// ".ratio_min" and ".ratio_max" their spread, ".rounds" how many there were.
func ratioKey(figure, limit string) string { return figure + "/" + limit }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.Scenario != "" {
		m, err := runOne(ctx, o, o.Scenario)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(m)
	}
	if o.Instructions {
		return countInstructions(ctx, o, o.Record, stdout, stderr)
	}
	if o.Dir == "" {
		dir, err := os.MkdirTemp("", "docketbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.Dir = dir
	}
	all := metrics{}
	done := map[string]bool{}
	for _, s := range scenarios {
		if !o.selected(s.name) || done[s.name] {
			continue
		}
		group, c := o.group(s.name)
		rounds := 1
		if c != nil {
			rounds = o.Rounds
		}
		per := map[string][]metrics{}
		for round := range rounds {
			for _, name := range group {
				m, err := o.runScenario(ctx, name, round, rounds, stderr)
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				per[name] = append(per[name], m)
			}
		}
		for _, name := range group {
			done[name] = true
			for k, v := range combineRounds(per[name]) {
				all[name+"."+k] = v
			}
		}
		if c != nil {
			if err := compareRounds(all, c, per); err != nil {
				return err
			}
		}
	}
	printTable(stdout, o, buildRows(o, all))
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	f := flag.NewFlagSet("docketbench", flag.ContinueOnError)
	f.SetOutput(stderr)
	quick := f.Bool("quick", false, "smaller sizes and a 10 s lateness window, for a run of a few minutes")
	f.IntVar(&o.Rows, "rows", 1_000_000, "data rows of the synthetic tbl_schedule file")
	f.IntVar(&o.Hearings, "hearings", 1_000_000, "hearings to plan 3 reminders for")
	f.IntVar(&o.Events, "events", 5000, "events of the rendered feed")
	f.IntVar(&o.Messages, "messages", 2000, "messages of the dispatch throughput run")
	f.IntVar(&o.Reminders, "reminders", 1000, "reminders of the lateness run")
	f.DurationVar(&o.Window, "window", time.Minute, "the lateness run's reminders are due over this long (real time)")
	f.IntVar(&o.Daemon, "daemon-hearings", 100_000, "hearings the daemon plans in its first cycle")
	f.DurationVar(&o.Settle, "settle", 5*time.Second, "how long the daemon runs on after its first cycle before its settled memory is read")
	f.DurationVar(&o.FeedRound, "feed-round", 700*time.Millisecond,
		"how long each side of the feed serving comparison runs, per round (3 rounds)")
	f.StringVar(&o.Dir, "dir", "", "working directory (default: a temporary one, removed at the end)")
	f.StringVar(&o.Only, "only", "", "comma-separated scenarios to run: "+scenarioNames())
	f.StringVar(&o.Scenario, "scenario", "", "run one scenario and print its metrics as JSON (used for children)")
	f.BoolVar(&o.InProcess, "inprocess", false, "run every scenario in this process (peak memory is then shared)")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of each scenario to PREFIX-SCENARIO.pprof")
	f.StringVar(&o.Repo, "repo", "", "module root holding cmd/docketd (default: found from the working directory)")
	f.IntVar(&o.Burst, "burst", 10_000, "reminders of the morning burst, all due at one instant")
	f.Float64Var(&o.BurstRate, "burst-rate", 50, "[sms] rate of the morning burst, messages per second")
	f.DurationVar(&o.Latency, "latency", 150*time.Millisecond, "how long the burst's fake Twilio takes to answer")
	f.StringVar(&o.Postgres, "postgres", "", "PostgreSQL URL the burst (with two replicas), the import and the plan "+
		"also run on (its public schema is dropped first); empty skips burst-pg, import-pg, plan-pg and their limits")
	f.IntVar(&o.Rounds, "rounds", 1, "run each compared figure and its limits this many times, alternately, and "+
		"report the median ratio with its spread (3 gives steadier ratios)")
	f.BoolVar(&o.Instructions, "instructions", false, "count the hot paths' instructions per operation under "+
		"valgrind's callgrind, beside the counts in "+instructionCounts+" (takes several minutes)")
	f.BoolVar(&o.Record, "record", false, "with -instructions: write the counts to "+instructionCounts)
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	if *quick {
		set := map[string]bool{}
		f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		def := func(name string, p *int, v int) {
			if !set[name] {
				*p = v
			}
		}
		def("rows", &o.Rows, 100_000)
		def("hearings", &o.Hearings, 100_000)
		def("messages", &o.Messages, 1000)
		def("burst", &o.Burst, 1000)
		if !set["window"] {
			o.Window = 10 * time.Second
		}
		if !set["settle"] {
			o.Settle = 3 * time.Second
		}
	}
	for _, name := range strings.Split(o.Only, ",") {
		if name != "" && !slices.ContainsFunc(scenarios, func(s scenario) bool { return s.name == name }) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", name, scenarioNames())
		}
	}
	if o.Rows < 1 || o.Hearings < 1 || o.Events < 1 || o.Messages < 1 || o.Reminders < 1 || o.Window <= 0 ||
		o.Burst < 1 || o.BurstRate <= 0 || o.Rounds < 1 {
		return nil, errors.New("sizes, the window and -rounds must be positive")
	}
	if o.Messages > planClients || o.Reminders > planClients {
		// Each message goes to its own client, and the store takes at most planClients clients at once.
		return nil, fmt.Errorf("-messages and -reminders can be at most %d", planClients)
	}
	if o.Burst > maxBurst {
		return nil, fmt.Errorf("-burst can be at most %d", maxBurst)
	}
	return o, nil
}

func scenarioNames() string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

func (o *options) selected(name string) bool {
	if o.Only == "" {
		return true
	}
	return slices.Contains(strings.Split(o.Only, ","), name)
}

// childArgs are the flags that hand this run's choices to a child.
func (o *options) childArgs(name string) []string {
	return []string{"-scenario", name, "-dir", o.Dir, "-rows", fmt.Sprint(o.Rows), "-hearings", fmt.Sprint(o.Hearings),
		"-events", fmt.Sprint(o.Events), "-messages", fmt.Sprint(o.Messages), "-reminders", fmt.Sprint(o.Reminders),
		"-window", o.Window.String(), "-daemon-hearings", fmt.Sprint(o.Daemon), "-settle", o.Settle.String(),
		"-feed-round", o.FeedRound.String(), "-cpuprofile", o.CPUProfile, "-repo", o.Repo,
		"-burst", fmt.Sprint(o.Burst), "-burst-rate", fmt.Sprint(o.BurstRate), "-latency", o.Latency.String(),
		"-postgres", o.Postgres}
}

// group is what runs when the scenario name comes up: with its comparison, the selected limits and then the figure
// if at least two of them are selected; otherwise the scenario alone, and no comparison.
func (o *options) group(name string) ([]string, *comparison) {
	for i, c := range comparisons {
		if c.figure != name && !slices.Contains(c.limits, name) {
			continue
		}
		var group []string
		for _, n := range append(slices.Clone(c.limits), c.figure) {
			if o.selected(n) && (o.Postgres != "" || !o.needsPostgres(n)) {
				group = append(group, n)
			}
		}
		if len(group) >= 2 && slices.Contains(group, c.figure) {
			return group, &comparisons[i]
		}
	}
	return []string{name}, nil
}

func (o *options) needsPostgres(name string) bool {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	return i >= 0 && scenarios[i].postgres
}

// runScenario runs one scenario, in this process or a child, and logs how long it took.
func (o *options) runScenario(ctx context.Context, name string, round, rounds int, stderr io.Writer) (metrics, error) {
	label := name
	if rounds > 1 {
		label = fmt.Sprintf("%s (round %d of %d)", name, round+1, rounds)
	}
	if o.needsPostgres(name) && o.Postgres == "" {
		return metrics{}, nil
	}
	fmt.Fprintf(stderr, "docketbench: %s…\n", label)
	start := time.Now()
	var m metrics
	var err error
	if o.InProcess {
		m, err = runOne(ctx, o, name)
	} else {
		m, err = runChild(ctx, o, name, stderr)
	}
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "docketbench: %s done in %s\n", label, time.Since(start).Round(time.Millisecond))
	return m, nil
}

// combineRounds folds each metric's per-round values into the one reported: the median, except peak memory and
// rows written, where the most any round reached is reported, and rows reported unchanged, the fewest — a count
// that one round got wrong must show.
func combineRounds(rounds []metrics) metrics {
	if len(rounds) == 1 {
		return rounds[0]
	}
	out := metrics{}
	for k := range rounds[0] {
		var vals []float64
		for _, m := range rounds {
			if v, ok := m[k]; ok {
				vals = append(vals, v)
			}
		}
		switch {
		case strings.Contains(k, "peak_rss") || strings.HasSuffix(k, "_written"):
			out[k] = slices.Max(vals)
		case strings.HasSuffix(k, "_unchanged"):
			out[k] = slices.Min(vals)
		default:
			out[k] = median(vals)
		}
	}
	return out
}

// compareRounds records, for each limit of c that ran, the median and spread of the figure's per-round ratios to
// it. The figure and its limits must report the same rows each round, or the limit no longer measures the same
// work.
func compareRounds(all metrics, c *comparison, per map[string][]metrics) error {
	figs := per[c.figure]
	for _, limit := range c.limits {
		lims := per[limit]
		if len(lims) != len(figs) {
			continue
		}
		var ratios []float64
		for r := range figs {
			got, okGot := figs[r][c.key]
			lim, okLim := lims[r][c.key]
			if !okGot || !okLim {
				continue
			}
			if a, b := figs[r]["rows"], lims[r]["rows"]; a != b {
				return fmt.Errorf("%s wrote %v rows and %s %v: the limit no longer measures the same work",
					c.figure, a, limit, b)
			}
			ratios = append(ratios, got/lim)
		}
		if len(ratios) == 0 {
			continue
		}
		k := ratioKey(c.figure, limit)
		all[k+".rounds"] = float64(len(ratios))
		all[k+".ratio_min"] = slices.Min(ratios)
		all[k+".ratio_max"] = slices.Max(ratios)
		all[k+".ratio"] = median(ratios)
	}
	return nil
}

// runOne runs a scenario here, with its CPU profile when asked, and adds the process's peak memory.
func runOne(ctx context.Context, o *options, name string) (metrics, error) {
	i := slices.IndexFunc(scenarios, func(s scenario) bool { return s.name == name })
	if i < 0 {
		return nil, fmt.Errorf("unknown scenario %q", name)
	}
	if err := os.MkdirAll(o.Dir, 0o750); err != nil {
		return nil, err
	}
	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile + "-" + name + ".pprof")
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	m, err := scenarios[i].run(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, ok := m["peak_rss"]; !ok {
		if hwm, err := procStatus(os.Getpid(), "VmHWM"); err == nil {
			m["peak_rss"] = float64(hwm)
		}
	}
	return m, nil
}

// runChild runs a scenario in a child process of this binary and reads its metrics.
func runChild(ctx context.Context, o *options, name string, stderr io.Writer) (metrics, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, o.childArgs(name)...)
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("child: %w", err)
	}
	var m metrics
	if err := json.Unmarshal(out, &m); err != nil {
		return nil, fmt.Errorf("child output %q: %w", out, err)
	}
	return m, nil
}

// scratch returns a fresh path in the working directory for a scenario's file, removing what a previous run left.
func scratch(o *options, name string) string {
	p := filepath.Join(o.Dir, name)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(p + suffix)
	}
	return p
}
