package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

var testCourts = map[string]string{"DAL": "America/Chicago", "ELP": "America/Denver"}

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := Load("../config.example.toml", Options{Courts: testCourts})
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if got, want := len(cfg.Clients), 7; got != want {
		t.Errorf("clients: got %d, want %d", got, want)
	}
	if got, want := cfg.Clients[0].ANumber, "201555101"; got != want {
		t.Errorf("a_number normalised: got %q, want %q", got, want)
	}
	loc, _ := time.LoadLocation("America/Denver")
	start := cfg.Hearings[4].StartIn(loc)
	if got, want := start.Format("2006-01-02 15:04 MST"), "2028-04-11 09:00 MDT"; got != want {
		t.Errorf("El Paso start: got %q, want %q", got, want)
	}
	if got, want := cfg.Reminders.QuietHours, "20:00-08:00"; got != want || Default().Reminders.QuietHours != want {
		t.Errorf("quiet_hours: got %q (default %q), want %q: no text after 8 p.m.", got,
			Default().Reminders.QuietHours, want)
	}
	if got, want := cfg.Clients[4].State, "TX"; got != want {
		t.Errorf("state: got %q, want %q", got, want)
	}
	if got, want := cfg.Reminders.Policies[0].Before[0].D, 7*24*time.Hour; got != want {
		t.Errorf("before[0]: got %v, want %v", got, want)
	}
}

func TestErrorsNameLineKeyAndExpectation(t *testing.T) {
	src := `[organization]
name = "Office"
timezone = "America/Chicago"
phon = "+12145550100"

[[attorneys]]
id = "a1"
name = "Counsel"

[[clients]]
id = "c1"
name = "Client"
phone = "12"
attorney = "a2"

[[clients]]
id = "c1"
name = "Other"
timezone = "Mars/Olympus"

[[reminders.policy]]
name = "p"
to = "client"
channel = "sms"
before = ["7d", "soon"]

[[hearings]]
a_number = "A201555101"
court = "XXX"
start = "2027-13-01 08:30"
`
	_, err := Parse("bad.toml", []byte(src), Options{Courts: testCourts})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want Errors", err)
	}
	want := []string{
		`bad.toml:4:1: organization.phon: unknown key (did you mean "phone"?)`,
		`bad.toml:13:1: clients[0].phone: expected a phone number in E.164 form like "+12145550123", got "12"`,
		`bad.toml:14:1: clients[0].attorney: no [[attorneys]] entry has id "a2"`,
		`bad.toml:17:1: clients[1].id: client id "c1" is used twice`,
		`bad.toml:19:1: clients[1].timezone: unknown time zone "Mars/Olympus"`,
		`bad.toml:21:3: reminders.policy[0].at: is required for day offsets`,
		`bad.toml:25:17: reminders.policy[0].before[1]: expected a duration`,
		`bad.toml:29:1: hearings[0].court: "XXX" is not an EOIR court code`,
		`bad.toml:30:1: hearings[0].start: expected court local time`,
	}
	got := strings.Split(errs.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), errs.Error())
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

func TestEnvExpansion(t *testing.T) {
	src := `[organization]
name = "Office"
[sms]
provider = "twilio"
[sms.twilio]
account_sid = "AC123"
auth_token = "${TOKEN}"
from = "${FROM}"
`
	env := map[string]string{"TOKEN": "0123456789abcdef0123456789abcdef"}
	cfg, err := Parse("env.toml", []byte(src), Options{Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("got %v, want two problems (FROM unset, then from empty)", err)
	}
	if got, want := errs.Error(), "env.toml:8:1: sms.twilio.from: environment variable FROM is not set"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
	if got, want := cfg.SMS.Twilio.AuthToken, "0123456789abcdef0123456789abcdef"; got != want {
		t.Errorf("auth_token: got %q, want %q", got, want)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"7d", 7 * 24 * time.Hour, false},
		{"2h", 2 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"30m", 30 * time.Minute, false},
		{"", 0, true},
		{"d", 0, true},
		{"-2h", 0, true},
		{"7 days", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseQuietHours(t *testing.T) {
	q, err := ParseQuietHours("21:00-08:00")
	if err != nil || q != (QuietHours{Start: 21 * 60, End: 8 * 60}) {
		t.Errorf("ParseQuietHours: got %+v, %v", q, err)
	}
	for _, bad := range []string{"21:00", "25:00-08:00", "21:00-8"} {
		if _, err := ParseQuietHours(bad); err == nil {
			t.Errorf("ParseQuietHours(%q): got nil error", bad)
		}
	}
}

func TestClientState(t *testing.T) {
	src := `[organization]
name = "Office"
timezone = "America/Chicago"

[[clients]]
id = "c1"
name = "Client"
phone = "+12145550142"
state = "fl"

[[clients]]
id = "c2"
name = "Other"
state = "Florida"
`
	_, err := Parse("state.toml", []byte(src), Options{Courts: testCourts})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want Errors", err)
	}
	if got, want := errs.Error(), `state.toml:14:1: clients[1].state: expected the two-letter code of a US state, `+
		`like "FL", got "Florida"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	cfg, err := Parse("state.toml", []byte(strings.Split(src, "[[clients]]\nid = \"c2\"")[0]), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Clients[0].State, "FL"; got != want {
		t.Errorf("state: got %q, want %q", got, want)
	}
}

// Counsel read English unless their entry says otherwise: a Spanish-speaking office's default language is its
// clients'. A client without a language gets the office's.
func TestCounselDefaultToEnglish(t *testing.T) {
	src := `[organization]
name = "Oficina"
timezone = "America/Chicago"
language = "es"

[[attorneys]]
id = "a1"
name = "Lucía Fernández"
email = "lucia@example.org"

[[attorneys]]
id = "a2"
name = "Diego Ruiz"
email = "diego@example.org"
language = "es"

[[clients]]
id = "c1"
name = "María Hernández"
phone = "+12145550142"
attorney = "a1"
`
	cfg, err := Parse("lang.toml", []byte(src), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Attorneys[0].Language; got != "en" {
		t.Errorf("counsel without a language: got %q, want en", got)
	}
	if got := cfg.Attorneys[1].Language; got != "es" {
		t.Errorf("counsel who read Spanish: got %q, want es", got)
	}
	if got := cfg.Clients[0].Language; got != "es" {
		t.Errorf("client without a language: got %q, want the office's es", got)
	}
}

func TestPolicyNameFitsTheOutboxKey(t *testing.T) {
	example, err := os.ReadFile("../config.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	named := func(name string) []byte {
		return []byte(strings.Replace(string(example), `name = "client-text"`, `name = "`+name+`"`, 1))
	}
	long := strings.Repeat("recordatorio-", 6) // 78 characters
	_, err = Parse("docketd.toml", named(long), Options{Courts: testCourts})
	if err == nil || !strings.Contains(err.Error(), ".name") || !strings.Contains(err.Error(), "at most 64") {
		t.Fatalf("a %d-character policy name: got %v, want an error naming the key and its limit", len(long), err)
	}
	if _, err := Parse("docketd.toml", named(long[:64]), Options{Courts: testCourts}); err != nil {
		t.Fatalf("a 64-character policy name is refused: %v", err)
	}
}
