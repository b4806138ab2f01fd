package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
)

// ErrNotLeader is returned by Leader.IsLeader on a replica that does not hold the lock.
var ErrNotLeader = errors.New("another replica is the leader")

// leaderLockKey is the PostgreSQL advisory lock whose holder runs sync and planning.
const leaderLockKey = 0x646f636b6c64 // "dockld"

// Leader elects one replica among several on one PostgreSQL database with a session advisory lock: the replica
// whose connection holds the lock leads; when that process dies its session ends, the lock is freed, and the next
// replica to ask takes over. It satisfies gocron's Elector.
type Leader struct {
	db   *DB
	mu   sync.Mutex
	conn *sql.Conn
	held bool
}

// Leader returns the elector for this database, or nil for SQLite, where one process owns the file.
func (db *DB) Leader() *Leader {
	if db.dialect != "postgres" {
		return nil
	}
	return &Leader{db: db}
}

// IsLeader returns nil when this replica holds (or has just taken) the lock.
func (l *Leader) IsLeader(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil && l.held {
		if err := l.conn.PingContext(ctx); err == nil {
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
	l.held = true
	return nil
}

// Held reports whether this replica led at its last election.
func (l *Leader) Held() bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

func (l *Leader) drop() {
	if l.conn != nil {
		l.conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck // discard: a pooled connection must not keep the lock
		l.conn.Close()
	}
	l.conn, l.held = nil, false
}

// Close gives up the lead.
func (l *Leader) Close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil && l.held {
		unlock(l.conn, leaderLockKey)
	}
	if l.conn != nil {
		l.conn.Close()
	}
	l.conn, l.held = nil, false
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
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", serialLockKey); err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	defer unlock(conn, serialLockKey) // runs before the conn.Close deferred above
	return fn()
}
