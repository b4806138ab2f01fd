//go:build race

package store

// The race detector slows the pure-Go SQLite engine about tenfold: the long-pass tests import fewer rows under it.
func init() { underRace = true }
