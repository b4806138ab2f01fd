// Command docketbench measures docketd against the limits of the machine it runs on (SPEC §10, issue 8): it
// generates EOIR-shaped synthetic data, runs each scenario, and prints every figure beside a limit measured in the
// same run, as a ratio.
//
//	go run ./cmd/docketbench                 # the sizes of the issue: 1,000,000 rows and hearings
//	go run ./cmd/docketbench -quick          # 100,000 rows, a 10 s lateness window: a few minutes
//	go run ./cmd/docketbench -rows 200000 -hearings 200000 -cpuprofile /tmp/prof
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
	Postgres   string        // a PostgreSQL database the burst also runs on, with two replicas; emptied first
	// Instructions counts the hot paths' instructions under callgrind instead of running scenarios; Record writes
	// the counts to instructions.tsv.
	Instructions, Record bool
}

// scenario is one measurement, run alone so its peak memory is its own.
type scenario struct {
	name string
	run  func(ctx context.Context, o *options) (metrics, error)
}

// metrics are the named figures a scenario measured: durations in seconds, sizes in bytes, rates per second.
type metrics map[string]float64

// scenarios in the order they run. import-raw and import are separate so each peak is its own.
var scenarios = []scenario{
	{"import-raw", runImportRaw},
	{"import", runImport},
	{"plan", runPlan},
	{"feed", runFeed},
	{"dispatch", runDispatch},
	{"burst", runBurst},
	{"burst-pg", runBurstPG},
	{"lateness", runLateness},
	{"daemon", runDaemon},
}

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
	for _, s := range scenarios {
		if !o.selected(s.name) {
			continue
		}
		fmt.Fprintf(stderr, "docketbench: %s…\n", s.name)
		start := time.Now()
		var m metrics
		if o.InProcess {
			m, err = runOne(ctx, o, s.name)
		} else {
			m, err = runChild(ctx, o, s.name, stderr)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(stderr, "docketbench: %s done in %s\n", s.name, time.Since(start).Round(time.Millisecond))
		for k, v := range m {
			all[s.name+"."+k] = v
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
	f.StringVar(&o.Postgres, "postgres", "", "PostgreSQL URL the burst also runs on with two replicas "+
		"(its public schema is dropped first); empty skips burst-pg")
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
		o.Burst < 1 || o.BurstRate <= 0 {
		return nil, errors.New("sizes and the window must be positive")
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
