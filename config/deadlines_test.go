package config

import (
	"errors"
	"strings"
	"testing"
)

func TestDeadlinesConfig(t *testing.T) {
	base := `[organization]
name = "Office"
timezone = "America/Chicago"

[[hearings]]
a_number = "201555101"
court = "DAL"
start = "2027-03-15 08:30"
type = "individual"
`
	cfg, err := Parse("ok.toml", []byte(base+"filing_deadline = \"2027-02-26\"\n"), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Hearings[0].FilingDeadline, "2027-02-26"; got != want {
		t.Errorf("filing_deadline: got %q, want %q", got, want)
	}
	if !cfg.Deadlines.On() {
		t.Error("deadlines are on unless the file turns them off")
	}
	cfg, err = Parse("off.toml", []byte(base+"\n[deadlines]\nenabled = false\n"), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Deadlines.On() {
		t.Error("[deadlines] enabled = false: got on")
	}

	tests := []struct{ add, want string }{
		{"filing_deadline = \"Feb 26\"\n",
			`bad.toml:10:1: hearings[0].filing_deadline: expected the date of the judge's order like "2027-01-15" (YYYY-MM-DD), got "Feb 26"`},
		{"filing_deadline = \"2027-03-16\"\n",
			`bad.toml:10:1: hearings[0].filing_deadline: 2027-03-16 is after the hearing (2027-03-15)`},
		{"filing_deadline = 2027-02-26\n", `bad.toml:10:`},
		{"\n[deadlines]\nenabled = \"yes\"\n", `bad.toml:12:`},
		{"\n[deadlines]\nenable = true\n", `bad.toml:12:1: deadlines.enable: unknown key (did you mean "enabled"?)`},
	}
	for _, tt := range tests {
		_, err := Parse("bad.toml", []byte(base+tt.add), Options{Courts: testCourts})
		var errs Errors
		if !errors.As(err, &errs) {
			t.Errorf("%q: got %v, want Errors", tt.add, err)
			continue
		}
		if got := errs.Error(); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%q:\n got %s\nwant %s…", tt.add, got, tt.want)
		}
	}
}
