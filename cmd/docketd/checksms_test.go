package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/docketd/docketd/config"
)

// check says what each text costs in the office's languages, measured with accented names: the common reminder in
// three segments, and the longest sample of every text.
func TestCheckReportsWhatEachTextCosts(t *testing.T) {
	path := testConfig(t, t.TempDir(), nil)
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out, errb)
	}
	for _, want := range []string{
		"texts: es/reminder.sms: 3 segment(s) for one client in person (201 characters); longest sample",
		"texts: en/reminder.sms: 3 segment(s) for one client in person",
		"texts: es/rescheduled.sms: longest sample",
		"texts: en/cancelled.sms: longest sample",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

// check says how long a morning's texts take when the office's rate is too low for its clients: 1,000 clients at the
// default rate of one a second take 16 min 40 s, at 50 a second 20 s (said nothing of).
func TestCheckSaysHowLongTheMorningTakesAtTheRate(t *testing.T) {
	var clients strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&clients, "\n[[clients]]\nid = \"c%d\"\nname = \"Client %d\"\na_number = \"A2%08d\"\n"+
			"phone = \"+1214777%04d\"\nlanguage = \"en\"\n", i, i, 90000000+i, i)
	}
	for _, tt := range []struct {
		rate string
		slow bool
	}{
		{"1.0", true},
		{"50", false},
	} {
		path := testConfig(t, t.TempDir(), func(s string) string {
			s = strings.Replace(s, "\nrate = 1.0\n", "\nrate = "+tt.rate+"\n", 1)
			return s + clients.String()
		})
		// The demo's own clients with a phone, and the thousand added: at one a second, as many seconds.
		cfg, err := config.Load(path, config.Options{})
		if err != nil {
			t.Fatal(err)
		}
		phones := 0
		for _, c := range cfg.Clients {
			if c.Phone != "" {
				phones++
			}
		}
		want := fmt.Sprintf("%d clients with a phone at rate = 1 ", phones)
		took := fmt.Sprintf("take %d min %d s to text one morning", phones/60, phones%60)
		e, out, errb := testEnv()
		if err := e.dispatch(context.Background(), []string{"check", "--config", path}); err != nil {
			t.Fatalf("check: %v\n%s%s", err, out, errb)
		}
		got := out.String()
		if !tt.slow {
			if strings.Contains(got, "to text one morning") {
				t.Errorf("rate %s: check warns of a slow morning:\n%s", tt.rate, got)
			}
			continue
		}
		if !strings.Contains(got, want) || !strings.Contains(got, took) {
			t.Errorf("rate %s: check output lacks %q and %q:\n%s", tt.rate, want, took, got)
		}
	}
}
