//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package store

import "os"

// tryLockFile has no operating-system lock to take on this platform: it always succeeds, and processes starting
// together on one new SQLite file are not kept apart.
func tryLockFile(*os.File) (bool, error) { return true, nil }
