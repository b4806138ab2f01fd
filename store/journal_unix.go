//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes the exclusive lock on the file at path, waiting for it. Every process on the database takes the
// same file's lock, so appends to the journal and its compaction never overlap.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
