package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestTestClockKeepsASleepBeyondTheLimit: a sleep whose deadline lies past one wait's limit must still move time in
// the next wait, whose limit reaches it. The dispatcher sleeps once and says so once; a wait that noted the sleep
// and could not act on it must leave it for the next, or the next waits for a wake-up that never comes (the
// replica test's takeover: the follower's sync timer never fired).
func TestTestClockKeepsASleepBeyondTheLimit(t *testing.T) {
	t0 := time.Date(2028, 2, 7, 9, 50, 0, 0, time.UTC)
	clk := newTestClock(t0)
	clk.guard = 10 * time.Second // real time: only stops the test from hanging when the sleep was forgotten
	ring := newBell()
	woke := clk.After(10 * time.Minute) // the dispatcher's one sleep, past the first wait's limit
	var fired atomic.Bool
	go func() {
		<-woke
		fired.Store(true)
		ring.ring()
	}()

	// The first wait sees the sleep, may not move time past its limit, and is over once it has looked.
	looks := 0
	clk.until(t, t0.Add(5*time.Minute), "the first wait to look at the sleep", ring, func() bool {
		looks++
		return looks > 1
	})
	if got := clk.Now(); !got.Equal(t0) {
		t.Fatalf("the first wait moved time to %s, past nothing it may reach", got.Format(time.RFC3339))
	}
	// The second wait's limit reaches the sleep's deadline: time must move there and wake the sleeper.
	clk.until(t, t0.Add(15*time.Minute), "the sleep beyond the first limit to end", ring, fired.Load)
	if got, want := clk.Now(), t0.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("clock after the second wait: %s, want %s", got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
}
