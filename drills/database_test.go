package drills

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketd/docketd/docket"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "github.com/ncruces/go-sqlite3/driver"
)

// outage runs the daemon through a database outage: a few dozen reminders fall due while the database cannot be
// written (break until heal), the daemon must stay up, say on /readyz whether it can reach the database, and send
// every reminder exactly once afterwards. wantNotReady says /readyz must report the outage.
func outage(t *testing.T, dbURL, daemonURL string, brk, heal func(), wantNotReady bool) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	tw := newFakeTwilio(t, time.Now)
	// The reminders fall due 15 seconds after the daemon starts: after it has planned them, inside the outage.
	due := time.Now().Add(15 * time.Second)
	start := due.Add(72 * time.Hour).Truncate(time.Minute).Add(time.Minute)
	o := office{dbURL: daemonURL, twilioURL: tw.URL, clients: 40, start: start, together: true,
		before: []string{fmt.Sprintf("%ds", int(start.Sub(due).Seconds()))}, rate: 1000, timeout: "5s"}
	cfg := o.write(t, dir)
	logPath := filepath.Join(dir, "daemon.log")
	keepOnFailure(t, logPath)
	p := startDaemon(t, cfg, logPath)
	if !waitFor(30*time.Second, func() bool { return getStatus(p.base, "/readyz") == 200 }) {
		t.Fatalf("daemon not ready within 30s (log %s)", logPath)
	}
	db := openStore(t, dbURL)
	if !waitFor(30*time.Second, func() bool {
		s, err := outboxStates(ctx, db)
		return err == nil && s[string(docket.StatePending)] == o.clients
	}) {
		t.Fatal("reminders not planned within 30s")
	}
	if time.Until(due) < 2*time.Second {
		t.Fatalf("the daemon took too long to start: the reminders fall due before the outage")
	}

	brk()
	healed := false
	defer func() {
		if !healed {
			heal()
		}
	}()
	statuses := map[string]map[int]int{"/readyz": {}, "/healthz": {}}
	until := due.Add(20 * time.Second)
	for time.Now().Before(until) {
		for path, m := range statuses {
			m[getStatus(p.base, path)]++
		}
		if err, gone := p.exited(); gone {
			t.Fatalf("daemon exited during the outage: %v (log %s)", err, logPath)
		}
		time.Sleep(500 * time.Millisecond)
	}
	during := len(tw.Messages())
	heal()
	healed = true
	healedAt := time.Now()
	t.Logf("during the outage: /readyz %v, /healthz %v; %d messages went out", statuses["/readyz"],
		statuses["/healthz"], during)
	if statuses["/healthz"][200] == 0 {
		t.Errorf("/healthz never answered 200 during the outage: %v", statuses["/healthz"])
	}
	if wantNotReady && statuses["/readyz"][503] == 0 {
		t.Errorf("/readyz never said 503 while the database was unreachable: %v", statuses["/readyz"])
	}

	var states map[string]int
	if !waitFor(120*time.Second, func() bool {
		s, err := outboxStates(ctx, db)
		states = s
		return err == nil && s[string(docket.StateSent)] == o.clients
	}) {
		t.Errorf("not caught up within 2 minutes of the end of the outage: %v (log %s)", states, logPath)
	}
	t.Logf("caught up %v after the outage ended", time.Since(healedAt).Round(100*time.Millisecond))
	if got := getStatus(p.base, "/readyz"); got != 200 {
		t.Errorf("/readyz after the outage: got %d, want 200", got)
	}
	if err, gone := p.exited(); gone {
		t.Errorf("daemon exited: %v", err)
	}
	p.stop(t, 20*time.Second)
	accepted := tw.Messages()
	rep := checkDelivery(ctx, t, db, accepted, "sms")
	rep.assert(t, len(accepted))
}

// TestDatabaseLocked holds SQLite's write lock (BEGIN EXCLUSIVE from another connection) for half a minute, longer
// than the store's busy timeout, while reminders fall due.
func TestDatabaseLocked(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	path := filepath.Join(t.TempDir(), "drill.db")
	url := "sqlite:" + path
	var (
		mu   sync.Mutex
		conn *sql.Conn
		raw  *sql.DB
	)
	brk := func() {
		mu.Lock()
		defer mu.Unlock()
		var err error
		raw, err = sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(20000)")
		if err != nil {
			t.Fatal(err)
		}
		conn, err = raw.Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
			t.Fatalf("take the lock: %v", err)
		}
	}
	heal := func() {
		mu.Lock()
		defer mu.Unlock()
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			t.Errorf("release the lock: %v", err)
		}
		conn.Close()
		raw.Close()
	}
	outage(t, url, url, brk, heal, false)
}

// TestPostgresUnreachable cuts the daemon's connections to PostgreSQL (through a proxy the test controls) for
// half a minute while reminders fall due. It needs DOCKETD_TEST_POSTGRES.
func TestPostgresUnreachable(t *testing.T) {
	needDrills(t)
	drillsInParallel(t)
	if os.Getenv("DOCKETD_TEST_POSTGRES") == "" {
		t.Skip("set DOCKETD_TEST_POSTGRES to a PostgreSQL URL")
	}
	direct := postgresDatabase(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	px := startProxy(t, u.Host)
	u.Host = px.addr
	outage(t, direct, u.String(), px.cut, px.restore, true)
}

// pgDatabases numbers the databases postgresDatabase creates, so drills running side by side never share a name.
var pgDatabases atomic.Int64

// postgresDatabase creates a database of its own for the test on DOCKETD_TEST_POSTGRES's server, dropped when the
// test ends, and returns its URL.
func postgresDatabase(t *testing.T) string {
	t.Helper()
	admin := os.Getenv("DOCKETD_TEST_POSTGRES")
	ctx := context.Background()
	adb, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("docketd_drill_%d_%d", time.Now().UnixNano(), pgDatabases.Add(1))
	if _, err := adb.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		adb.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := adb.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
		adb.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// proxy forwards TCP connections to a target until cut, which drops every connection and refuses new ones.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	down         bool
	conns        map[net.Conn]bool
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: l.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { l.Close(); p.cut() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn) {
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		return
	}
	p.mu.Unlock()
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}
