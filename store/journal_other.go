//go:build !unix

package store

import "sync"

// Without flock the journal's locks hold within one process only: run one docketd process per SQLite database.
var fileLocks sync.Map // path -> *sync.Mutex

func lockFile(path string) (func(), error) {
	m, _ := fileLocks.LoadOrStore(path, &sync.Mutex{})
	m.(*sync.Mutex).Lock()
	return m.(*sync.Mutex).Unlock, nil
}
