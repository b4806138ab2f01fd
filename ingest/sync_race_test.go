//go:build race

package ingest_test

// The race detector slows the pure-Go SQLite engine about tenfold, which turns the 100,000-row import into a
// minute and a half without finding anything more: memory flatness is not a question of data races.
func init() { syncUnderRace = true }
