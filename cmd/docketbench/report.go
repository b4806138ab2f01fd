package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one line of the table: a figure, the limit it is held to, and their ratio against the target.
type row struct {
	what   string
	figure string
	limit  string
	ratio  float64
	spread string // "1.21–1.30": the lowest and highest ratio of alternating rounds, when there were several
	target string // "≤ 2" or "≥ 0.5": the ratio the issue asks for
	ok     bool
}

// lower builds a row whose ratio must stay at or under max (times, memory).
func lower(what string, got, limit float64, format func(float64) string, max float64) row {
	r := got / limit
	return row{what: what, figure: format(got), limit: format(limit), ratio: r, target: "≤ " + num(max),
		ok: r <= max}
}

// higher builds a row whose ratio must reach at least min (throughput).
func higher(what string, got, limit float64, format func(float64) string, min float64) row {
	r := got / limit
	return row{what: what, figure: format(got), limit: format(limit), ratio: r, target: "≥ " + num(min), ok: r >= min}
}

// compared builds the row of a figure held to a limit measured by another scenario (a comparison): the figures
// are the median of each side's rounds, and the ratio the median of the per-round ratios, with their spread when
// there were several rounds. With max 0 the row is for information and cannot miss.
func compared(what string, m metrics, figure, limit string, format func(float64) string, max float64) row {
	got, lim := m[figure+".seconds"], m[limit+".seconds"]
	r := lower(what, got, lim, format, max)
	k := ratioKey(figure, limit)
	if v, ok := m[k+".ratio"]; ok {
		r.ratio, r.ok = v, v <= max
	}
	if m[k+".rounds"] > 1 {
		r.spread = fmt.Sprintf("%.2f–%.2f", m[k+".ratio_min"], m[k+".ratio_max"])
	}
	if max == 0 {
		r.target, r.ok = "information", true
	}
	return r
}

// The targets for the import and the plan, against their raw limits, on SQLite and on PostgreSQL.
const (
	importTarget = 1.5
	planTarget   = 1.5
)

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func secs(f float64) string {
	return time.Duration(f * float64(time.Second)).Round(time.Millisecond).String()
}

func millis(f float64) string { return fmt.Sprintf("%.1f ms", f*1000) }

func mib(f float64) string { return fmt.Sprintf("%.0f MB", f/(1<<20)) }

func perSec(unit string) func(float64) string {
	return func(f float64) string { return fmt.Sprintf("%.0f %s/s", f, unit) }
}

func count(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

// buildRows turns the scenarios' metrics (prefixed "scenario.") into the table; a scenario not run is left out.
func buildRows(o *options, m metrics) []row {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				return false
			}
		}
		return true
	}
	var rows []row
	n := count(float64(o.Rows))
	if has("import.seconds", "import-raw.seconds") {
		rows = append(rows, compared("import "+n+" rows (vs raw batched inserts)", m, "import", "import-raw", secs,
			importTarget))
	}
	if has("import.seconds", "import-raw-cache.seconds") {
		rows = append(rows, compared("import (vs the same raw load with a 64 MiB page cache)", m, "import",
			"import-raw-cache", secs, 0))
	}
	if has("import.seconds", "import-raw-bulk.seconds") {
		rows = append(rows, compared("import (vs raw load, 64 MiB cache, journal off, indexes built after)", m,
			"import", "import-raw-bulk", secs, 0))
	}
	if has("import-pg.seconds", "import-pg-copy.seconds") {
		rows = append(rows, compared("import "+n+" rows on PostgreSQL (vs COPY FROM STDIN)", m, "import-pg",
			"import-pg-copy", secs, importTarget))
	}
	if has("import.import_peak_rss") {
		rows = append(rows, lower("import peak RSS (vs fixed limit)", m["import.import_peak_rss"], 256<<20, mib, 1))
	}
	if has("import.resync_seconds", "import.seconds") {
		rows = append(rows, lower("re-sync unchanged file (vs first import)", m["import.resync_seconds"],
			m["import.seconds"], secs, 0.5))
		rows = append(rows, row{what: "re-sync rows written (hearings touched, changes logged)",
			figure: count(m["import.resync_written"]), limit: "0", target: "= 0", ok: m["import.resync_written"] == 0})
		rows = append(rows, row{what: "re-sync hearings reported unchanged", figure: count(m["import.resync_unchanged"]),
			limit: count(m["import.hearings"]), ratio: m["import.resync_unchanged"] / m["import.hearings"], target: "= 1",
			ok: m["import.resync_unchanged"] == m["import.hearings"]})
	}
	if has("plan.seconds", "plan-raw.seconds") {
		rows = append(rows, compared(fmt.Sprintf("plan 3 reminders × %s hearings (%s rows, vs raw inserts)",
			count(float64(o.Hearings)), count(m["plan.rows"])), m, "plan", "plan-raw", secs, planTarget))
	}
	if has("plan-pg.seconds", "plan-pg-copy.seconds") {
		rows = append(rows, compared(fmt.Sprintf("plan on PostgreSQL (%s rows, vs COPY FROM STDIN into the outbox)",
			count(m["plan-pg.rows"])), m, "plan-pg", "plan-pg-copy", secs, planTarget))
	}
	if has("plan.peak_rss") {
		rows = append(rows, lower("plan peak RSS (vs import limit, for information)", m["plan.peak_rss"], 256<<20,
			mib, 1))
	}
	if has("feed.render_seconds") {
		rows = append(rows, lower(fmt.Sprintf("render a %d-event feed (%s bytes)", o.Events,
			count(m["feed.bytes"])), m["feed.render_seconds"], 0.050, millis, 1))
		rows = append(rows, higher("serve feed 200 (vs http.ServeContent)", m["feed.handler_200"],
			m["feed.static_200"], perSec("req"), 0.5))
		rows = append(rows, higher("serve feed 304 (vs http.ServeContent)", m["feed.handler_304"],
			m["feed.static_304"], perSec("req"), 0.8))
	}
	if has("dispatch.rate", "dispatch.raw_rate") {
		r := higher(fmt.Sprintf("dispatch %d SMS, no rate limit, %d in flight (vs bare http.Client, same; "+
			"median of %d alternating rounds)", o.Messages, dispatchConcurrency, dispatchRounds), m["dispatch.rate"],
			m["dispatch.raw_rate"], perSec("msg"), 0.5)
		if v, ok := m["dispatch.ratio"]; ok {
			r.ratio, r.ok = v, v >= 0.5
			r.spread = fmt.Sprintf("%.2f–%.2f", m["dispatch.ratio_min"], m["dispatch.ratio_max"])
		}
		rows = append(rows, r)
		rows = append(rows, row{what: "dispatch: CPU per message (whole process, fake provider included)",
			figure: fmt.Sprintf("%.3f ms", m["dispatch.cpu_per_msg"]*1000), limit: "—", target: "information", ok: true})
	}
	for _, sc := range []string{"burst", "burst-pg"} {
		if !has(sc + ".seconds") {
			continue
		}
		where := "SQLite"
		if sc == "burst-pg" {
			where = fmt.Sprintf("PostgreSQL, %s replicas", count(m[sc+".replicas"]))
		}
		rows = append(rows, lower(fmt.Sprintf("burst of %d at one instant, %s fake latency, rate %v, %s (vs N ÷ rate)",
			o.Burst, o.Latency, o.BurstRate, where), m[sc+".seconds"], m[sc+".limit_seconds"], secs, 1.1))
		rows = append(rows, lower("burst: messages a second over the drain (vs rate, the office's)",
			float64(o.Burst)/m[sc+".seconds"], o.BurstRate, perSec("msg"), 1))
		rows = append(rows, row{what: "burst: most requests in any one second (information: send jitter)",
			figure: count(m[sc+".peak"]), limit: count(o.BurstRate), ratio: m[sc+".peak"] / o.BurstRate,
			target: "information", ok: true})
		rows = append(rows, row{what: "burst: reminders sent exactly once", figure: count(float64(o.Burst) -
			m[sc+".duplicates"]), limit: count(float64(o.Burst)), ratio: 1, target: "= 1", ok: m[sc+".duplicates"] == 0})
	}
	if has("lateness.p99") {
		rows = append(rows, lower(fmt.Sprintf("lateness p99, %d reminders over %s (max %s)", o.Reminders, o.Window,
			millis(m["lateness.max"])), m["lateness.p99"], 0.250, millis, 1))
		rows = append(rows, row{what: "lateness: reminders sent exactly once", figure: count(m["lateness.sent"]),
			limit: count(float64(o.Reminders)), ratio: m["lateness.sent"] / float64(o.Reminders), target: "= 1",
			ok: m["lateness.sent"] == float64(o.Reminders) && m["lateness.duplicates"] == 0})
	}
	if has("daemon.rss") {
		rows = append(rows, lower(fmt.Sprintf("daemon peak RSS: start, first plan of %s hearings, %s-text burst",
			count(m["daemon.hearings"]), count(m["daemon.burst"])), m["daemon.daemon_peak_rss"], 80<<20, mib, 1))
		rows = append(rows, lower(fmt.Sprintf("daemon RSS %s after its first cycle", o.Settle), m["daemon.rss"],
			80<<20, mib, 1))
		rows = append(rows, lower("daemon start to /readyz", m["daemon.ready_seconds"], 1, secs, 1))
		rows = append(rows, row{what: "daemon start to first plan and burst done", figure: secs(m["daemon.cycle_seconds"]),
			limit: "—", ratio: 1, target: "information", ok: true})
	}
	return rows
}

// printTable writes the machine, the sizes and the rows.
func printTable(w io.Writer, o *options, rows []row) {
	fmt.Fprintf(w, "machine: %d CPUs (%s), %s, %s/%s\n", runtime.NumCPU(), cpuModel(), runtime.Version(),
		runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "sizes: rows=%d hearings=%d events=%d messages=%d reminders=%d window=%s daemon-hearings=%d "+
		"rounds=%d\n\n", o.Rows, o.Hearings, o.Events, o.Messages, o.Reminders, o.Window, o.Daemon, o.Rounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tlimit\tratio\tspread\ttarget\t")
	for _, r := range rows {
		mark := "ok"
		if !r.ok {
			mark = "MISSED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s %s\t\n", r.what, r.figure, r.limit, r.ratio, r.spread, r.target,
			mark)
	}
	tw.Flush()
}

// cpuModel reads the CPU's name from /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// procStatus reads a "kB" field of /proc/PID/status (VmRSS, VmHWM) in bytes.
func procStatus(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", key, err)
		}
		return kb << 10, nil
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, key)
}
