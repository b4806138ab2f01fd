package store

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"
)

// TestLeaderSessionKeepalive checks that the leader's session carries the keepalive settings, so the server drops
// the session of a replica whose host vanished, and frees its lock, within serverGiveUp. The settings only act on a
// TCP session: DOCKETD_TEST_POSTGRES must name a host, not a socket directory.
func TestLeaderSessionKeepalive(t *testing.T) {
	base := os.Getenv("DOCKETD_TEST_POSTGRES")
	if base == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	l := MustOpenPostgres(t, base).Leader()
	defer l.Close()
	if err := l.IsLeader(ctx); err != nil {
		t.Fatal(err)
	}
	var tcp bool
	if err := l.conn.QueryRowContext(ctx, "SELECT inet_client_addr() IS NOT NULL").Scan(&tcp); err != nil {
		t.Fatal(err)
	}
	if !tcp {
		t.Skip("the test server is reached by a Unix-domain socket, where keepalive settings read as 0")
	}
	want := map[string]string{
		"tcp_keepalives_idle":     "20",    // seconds
		"tcp_keepalives_interval": "5",     // seconds
		"tcp_keepalives_count":    "4",     //
		"tcp_user_timeout":        "40000", // milliseconds
	}
	for name, value := range want {
		var got string
		if err := l.conn.QueryRowContext(ctx, "SELECT setting FROM pg_settings WHERE name = $1", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != value {
			t.Errorf("%s on the leader's session: %s, want %s", name, got, value)
		}
	}
	if serverGiveUp > 2*time.Minute || leaderCheckEvery+leaderCheckTimeout >= serverGiveUp {
		t.Errorf("bounds: the server frees a vanished leader's lock after %v and the leader steps down after %v: want "+
			"the leader first, and the server within two minutes", serverGiveUp, leaderCheckEvery+leaderCheckTimeout)
	}
}

// TestLeaderCutOffStepsDown puts a proxy between the leader and PostgreSQL that stops answering without closing
// anything, as a network that drops packets looks from the leader's side: the leader must stop saying it leads
// within one check interval and timeout, and an election must answer within the timeout instead of hanging. While
// the proxy keeps the server's side of the session open, the server still holds the lock (which is what the
// session's keepalive settings are for; TestLeaderSessionKeepalive checks them, this proxy cannot exercise them):
// when the proxy closes the connections, another replica takes over.
func TestLeaderCutOffStepsDown(t *testing.T) {
	base := os.Getenv("DOCKETD_TEST_POSTGRES")
	if base == "" {
		t.Skip("DOCKETD_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	px := startSilentProxy(t, u.Host)
	u.Host = px.addr
	cut, err := Open(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer cut.Close()
	direct := MustOpenPostgres(t, base)
	a, b := cut.Leader(), direct.Leader()
	const every, timeout = 200 * time.Millisecond, 500 * time.Millisecond
	a.checkEvery, a.checkTimeout = every, timeout
	defer a.Close()
	defer b.Close()
	if err := a.IsLeader(ctx); err != nil {
		t.Fatalf("leader behind the proxy: %v", err)
	}
	if err := b.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("second replica: got %v, want ErrNotLeader", err)
	}

	px.silence()
	silenced := time.Now()
	bound := every + timeout
	if !pollFor(bound+2*time.Second, func() bool { return !a.Held() }) {
		t.Fatalf("the cut-off leader still says it leads %v after its network went silent", time.Since(silenced))
	}
	stepped := time.Since(silenced)
	if stepped > bound+time.Second {
		t.Errorf("the cut-off leader stepped down after %v, want within about %v", stepped, bound)
	}
	t.Logf("the cut-off leader stepped down %v after its network went silent (check every %v, timeout %v)",
		stepped.Round(time.Millisecond), every, timeout)
	asked := time.Now()
	if err := a.IsLeader(ctx); err == nil {
		t.Error("the cut-off leader was elected again")
	}
	if took := time.Since(asked); took > timeout+time.Second {
		t.Errorf("election behind a silent network took %v, want about its timeout %v", took, timeout)
	}
	if err := b.IsLeader(ctx); !errors.Is(err, ErrNotLeader) {
		t.Errorf("second replica while the server still has the silent leader's session: got %v, want ErrNotLeader", err)
	}

	px.cut() // the server's side of the session ends, as it does when keepalive gives up on a vanished host
	if !pollFor(10*time.Second, func() bool { return b.IsLeader(ctx) == nil }) {
		t.Fatal("the second replica did not take over once the server dropped the leader's session")
	}
	if !b.Held() {
		t.Error("the new leader does not report that it leads")
	}
}

// pollFor checks cond every 20ms until it holds or d passes, and reports whether it held.
func pollFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// silentProxy forwards TCP connections to a target until silenced, from when it swallows every byte in both
// directions and answers nothing, closing nothing; cut closes every connection.
type silentProxy struct {
	addr, target string
	mu           sync.Mutex
	quiet        bool
	conns        []net.Conn
}

func startSilentProxy(t *testing.T, target string) *silentProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silentProxy{addr: l.Addr().String(), target: target}
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

func (p *silentProxy) serve(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go p.pipe(up, c)
	p.pipe(c, up)
}

// pipe copies src to dst while the proxy is not silenced, and drops what it reads once it is. A side that closes
// its end closes the other only while the proxy is not silenced: from a vanished host, no close arrives either.
func (p *silentProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		p.mu.Lock()
		quiet := p.quiet
		p.mu.Unlock()
		if n > 0 && !quiet {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if !quiet {
				dst.Close()
			}
			return
		}
	}
}

func (p *silentProxy) silence() {
	p.mu.Lock()
	p.quiet = true
	p.mu.Unlock()
}

func (p *silentProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
