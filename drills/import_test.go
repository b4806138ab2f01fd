package drills

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	"github.com/docketd/docketd/inbound"
	"github.com/docketd/docketd/source"
	"github.com/docketd/docketd/twiliotest"
)

// TestImportWhileRemindersAreDue starts the daemon on SQLite with a 300,000-row EOIR bulk source, which it imports
// at start, and reminders falling due every 2 seconds over the following minute, while a client
// texts ALTO every second. The import takes SQLite's write lock only in short pieces, so: no reminder goes out more
// than 2 seconds late, planning never fails with "database is locked", and every webhook is answered 200 within
// 2 seconds. It also reports the daemon's peak memory and the longest write of the import.
func TestImportWhileRemindersAreDue(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	const (
		rows    = 300_000
		clients = 8
		// The reminders fall due from soon after the first plan (within a second of start) until well after the
		// import's writes end: an import of 300,000 rows writes for about 20 seconds from 3 seconds after launch.
		reminders = 30 // per client, 2 seconds apart
		firstDue  = 5 * time.Second
		spacing   = 2 * time.Second
		maxLate   = 2 * time.Second
		maxAnswer = 2 * time.Second
	)
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "drill.db")
	dbURL := "sqlite:" + dbPath

	schedule := filepath.Join(dir, "tbl_schedule.txt")
	f, err := os.Create(schedule)
	if err != nil {
		t.Fatal(err)
	}
	if err := source.WriteSyntheticSchedule(f, rows, 12, time.Now().AddDate(0, 0, 2)); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	tw := newFakeTwilio(t, time.Now)
	launch := time.Now()
	start := launch.Add(72 * time.Hour).Truncate(time.Minute).Add(time.Minute)
	var before []string
	for k := range reminders {
		due := launch.Add(firstDue + time.Duration(k)*spacing)
		before = append(before, fmt.Sprintf("%ds", int(start.Sub(due).Seconds())))
	}
	o := office{dbURL: dbURL, twilioURL: tw.URL, clients: clients, start: start, together: true, before: before,
		rate: 1000, timeout: "5s"}
	cfg := o.write(t, dir)
	src := fmt.Sprintf("\n[[sources]]\nname = \"eoir\"\nkind = \"eoir_bulk\"\npath = %q\nschedule = \"0 3 1 1 *\"\n"+
		"complete = true\ngrace = \"72h\"\nmax_change = \"20%%\"\n", schedule)
	cf, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cf.WriteString(src); err != nil {
		t.Fatal(err)
	}
	cf.Close()

	logPath := filepath.Join(dir, "daemon.log")
	keepOnFailure(t, logPath)
	p := startDaemon(t, cfg, logPath)

	// What the drill watches: a reader on the same file (WAL: it never waits for the import).
	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	imported := func() int64 {
		var n int64
		raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM hearings WHERE source = 'eoir'").Scan(&n)
		return n
	}
	importEnded := func() bool {
		// A run is recorded as it starts, with no end (year 1, a negative number of microseconds), then ended.
		var n int64
		err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM sync_runs WHERE source = 'eoir' AND ended_at > 0").Scan(&n)
		return err == nil && n > 0
	}

	// A client texts ALTO every second, from a number of its own each time, until the import has ended.
	type answer struct {
		at     time.Time
		took   time.Duration
		status int
	}
	var (
		mu      sync.Mutex
		answers []answer
	)
	stopTexts := make(chan struct{})
	textsDone := make(chan struct{})
	go func() {
		defer close(textsDone)
		c := &http.Client{Timeout: 15 * time.Second}
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopTexts:
				return
			case <-tick.C:
			}
			form := url.Values{"From": {fmt.Sprintf("+1214666%04d", i)}, "To": {fromNumber}, "Body": {"ALTO"},
				"AccountSid": {accountSID}, "MessageSid": {fmt.Sprintf("SM%032x", i+1)}}
			req, _ := http.NewRequest(http.MethodPost, p.base+inbound.InboundPath, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Twilio-Signature", twiliotest.Signature(authToken, "http://127.0.0.1:9"+inbound.InboundPath, form))
			began := time.Now()
			status := 0
			if resp, err := c.Do(req); err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			mu.Lock()
			answers = append(answers, answer{at: began, took: time.Since(began), status: status})
			mu.Unlock()
		}
	}()

	// A bounded poll of the daemon's progress: when the import's first hearings commit, and when its run ends.
	var writesFrom, writesUntil time.Time
	if !waitFor(10*time.Minute, func() bool {
		if writesFrom.IsZero() && imported() > 0 {
			writesFrom = time.Now()
		}
		if err, gone := p.exited(); gone {
			t.Fatalf("daemon exited during the import: %v (log %s)", err, logPath)
		}
		return importEnded()
	}) {
		t.Fatalf("the import did not end within 10 minutes (log %s)", logPath)
	}
	writesUntil = time.Now()
	close(stopTexts)
	<-textsDone
	total := int(clients * reminders)
	db := openStore(t, dbURL)
	var states map[string]int
	if !waitFor(3*time.Minute, func() bool {
		s, err := outboxStates(ctx, db)
		states = s
		return err == nil && s[string(docket.StateSent)] == total
	}) {
		t.Errorf("not every reminder went out: %v (log %s)", states, logPath)
	}
	peakRSS := procStatusKB(p.cmd.Process.Pid, "VmHWM")
	p.stop(t, 30*time.Second)

	// Lateness, by the provider's clock against each row's due time.
	rowsOut, err := db.OutboxRows(ctx, docket.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	dueOf := map[string]time.Time{}
	var dueDuringWrites int
	for _, r := range rowsOut {
		if r.ProviderID != "" {
			dueOf[r.ProviderID] = r.Due
		}
		if !writesFrom.IsZero() && r.Due.After(writesFrom) && r.Due.Before(writesUntil) {
			dueDuringWrites++
		}
	}
	accepted := tw.Messages()
	var late int
	var worst time.Duration
	for _, m := range accepted {
		due, ok := dueOf[m.SID]
		if !ok {
			continue
		}
		d := m.At.Sub(due)
		worst = max(worst, d)
		if d > maxLate {
			late++
		}
	}
	var locked int
	lf, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var syncDone string
	sc := bufio.NewScanner(lf)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "database is locked") {
			locked++
		}
		if strings.Contains(line, `"msg":"sync done"`) && strings.Contains(line, `"source":"eoir"`) {
			syncDone = line
		}
	}
	lf.Close()
	var sd struct {
		Created      int           `json:"created"`
		Rejected     int           `json:"rejected"`
		Writes       int           `json:"writes"`
		LongestWrite time.Duration `json:"longest_write"` // slog's JSON: nanoseconds
		Duration     time.Duration `json:"duration"`
	}
	json.Unmarshal([]byte(syncDone), &sd)
	var slow, failed, during int
	var slowest time.Duration
	for _, a := range answers {
		slowest = max(slowest, a.took)
		if a.took >= maxAnswer {
			slow++
		}
		if a.status != http.StatusOK {
			failed++
		}
		if !writesFrom.IsZero() && a.at.After(writesFrom) && a.at.Before(writesUntil) {
			during++
		}
	}
	t.Logf("import: %d created, %d rejected in %v, %d write transactions, the longest %v; writes from +%v to +%v "+
		"after launch; daemon peak RSS %d MB", sd.Created, sd.Rejected, sd.Duration, sd.Writes, sd.LongestWrite,
		writesFrom.Sub(launch).Round(time.Second), writesUntil.Sub(launch).Round(time.Second), peakRSS>>10)
	t.Logf("reminders: %d sent of %d, %d due while the import wrote; %d more than %v late (latest by %v)",
		len(accepted), total, dueDuringWrites, late, maxLate, worst.Round(time.Millisecond))
	t.Logf("webhooks: %d ALTO answered, %d during the import's writes, %d not 200, %d took %v or more (slowest %v); "+
		"%d log lines say database is locked", len(answers), during, failed, slow, maxAnswer,
		slowest.Round(time.Millisecond), locked)

	if sd.LongestWrite >= maxLate {
		t.Errorf("the import held the write lock %v at once", sd.LongestWrite)
	}
	if sd.Created+sd.Rejected != rows {
		t.Errorf("import: %d created + %d rejected, want %d rows (log %s)", sd.Created, sd.Rejected, rows, logPath)
	}
	if dueDuringWrites < clients*4 || during < 4 {
		t.Fatalf("only %d reminders fell due and %d webhooks came while the import wrote: the drill did not "+
			"overlap them (writes from +%v to +%v)", dueDuringWrites, during, writesFrom.Sub(launch), writesUntil.Sub(launch))
	}
	if late > 0 {
		t.Errorf("%d reminders went out more than %v late (latest by %v)", late, maxLate, worst)
	}
	if locked > 0 {
		t.Errorf("%d daemon log lines say database is locked (log %s)", locked, logPath)
	}
	if slow > 0 || failed > 0 {
		t.Errorf("webhooks during the import: %d not answered 200, %d took %v or more (slowest %v)", failed, slow,
			maxAnswer, slowest)
	}
	rep := checkDelivery(ctx, t, db, accepted, "sms")
	rep.assert(t, len(accepted))
}

// procStatusKB reads a kB field (VmHWM, VmRSS) of /proc/PID/status; 0 when it cannot.
func procStatusKB(pid int, key string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
