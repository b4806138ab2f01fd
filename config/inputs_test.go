package config

import (
	"errors"
	"strings"
	"testing"
)

// problems parses src and returns its problems as lines, failing the test when it parses clean.
func problems(t *testing.T, src string, env map[string]string) []string {
	t.Helper()
	_, err := Parse("f.toml", []byte(src), Options{Courts: testCourts,
		Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("got %v, want Errors", err)
	}
	return strings.Split(errs.Error(), "\n")
}

func wantProblems(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, got[i], want[i])
		}
	}
}

func TestValueOverLimitIsAProblemWithItsLine(t *testing.T) {
	src := "[organization]\nname = \"" + strings.Repeat("n", 2000) + "\"\ntimezone = \"America/Chicago\"\n" +
		"[[clients]]\nid = \"c1\"\nname = \"Ana\"\nemail = \"${BIG}\"\n"
	got := problems(t, src, map[string]string{"BIG": strings.Repeat("e", 10<<20)})
	wantProblems(t, got,
		"f.toml:2:1: organization.name: is 2000 bytes long, more than the 1000 a value may hold",
		"f.toml:7:1: clients[0].email: is 10485760 bytes long, more than the 1000",
		"f.toml:7:1: clients[0].email: expected an email address")
}

func TestPhoneMustBeValidNotMerelyPossible(t *testing.T) {
	src := "[organization]\nname = \"Office\"\nphone = \"555-CALL-NOW\"\n" +
		"[[clients]]\nid = \"c1\"\nname = \"Ana\"\nphone = \"+1 214 555 01720\"\n" +
		"[[clients]]\nid = \"c2\"\nname = \"Luis\"\nphone = \"(214) 555-0100\"\n"
	got := problems(t, src, nil)
	wantProblems(t, got,
		`f.toml:3:1: organization.phone: expected a phone number in E.164 form like "+12145550123", got "555-CALL-NOW"`,
		`f.toml:7:1: clients[0].phone: expected a phone number`)
	if e, err := NormalizePhone("(214) 555-0100"); err != nil || e != "+12145550100" {
		t.Errorf("NormalizePhone(a Dallas number) = %q, %v", e, err)
	}
}

func TestValueOverLimitIsNotQuotedWhole(t *testing.T) {
	src := "[organization]\nname = \"Office\"\nemail = \"" + strings.Repeat("e", 50000) + "\"\n"
	for _, p := range problems(t, src, nil) {
		if len(p) > 200 {
			t.Errorf("a problem of %d bytes: %.120s…", len(p), p)
		}
	}
}

const twilioSrc = `[organization]
name = "Office"
[sms]
provider = "twilio"
[sms.twilio]
account_sid = "${SID}"
auth_token = "${TOKEN}"
from = "+12145550100"
`

func TestTwilioTokenFromTheEnvironmentIsTrimmedAndItsShapeChecked(t *testing.T) {
	const token = "0123456789abcdef0123456789ABCDEF"
	env := map[string]string{"SID": "AC0123456789abcdef0123456789abcdef\n", "TOKEN": token + "\r\n"}
	cfg, err := Parse("f.toml", []byte(twilioSrc), Options{Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SMS.Twilio.AuthToken != token || strings.ContainsAny(cfg.SMS.Twilio.AccountSID, "\r\n") {
		t.Errorf("token %q, sid %q: want the line endings the environment added gone", cfg.SMS.Twilio.AuthToken,
			cfg.SMS.Twilio.AccountSID)
	}

	for _, tt := range []struct{ token, want string }{
		{"tw-secret-token", "got 15 characters, 11 of them not hexadecimal"},
		{"0123456789abcdef", "got 16 characters"},
		{token + " x", "got 34 characters, 2 of them not hexadecimal"},
	} {
		env["TOKEN"] = tt.token
		got := problems(t, twilioSrc, env)
		wantProblems(t, got, "f.toml:7:1: sms.twilio.auth_token: expected the account's auth token, 32 hexadecimal "+
			"characters (Twilio console, Account Info); "+tt.want)
		if strings.Contains(got[0], tt.token) {
			t.Errorf("%q shows the token", got[0])
		}
	}
}

func TestAValueOfTheWrongTypeHidesNothing(t *testing.T) {
	src := `[organization]
name = "Office"
phone = "12"
[sms]
rate = "1"
concurrency = "x"
[[reminders.policy]]
name = "p"
to = "client"
channel = "sms"
before = ["7d", 3]
at = 07:30
[[clients]]
id = 5
name = "Ana"
phone = "12"
[feeds.durations]
master = 30
`
	wantProblems(t, problems(t, src, nil),
		`f.toml:3:1: organization.phone: expected a phone number`,
		`f.toml:5:1: sms.rate: expected a number, without quotes, got the text "1"`,
		`f.toml:6:1: sms.concurrency: expected a whole number, without quotes, got the text "x"`,
		`f.toml:11:17: reminders.policy[0].before[1]: expected a duration in quotes, like "30m" or "7d", got the number 3`,
		`f.toml:12:1: reminders.policy[0].at: expected a time of day in quotes, like "07:30", got a bare time 07:30:00; write it in quotes`,
		`f.toml:14:1: clients[0].id: expected text in quotes, got the number 5`,
		`f.toml:16:1: clients[0].phone: expected a phone number`,
		`f.toml:18:1: feeds.durations.master: expected a duration in quotes, like "30m" or "7d", got the number 30`)
}

func TestSyntaxErrorsHaveTheirLinesAndHideNothing(t *testing.T) {
	src := `[organization]
name = "Office
phone = "12"
[[clients]
id = "c1"
name = "Ana"
[[clients]]
id = "c2"
phone = "1"
[[sources]]
name = "docket"
kind = "csv"
path = "docket.csv"
every = 30m
`
	wantProblems(t, problems(t, src, nil),
		`f.toml:2:15: syntax error: basic strings cannot have new lines`,
		`f.toml:3:1: organization.phone: expected a phone number`,
		`f.toml:4:10: syntax error: expected ']]' to close array table name`,
		`f.toml:7:3: clients[0].name: is required`,
		`f.toml:9:1: clients[0].phone: expected a phone number`,
		`f.toml:14:11: syntax error: strings must be quoted; write every = "30m"`)
}

func TestEverySyntaxErrorHasItsLine(t *testing.T) {
	wantProblems(t, problems(t, "[organization]\nname = \"\"\"Office\n", nil),
		`f.toml:1:2: organization.name: is required`,
		`f.toml:2:17: syntax error: multiline basic string not terminated by """`)
	wantProblems(t, problems(t, "[organization]\nname = \"Office\"\nname = \"Again\"\n", nil),
		`f.toml:3:1: syntax error: key name is already defined`)
}

func TestDatabaseURLProblemDoesNotShowItsPassword(t *testing.T) {
	got := problems(t, "[organization]\nname = \"Office\"\n[database]\nurl = \"postgress://u:s3cret@db/x?password=s3cret\"\n", nil)
	wantProblems(t, got, `f.toml:4:1: database.url: expected "sqlite:PATH" or "postgres://user:pass@host/db", got a URL starting "postgress:"`)
}

func TestWarningsForNoPoliciesAndALoopbackPublicURLWithTwilio(t *testing.T) {
	src := `[organization]
name = "Office"
[http]
public_url = "http://127.0.0.1:8080"
[sms]
provider = "twilio"
[sms.twilio]
account_sid = "AC0123456789abcdef0123456789abcdef"
auth_token = "0123456789abcdef0123456789abcdef"
from = "+12145550100"
`
	cfg, err := Parse("f.toml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range cfg.Warnings {
		got = append(got, w.String())
	}
	wantProblems(t, got,
		`f.toml: reminders: no [[reminders.policy]]: no reminder will be sent to anyone`,
		`f.toml:4:1: http.public_url: "http://127.0.0.1:8080" is this machine only: Twilio would post`)

	cfg, err = Parse("f.toml", []byte(strings.Replace(src, "127.0.0.1:8080", "docket.example.org", 1)+
		"[[reminders.policy]]\nname = \"p\"\nto = \"client\"\nchannel = \"sms\"\nbefore = [\"2h\"]\n"), Options{})
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("a public address and a policy: warnings %v, err %v; want none", cfg.Warnings, err)
	}
}

// A [[hearings]] start the clocks jump over is a problem with its line; one they pass twice is a warning naming the
// instant kept. Chicago (DAL's zone) goes forward at 02:00 on 2027-03-14 and back at 02:00 on 2027-11-07.
func TestHearingAtALocalTimeThatDoesNotExistOrHappensTwice(t *testing.T) {
	base := "[organization]\nname = \"Office\"\n[[reminders.policy]]\nname = \"p\"\nto = \"client\"\n" +
		"channel = \"sms\"\nbefore = [\"2h\"]\n"
	hearing := func(court, start string) string {
		return "[[hearings]]\na_number = \"123456789\"\ncourt = \"" + court + "\"\nstart = \"" + start + "\"\n"
	}
	got := problems(t, base+hearing("DAL", "2027-03-14 02:30"), nil)
	wantProblems(t, got, `f.toml:11:1: hearings[0].start: 02:30 does not exist on 2027-03-14 in DAL (America/Chicago): `+
		`the clocks go forward an hour over it`)

	cfg, err := Parse("f.toml", []byte(base+hearing("DAL", "2027-11-07 01:30")), Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	var warns []string
	for _, w := range cfg.Warnings {
		warns = append(warns, w.String())
	}
	wantProblems(t, warns, `f.toml:11:1: hearings[0].start: 01:30 happens twice on 2027-11-07 in DAL `+
		`(America/Chicago): the clocks go back an hour over it; the first is kept, 01:30 CDT (2027-11-07T06:30:00Z)`)

	// The file's [[courts]] zone is the one read: a court moved to Phoenix (no daylight saving) has neither.
	cfg, err = Parse("f.toml", []byte(base+hearing("DAL", "2027-03-14 02:30")+
		"[[courts]]\ncode = \"DAL\"\ntimezone = \"America/Phoenix\"\n"), Options{Courts: testCourts})
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("DAL in Phoenix: warnings %v, err %v; want none", cfg.Warnings, err)
	}
	// An ordinary time is neither.
	cfg, err = Parse("f.toml", []byte(base+hearing("DAL", "2027-03-14 08:30")), Options{Courts: testCourts})
	if err != nil || len(cfg.Warnings) != 0 {
		t.Errorf("08:30: warnings %v, err %v; want none", cfg.Warnings, err)
	}
}

// separator is one character on a csv source, "," by default.
func TestCSVSeparatorIsOneCharacterOnCSVSourcesOnly(t *testing.T) {
	src := "[organization]\nname = \"Office\"\n" +
		"[[sources]]\nname = \"a\"\nkind = \"csv\"\npath = \"a.csv\"\nevery = \"1h\"\nseparator = \";;\"\n" +
		"[[sources]]\nname = \"b\"\nkind = \"ics\"\nurl = \"https://example.org/c.ics\"\nevery = \"1h\"\nseparator = \";\"\n" +
		"[[sources]]\nname = \"c\"\nkind = \"csv\"\npath = \"c.csv\"\nevery = \"1h\"\nseparator = \"\\\"\"\n"
	got := problems(t, src, nil)
	wantProblems(t, got,
		`f.toml:8:1: sources[0].separator: expected one character, like "," or ";", got ";;"`,
		`f.toml:14:1: sources[1].separator: applies to kind = "csv" only`,
		`f.toml:20:1: sources[2].separator: "\"" cannot separate fields`)

	cfg, err := Parse("f.toml", []byte("[organization]\nname = \"Office\"\n"+
		"[[sources]]\nname = \"a\"\nkind = \"csv\"\npath = \"a.csv\"\nevery = \"1h\"\n"+
		"[[sources]]\nname = \"b\"\nkind = \"csv\"\npath = \"b.csv\"\nevery = \"1h\"\nseparator = \"\\t\"\n"),
		Options{Courts: testCourts})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Sources[0].Separator != "," || cfg.Sources[1].Separator != "\t" {
		t.Errorf("separators %q, %q; want \",\" (the default) and a tab", cfg.Sources[0].Separator, cfg.Sources[1].Separator)
	}
}
