package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ErrNotLeader is returned by Leader.IsLeader on a replica that does not hold the lock.
var ErrNotLeader = errors.New("another replica is the leader")

// errLockLost is a leader's check finding its session alive but without the lock.
var errLockLost = errors.New("the leader's session no longer holds the lock")

// leaderLockKey is the PostgreSQL advisory lock whose holder runs sync and planning.
const leaderLockKey = 0x646f636b6c64 // "dockld"

// The server's side of a session that holds a lock (the leader's, the migration's, the config writer's): when the
// replica's host vanishes, no FIN or RST ever comes, and with stock settings the server keeps the session, and its
// lock, until the kernel's keepalive gives up after about two hours. With these, the server probes a session silent
// for keepaliveIdle every keepaliveInterval and drops it after keepaliveCount unanswered probes; tcpUserTimeout
// drops it when data the server sent stays unacknowledged that long (keepalive probes are not sent meanwhile). So the
// lock of a vanished replica is free within serverGiveUp of the last thing it said.
const (
	keepaliveIdle     = 20 * time.Second
	keepaliveInterval = 5 * time.Second
	keepaliveCount    = 4
	tcpUserTimeout    = 40 * time.Second
	serverGiveUp      = keepaliveIdle + keepaliveCount*keepaliveInterval // = tcpUserTimeout
)

// The leader's side: every leaderCheckEvery it asks its own session, within leaderCheckTimeout, whether it still
// holds the lock, and stops leading when it cannot tell. The sum stays under serverGiveUp, so a leader cut off from
// the server has stepped down before the server frees the lock for another replica.
const (
	leaderCheckEvery   = 10 * time.Second
	leaderCheckTimeout = 5 * time.Second
)

// keepAlive sets the keepalive settings above on conn's session. PostgreSQL applies them to its socket at once;
// they mean nothing on a Unix-domain socket, where a dead peer is seen at once anyway. A setting the server does not
// know (tcp_user_timeout before PostgreSQL 12) is left out.
func keepAlive(ctx context.Context, conn *sql.Conn) error {
	settings := []struct{ name, value string }{
		{"tcp_keepalives_idle", strconv.Itoa(int(keepaliveIdle / time.Second))},
		{"tcp_keepalives_interval", strconv.Itoa(int(keepaliveInterval / time.Second))},
		{"tcp_keepalives_count", strconv.Itoa(keepaliveCount)},
		{"tcp_user_timeout", strconv.Itoa(int(tcpUserTimeout / time.Millisecond))},
	}
	var names, values []string
	for _, s := range settings {
		names, values = append(names, s.name), append(values, s.value)
	}
	_, err := conn.ExecContext(ctx, `SELECT set_config(s.name, s.value, false)
		FROM unnest($1::text[], $2::text[]) AS s(name, value) JOIN pg_settings p ON p.name = s.name`, names, values)
	if err != nil {
		return fmt.Errorf("session keepalive: %w", err)
	}
	return nil
}

// Leader elects one replica among several on one PostgreSQL database with a session advisory lock: the replica
// whose connection holds the lock leads; when that process dies its session ends, the lock is freed, and the next
// replica to ask takes over. It satisfies gocron's Elector.
//
// A replica whose host vanishes, or whose network to the server breaks, loses the lead on both sides: the server
// drops its silent session (keepAlive) and frees the lock within serverGiveUp, and the replica itself, which checks
// its session every leaderCheckEvery and before every job, stops leading when the check does not answer within
// leaderCheckTimeout.
type Leader struct {
	db                       *DB
	checkEvery, checkTimeout time.Duration

	mu         sync.Mutex
	conn       *sql.Conn
	held       atomic.Bool // written under mu; read without it by Held
	stop, done chan struct{}
}

// Leader returns the elector for this database, or nil for SQLite, where one process owns the file.
func (db *DB) Leader() *Leader {
	if db.dialect != "postgres" {
		return nil
	}
	return &Leader{db: db, checkEvery: leaderCheckEvery, checkTimeout: leaderCheckTimeout}
}

// IsLeader returns nil when this replica holds (or has just taken) the lock. It answers within the check timeout
// even when the server cannot be reached.
func (l *Leader) IsLeader(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, l.checkTimeout)
	defer cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil && l.held.Load() {
		if err := l.check(ctx); err == nil {
			return nil
		}
		l.drop()
	}
	if l.conn == nil {
		sqlDB, err := l.db.gorm.DB()
		if err != nil {
			return err
		}
		if l.conn, err = sqlDB.Conn(ctx); err != nil {
			l.conn = nil
			return fmt.Errorf("leader election: %w", err)
		}
		if err := keepAlive(ctx, l.conn); err != nil {
			l.drop()
			return fmt.Errorf("leader election: %w", err)
		}
	}
	var got bool
	if err := l.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", leaderLockKey).Scan(&got); err != nil {
		l.drop()
		return fmt.Errorf("leader election: %w", err)
	}
	if !got {
		return ErrNotLeader
	}
	l.held.Store(true)
	if l.stop == nil {
		l.stop, l.done = make(chan struct{}), make(chan struct{})
		go l.watch(l.stop, l.done)
	}
	return nil
}

// check asks the lock's session whether it still holds the lock; ctx bounds the wait.
func (l *Leader) check(ctx context.Context) error {
	var held bool
	// A bigint advisory lock shows in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1.
	err := l.conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'
		AND pid = pg_backend_pid() AND granted AND objsubid = 1
		AND classid = ($1::bigint >> 32)::oid AND objid = ($1::bigint & 4294967295)::oid)`, leaderLockKey).Scan(&held)
	if err == nil && !held {
		err = errLockLost
	}
	return err
}

// watch checks the lead every checkEvery until stop is closed, and gives it up when a check fails or does not
// answer in time: between jobs, too, a leader that cannot reach the server stops saying it leads.
func (l *Leader) watch(stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(l.checkEvery)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		l.mu.Lock()
		if l.conn != nil && l.held.Load() {
			ctx, cancel := context.WithTimeout(context.Background(), l.checkTimeout)
			if err := l.check(ctx); err != nil {
				l.drop()
			}
			cancel()
		}
		l.mu.Unlock()
	}
}

// Held reports whether this replica led at its last election or check.
func (l *Leader) Held() bool {
	if l == nil {
		return true
	}
	return l.held.Load()
}

func (l *Leader) drop() {
	if l.conn != nil {
		l.conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discard: a pooled connection must not keep the lock
		l.conn.Close()
	}
	l.conn = nil
	l.held.Store(false)
}

// Close gives up the lead.
func (l *Leader) Close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop, l.done = nil, nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done // the watch takes mu: wait for it outside
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil && l.held.Load() {
		unlock(l.conn, leaderLockKey)
	}
	if l.conn != nil {
		l.conn.Close()
	}
	l.conn = nil
	l.held.Store(false)
}

// unlock releases a session advisory lock. A connection that could not release it is discarded instead of going
// back to the pool, where it would hold the lock for as long as it lives: no other replica could lead, or write the
// config, until then.
func unlock(conn *sql.Conn, key int64) {
	var released bool
	err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock($1)", key).Scan(&released)
	if err != nil || !released {
		conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discard: the lock must not stay pooled
	}
}

// serialLockKey is the PostgreSQL advisory lock under which hearings and people are written by config and sync.
const serialLockKey = 0x646f636b7772 // "dockwr"

// Serialized runs fn while no other replica runs a Serialized fn: replicas that start together apply the config
// (people, cases, the config's hearings) one after the other instead of racing to insert the same rows. SQLite has
// a single writer already, and fn simply runs.
func (db *DB) Serialized(ctx context.Context, fn func() error) error {
	if db.dialect != "postgres" {
		return fn()
	}
	sqlDB, err := db.gorm.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	defer conn.Close()
	if err := keepAlive(ctx, conn); err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", serialLockKey); err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	defer unlock(conn, serialLockKey) // runs before the conn.Close deferred above
	return fn()
}
