package drills

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// office describes the config a daemon drill runs: many clients, one hearing each, some households (two clients
// sharing a phone and a hearing time, who get one message).
type office struct {
	dbURL     string
	twilioURL string
	clients   int
	// households makes every n-th client share the phone and hearing time of the one before.
	households int
	// start is the first hearing's start; hearing i starts up to four hours later (in Dallas time), so that with
	// offsets over 76 hours every reminder is due when the drill begins.
	start  time.Time
	before []string // policy offsets, hour offsets such as "80h"
	rate   float64
	// timeout is [sms.twilio] timeout.
	timeout string
	// together gives every hearing the same start; starts, when set, gives hearing i starts[i].
	together bool
	starts   []time.Time
	// quiet is [reminders] quiet_hours ("00:00-00:00", none, when empty) and catchUp catch_up ("7d" when empty).
	quiet, catchUp string
	// policies, when set, are the [[reminders.policy]] tables instead of one client text on before.
	policies string
	// hearingType is hearing i's type; nil makes every hearing a master calendar hearing.
	hearingType func(i int) string
	// email gives client i an email address; nil gives none.
	email func(i int) string
	// emailTable is the [email] table; empty sends email to the log.
	emailTable string
}

func (o office) phone(i int) string {
	if o.households > 0 && i%o.households == 1 {
		i--
	}
	return fmt.Sprintf("+1214555%04d", 1000+i)
}

func (o office) hearingStart(i int) time.Time {
	if o.households > 0 && i%o.households == 1 {
		i--
	}
	if o.starts != nil {
		return o.starts[i]
	}
	if o.together {
		return o.start
	}
	return o.start.Add(time.Duration((i/2)%240) * time.Minute)
}

// write writes the config into dir and returns its path.
func (o office) write(t *testing.T, dir string) string {
	t.Helper()
	dallas, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	// Clients and hearings are arrays of one-line inline tables, before the first table header (where TOML puts
	// top-level keys): the same config as [[clients]] and [[hearings]] blocks, in an eighth of the lines. The config
	// loader finds each key's line by counting the newlines before it, so a drill office of thousands of clients in
	// blocks of one key a line takes the daemon seconds to read at every start.
	var b strings.Builder
	b.WriteString("clients = [\n")
	for i := range o.clients {
		fmt.Fprintf(&b, "  { id = \"c%d\", name = \"Client %d Drill\", a_number = \"2%08d\", phone = %q, language = \"en\", timezone = \"America/Chicago\"",
			i, i, i, o.phone(i))
		if o.email != nil {
			fmt.Fprintf(&b, ", email = %q", o.email(i))
		}
		b.WriteString(" },\n")
	}
	b.WriteString("]\n\nhearings = [\n")
	for i := range o.clients {
		typ := "master"
		if o.hearingType != nil {
			typ = o.hearingType(i)
		}
		fmt.Fprintf(&b, "  { id = \"h%d\", a_number = \"2%08d\", court = \"DAL\", start = %q, type = %q, medium = \"in_person\" },\n",
			i, i, o.hearingStart(i).In(dallas).Format("2006-01-02 15:04"), typ)
	}
	b.WriteString("]\n\n")
	fmt.Fprintf(&b, `[organization]
name = "Drill Legal Aid"
phone = "+12145550100"
timezone = "America/Chicago"
language = "en"
email = "docket@drill.example"

[database]
url = %q

[http]
listen = "127.0.0.1:0"
public_url = "http://127.0.0.1:9"

[log]
level = "info"
format = "json"

[sms]
provider = "twilio"
rate = %g

[sms.twilio]
account_sid = %q
auth_token = %q
from = %q
api_url = %q
timeout = %q

%s

[reminders]
quiet_hours = %q
catch_up = %q
notify_changes = true

%s
`, o.dbURL, o.rate, accountSID, authToken, fromNumber, o.twilioURL, o.timeout, or(o.emailTable, `[email]
provider = "log"
from = "Drill Docket <docket@drill.example>"`), or(o.quiet, "00:00-00:00"), or(o.catchUp, "7d"),
		or(o.policies, fmt.Sprintf(`[[reminders.policy]]
name = "client-text"
to = "client"
channel = "sms"
before = [%s]`, quoteAll(o.before))))
	path := filepath.Join(dir, "docketd.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// or is s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
