package main

import (
	"io"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/docketd/docketd/config"
)

func TestDrillNowShiftsTheDaemonClock(t *testing.T) {
	at := time.Date(2027, 4, 14, 7, 59, 45, 0, time.UTC)
	d := &daemon{e: &env{getenv: func(k string) string {
		if k == drillNowVar {
			return at.Format(time.RFC3339)
		}
		return ""
	}}, now: time.Now, clock: clockwork.NewRealClock(), log: newLogger(config.Log{Level: "info", Format: "text"}, io.Discard)}
	if err := d.shiftForDrills(); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]time.Time{"now": d.now(), "clock": d.clock.Now()} {
		if off := got.Sub(at); off < 0 || off > time.Minute {
			t.Errorf("%s = %s, want %s and on", name, got, at)
		}
	}
	if u := d.clock.Until(at.Add(time.Hour)); u < 59*time.Minute || u > time.Hour {
		t.Errorf("Until an hour later = %s", u)
	}

	d.e.getenv = func(string) string { return "tomorrow" }
	if err := d.shiftForDrills(); exitCode(err) != exitUsage {
		t.Errorf("a bad time: %v, want a usage error", err)
	}
}
