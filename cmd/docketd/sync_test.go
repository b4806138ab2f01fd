package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docketd/docketd/smtptest"
)

// syncTestConfig writes the example config and a copy of the example docket beside it, where its relative path
// points, so the test also shows paths are read from the config's folder.
func syncTestConfig(t *testing.T, edit func(string) string) (cfgPath, docketPath string) {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile("../../examples/docket.csv")
	if err != nil {
		t.Fatal(err)
	}
	docketPath = filepath.Join(dir, "examples", "docket.csv")
	if err := os.MkdirAll(filepath.Dir(docketPath), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docketPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return testConfig(t, dir, edit), docketPath
}

func TestSyncCommandPrintsCountsPerSource(t *testing.T) {
	cfgPath, _ := syncTestConfig(t, nil)
	e, out, errb := testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
		t.Fatalf("sync: %v\n%s", err, errb)
	}
	want := "config: 7 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected\n" +
		"office-export: 6 created, 0 changed, 0 cancelled, 0 unchanged, 0 rejected\n"
	if got := out.String(); got != want {
		t.Errorf("first sync: got %q, want %q", got, want)
	}

	e, out, errb = testEnv()
	if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath, "--source", "office-export",
		"--now", "2027-11-02T09:00:00-05:00"}); err != nil {
		t.Fatalf("sync --source: %v\n%s", err, errb)
	}
	if got, want := out.String(), "office-export: 0 created, 0 changed, 0 cancelled, 6 unchanged, 0 rejected\n"; got != want {
		t.Errorf("second sync: got %q, want %q", got, want)
	}

	// The El Paso row is in Mountain time, as the court keeps it.
	e, out, _ = testEnv()
	if err := e.dispatch(context.Background(), []string{"hearings", "--config", cfgPath, "--court", "ELP"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1:00 PM MDT") {
		t.Errorf("hearings at ELP: want the docket's 1:00 PM MDT hearing, got:\n%s", out)
	}
}

func TestSyncCommandFailures(t *testing.T) {
	complete := func(s string) string {
		return strings.Replace(s, "complete = false ", "complete = true  ", 1)
	}
	tests := []struct {
		name     string
		edit     func(string) string
		damage   func(t *testing.T, docket string)
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in the returned error
	}{
		{"unknown source", nil, nil, []string{"--source", "nope"}, exitUsage, "",
			`no source named "nope" (sources: office-export)`},
		{"file gone", nil, func(t *testing.T, docket string) { os.Remove(docket) }, nil, exitFailure,
			"office-export: failed, nothing changed", "office-export failed"},
		{"complete file cut down", complete, func(t *testing.T, docket string) {
			data, _ := os.ReadFile(docket)
			lines := strings.SplitAfter(string(data), "\n")
			os.WriteFile(docket, []byte(strings.Join(lines[:3], "")), 0o600)
		}, nil, exitOK, "(4 missing, within grace)", ""}, // fewer than max_change_min changes: never held
		{"complete file cut down, forced", complete, func(t *testing.T, docket string) {
			data, _ := os.ReadFile(docket)
			lines := strings.SplitAfter(string(data), "\n")
			os.WriteFile(docket, []byte(strings.Join(lines[:3], "")), 0o600)
		}, []string{"--force"}, exitOK, "(4 missing, within grace)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfgPath, docket := syncTestConfig(t, tt.edit)
			e, _, errb := testEnv()
			if err := e.dispatch(context.Background(), []string{"sync", "--config", cfgPath}); err != nil {
				t.Fatalf("first sync: %v\n%s", err, errb)
			}
			if tt.damage != nil {
				tt.damage(t, docket)
			}
			e, out, _ := testEnv()
			err := e.dispatch(context.Background(), append([]string{"sync", "--config", cfgPath}, tt.args...))
			if got, want := exitCode(err), tt.wantCode; got != want {
				t.Fatalf("exit: got %d, want %d (err %v, out %s)", got, want, err, out)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout: got %q, want it to contain %q", out, tt.wantOut)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error: got %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// vacatedDocket writes a docket of a judge's calendar of n hearings (n <= 30), each in its own slot on June 1, 2,
// ... 2028, then the rows of extra as they are.
func vacatedDocket(t *testing.T, path string, n int, extra ...string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("Event ID,A Number,Client,Phone,Language,Attorney,Hearing Date,Hearing Time,Court,Hearing Type," +
		"Judge,Medium\n")
	for i := range n {
		fmt.Fprintf(&b, "EV-%d,A301-555-%03d,\"Client %03d\",,,,06/%02d/2028,9:00 AM,DAL,Individual,\"Calendar, "+
			"Judge\",In Person\n", i, i, i, 1+i)
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A judge's calendar vacated: 30 hearings in 30 slots leave a complete source at once. The cancellations are held,
// the new hearings of the same pass apply, the office gets one email naming the change and the command, status
// shows HELD until --force applies it.
func TestSyncVacatedCalendarIsHeldAndTheOfficeIsTold(t *testing.T) {
	mail := smtptest.NewServer()
	mail.Start()
	t.Cleanup(mail.Close)
	cfgPath, docket := syncTestConfig(t, func(s string) string {
		s = strings.Replace(s, "complete = false ", "complete = true  ", 1)
		s = strings.Replace(s, `provider = "log"                              # smtp | log`, `provider = "smtp"`, 1)
		s = strings.Replace(s, `host = ""          # your mail server, needed with provider = "smtp"`,
			fmt.Sprintf("host = %q\nport = %d", mail.Host, mail.Port), 1)
		s = strings.Replace(s, `port = 587         # default 587 for starttls, 465 for tls, 25 for none`, "", 1)
		return strings.Replace(s, `tls = "starttls"   # starttls | tls | none`, `tls = "none"`, 1)
	})
	stay := []string{
		`EV-900,A301-555-900,"Other, Ana",,,,07/06/2028,9:00 AM,DAL,Individual,"Other, Judge",In Person`,
		`EV-901,A301-555-901,"Other, Ben",,,,07/07/2028,9:00 AM,DAL,Individual,"Other, Judge",In Person`,
	}
	vacatedDocket(t, docket, 30, stay...)
	run := func(args ...string) (string, error) {
		e, out, _ := testEnv()
		err := e.dispatch(context.Background(), append([]string{args[0], "--config", cfgPath}, args[1:]...))
		return out.String(), err
	}
	if out, err := run("sync"); err != nil {
		t.Fatalf("first sync: %v\n%s", err, out)
	}
	fresh := `EV-902,A301-555-902,"New, Cleo",,,,07/08/2028,9:00 AM,DAL,Individual,"Other, Judge",In Person`
	vacatedDocket(t, docket, 0, append(stay, fresh)...)
	out, err := run("sync", "--source", "office-export")
	if exitCode(err) != exitFailure || !strings.Contains(out, "1 created") ||
		!strings.Contains(out, "HELD: 30 moves or cancellations of a slot (30 hearings) of its 32 upcoming slots") {
		t.Fatalf("vacated: got %v\n%s\nwant held, the new hearing created", err, out)
	}
	msgs := mail.Messages()
	if len(msgs) != 1 || len(msgs[0].To) != 1 || msgs[0].To[0] != "docket@frontera-legal.example" {
		t.Fatalf("want one email to the organisation, got %d: %+v", len(msgs), msgs)
	}
	body := string(msgs[0].Data)
	for _, want := range []string{"docketd sync --source office-export --force", "Client 000", "A301-555-000",
		"Thu Jun 1, 2028 9:00 AM CDT, DAL, Calendar, Judge"} {
		if !strings.Contains(body, want) {
			t.Errorf("email: want %q in\n%s", want, body)
		}
	}
	// The next hour's pass holds the same changes: no second email, still HELD.
	if _, err := run("sync", "--source", "office-export"); exitCode(err) != exitFailure {
		t.Fatalf("second held sync: %v", err)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Errorf("emails after a second held pass: %d, want 1", n)
	}
	status, err := run("status")
	if err != nil || !strings.Contains(status, "HELD since") {
		t.Fatalf("status: %v\n%s\nwant HELD", err, status)
	}
	if out, err := run("sync", "--source", "office-export", "--force"); err != nil ||
		!strings.Contains(out, "30 missing, within grace") {
		t.Fatalf("forced: %v\n%s", err, out)
	}
	if status, _ := run("status"); strings.Contains(status, "HELD") {
		t.Errorf("status after --force still HELD:\n%s", status)
	}
}
