package store

import (
	"context"
	"fmt"
	"os"
	"time"
)

// lockPoll is how often a process waiting for a file lock tries again.
const lockPoll = 50 * time.Millisecond

// lockFile takes an exclusive operating-system lock on the file at path (created if missing), waiting while another
// process, or another open file in this one, holds it, for as long as ctx lasts. The returned func releases it. The
// lock belongs to the open file: a process that dies, however it dies, frees it, so a crash never leaves it held.
// The file itself stays, empty: removing it while another process waits on it would let two hold "the" lock.
func lockFile(ctx context.Context, path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for {
		ok, err := tryLockFile(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			return func() { f.Close() }, nil // closing the file releases the lock
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}
